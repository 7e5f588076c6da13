"""The charge behind a PaymentIntent's payment attempt.

A subclass of localstripe's Charge, so its refunds, amount_refunded and
GET /v1/charges/{id} come from localstripe; what differs is how it is made:
the outcome (success, or a decline with Stripe's codes) is decided by the
PaymentIntent from the test card, and a charge knows how much was captured.
"""

from localstripe import resources


class Charge(resources.Charge):
    def __init__(self, intent, payment_method, decline=None):
        # Skips localstripe's Charge.__init__: it decides declines itself.
        resources.StripeObject.__init__(self)
        card = getattr(payment_method, 'card', None) or {}
        self.amount = intent.amount
        self.amount_captured = 0
        self.currency = intent.currency
        self.customer = intent.customer
        self.description = intent.description
        self.metadata = dict(intent.metadata)
        self.payment_intent = intent.id
        self.payment_method = payment_method.id
        self.payment_method_details = {'type': 'card', 'card': {
            k: card.get(k) for k in ('brand', 'country', 'exp_month',
                                     'exp_year', 'fingerprint', 'funding',
                                     'last4')}}
        self.billing_details = getattr(payment_method, 'billing_details', {})
        self.statement_descriptor = intent.statement_descriptor
        self.captured = False
        self.disputed = False
        self.invoice = None
        self.receipt_email = None
        self.receipt_number = None
        self.balance_transaction = None
        if decline is None:
            self.status = 'succeeded'
            self.failure_code = None
            self.failure_message = None
            self.outcome = {'network_status': 'approved_by_network',
                            'reason': None, 'risk_level': 'normal',
                            'seller_message': 'Payment complete.',
                            'type': 'authorized'}
        else:
            self.status = 'failed'
            self.failure_code = decline.code
            self.failure_message = decline.message
            self.outcome = {'network_status': 'declined_by_network',
                            'reason': decline.decline_code,
                            'risk_level': 'normal',
                            'seller_message': 'The bank did not return any '
                                              'further details with this '
                                              'decline.',
                            'type': 'issuer_declined'}

    def _capture_amount(self, amount):
        """Captures amount of the authorisation; the rest is released."""
        self.captured = True
        self.amount_captured = amount

    def _refundable_amount(self):
        return self.amount_captured - self.amount_refunded

    @property
    def refunded(self):
        return self.captured and self.amount_refunded >= self.amount_captured
