"""Stripe's test cards: which ones decline, with what, and which need 3-D Secure.

Stock localstripe declines most of these only when they are attached to a
customer; Stripe declines them when they are charged. The outcome here is
looked up by card number, so a test card behaves the same whether it is
passed by its test id (pm_card_...) or created, attached and then charged.
"""

from dataclasses import dataclass

from localstripe import resources


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str
    message: str
    param: str = None

    def error_fields(self):
        fields = {'code': self.code, 'decline_code': self.decline_code,
                  'message': self.message, 'type': 'card_error',
                  'doc_url': 'https://stripe.com/docs/error-codes/'
                             + self.code.replace('_', '-')}
        if self.param:
            fields['param'] = self.param
        return fields


GENERIC = Decline('card_declined', 'generic_decline', 'Your card was declined.')

DECLINES = {
    '4000000000000002': GENERIC,
    '4000000000000341': GENERIC,  # attaches fine, every charge declines
    '4000000000009995': Decline('card_declined', 'insufficient_funds',
                                'Your card has insufficient funds.'),
    '4000000000009987': Decline('card_declined', 'lost_card',
                                'Your card was declined.'),
    '4000000000009979': Decline('card_declined', 'stolen_card',
                                'Your card was declined.'),
    '4000000000000069': Decline('expired_card', 'expired_card',
                                'Your card has expired.', param='exp_month'),
    '4000000000000127': Decline('incorrect_cvc', 'incorrect_cvc',
                                "Your card's security code is incorrect.",
                                param='cvc'),
    '4000000000000119': Decline('processing_error', 'processing_error',
                                'An error occurred while processing your '
                                'card. Try again in a little bit.'),
}

# Off-session, a card that needs authentication is declined with this.
AUTHENTICATION_REQUIRED = Decline(
    'authentication_required', 'authentication_required',
    'Your card was declined. This transaction requires authentication.')

# Cards that always ask for 3-D Secure; after it, 8260003178 and 8400001629
# still decline (insufficient funds, generic).
AUTHENTICATION_CARDS = {'4000002760003184', '4000002500003155',
                        '4000000000003220', '4000000000003063',
                        '4000008260003178', '4000008400001629'}
DECLINES_AFTER_AUTHENTICATION = {
    '4000008260003178': DECLINES['4000000000009995'],
    '4000008400001629': GENERIC,
}

# Stripe's test payment method ids: (card number, brand).
TEST_PAYMENT_METHODS = {
    'pm_card_visa': ('4242424242424242', 'visa'),
    'pm_card_visa_debit': ('4000056655665556', 'visa'),
    'pm_card_mastercard': ('5555555555554444', 'mastercard'),
    'pm_card_visa_chargeDeclined': ('4000000000000002', 'visa'),
    'pm_card_chargeCustomerFail': ('4000000000000341', 'visa'),
    'pm_card_visa_chargeDeclinedInsufficientFunds':
        ('4000000000009995', 'visa'),
    'pm_card_visa_chargeDeclinedLostCard': ('4000000000009987', 'visa'),
    'pm_card_visa_chargeDeclinedStolenCard': ('4000000000009979', 'visa'),
    'pm_card_chargeDeclinedExpiredCard': ('4000000000000069', 'visa'),
    'pm_card_chargeDeclinedIncorrectCvc': ('4000000000000127', 'visa'),
    'pm_card_chargeDeclinedProcessingError': ('4000000000000119', 'visa'),
    'pm_card_authenticationRequired': ('4000002760003184', 'visa'),
    'pm_card_authenticationRequiredOnSetup': ('4000002500003155', 'visa'),
    'pm_card_threeDSecure2Required': ('4000000000003220', 'visa'),
    'pm_card_authenticationRequiredChargeDeclinedInsufficientFunds':
        ('4000008260003178', 'visa'),
}


def card_number(payment_method):
    return getattr(payment_method, '_card_number', None)


def requires_authentication(payment_method):
    return card_number(payment_method) in AUTHENTICATION_CARDS


def decline_for(payment_method, authenticated=False):
    """The decline a charge on this payment method meets, or None."""
    number = card_number(payment_method)
    if authenticated and number in DECLINES_AFTER_AUTHENTICATION:
        return DECLINES_AFTER_AUTHENTICATION[number]
    return DECLINES.get(number)


def declines_on_attach(payment_method):
    """Stripe checks a card when it is attached; only 0341 passes that check."""
    number = card_number(payment_method)
    return number in DECLINES and number != '4000000000000341'


def _test_payment_method(cls, id):
    """Like Stripe, each use of a test id creates a new pm_... object."""
    if id not in TEST_PAYMENT_METHODS:
        return None
    number, brand = TEST_PAYMENT_METHODS[id]
    payment_method = resources.PaymentMethod(
        type='card', card=dict(number=number, exp_month='12',
                               exp_year='2034', cvc='123'))
    payment_method.card['brand'] = brand
    payment_method.card['country'] = 'US'
    return payment_method


def install():
    resources.PaymentMethod._try_get_canonical_test_article = \
        classmethod(_test_payment_method)
