"""The PaymentIntent model and its state machine, as Stripe runs it.

Statuses: requires_payment_method, requires_confirmation, requires_action,
processing, requires_capture, succeeded, canceled. Unlike stock localstripe,
a decline is a 402 card_error carrying the intent, off-session 3-D Secure
is a 402 authentication_required, and capture or cancel in the wrong state
is refused with payment_intent_unexpected_state.
"""

import time

from localstripe import resources

import card_catalog
from charges import Charge
from context import random_suffix
from events import emit
from localstripe_base import export, store
from stripe_errors import StripeError, unexpected_state

CONFIRMABLE = ('requires_payment_method', 'requires_confirmation',
               'requires_action')
CANCELABLE = ('requires_payment_method', 'requires_capture',
              'requires_confirmation', 'requires_action')
CANCELLATION_REASONS = ('duplicate', 'fraudulent', 'requested_by_customer',
                        'abandoned')
AUTHENTICATION_FAILED = (
    'The provided PaymentMethod has failed authentication. You can provide '
    'payment_method_data or a new PaymentMethod to attempt to fulfill this '
    'PaymentIntent again.')


class PaymentIntent(resources.StripeObject):
    object = 'payment_intent'
    _id_prefix = 'pi_'

    def __init__(self, amount, currency, customer=None, payment_method=None,
                 capture_method='automatic', description=None, metadata=None,
                 statement_descriptor=None, payment_method_types=None):
        super().__init__()
        self.amount = amount
        self.amount_capturable = 0
        self.amount_received = 0
        self.currency = currency
        self.capture_method = capture_method
        self.confirmation_method = 'automatic'
        self.customer = customer
        self.payment_method = payment_method
        self.payment_method_types = payment_method_types or ['card']
        self.description = description
        self.metadata = metadata or {}
        self.statement_descriptor = statement_descriptor
        self.client_secret = self.id + '_secret_' + random_suffix(24)
        self.cancellation_reason = None
        self.canceled_at = None
        self.last_payment_error = None
        self.next_action = None
        self.latest_charge = None
        self.invoice = None
        self.receipt_email = None
        self.setup_future_usage = None
        self.status = ('requires_confirmation' if payment_method
                       else 'requires_payment_method')
        self._status_before_processing = None

    def _json(self, expand=None):
        return export(self, expand)

    def _charge(self):
        return store.get('charge:' + self.latest_charge) \
            if self.latest_charge else None


def confirm(intent, payment_method, off_session=False):
    """Attempts the payment; raises the 402 card_error Stripe answers for a
    decline, after recording it on the intent."""
    intent.payment_method = payment_method.id
    intent.last_payment_error = None
    intent.next_action = None
    if card_catalog.requires_authentication(payment_method):
        if not off_session:
            intent.status = 'requires_action'
            intent.next_action = {
                'type': 'use_stripe_sdk',
                'use_stripe_sdk': {
                    'type': 'three_d_secure_redirect',
                    'source': 'src_' + random_suffix(24),
                    'stripe_js': 'https://hooks.stripe.com/redirect/'
                                 'authenticate/src_' + random_suffix(24)}}
            emit('payment_intent.requires_action', intent)
            return
        decline = card_catalog.AUTHENTICATION_REQUIRED
    else:
        decline = card_catalog.decline_for(payment_method)
    _charge(intent, payment_method, decline)


def authenticate(intent, payment_method, success):
    """Completes (or fails) the 3-D Secure step of a requires_action intent."""
    intent.next_action = None
    if success:
        decline = card_catalog.decline_for(payment_method, authenticated=True)
        try:
            _charge(intent, payment_method, decline)
        except StripeError:
            pass  # the decline is recorded on the intent
        return
    intent.status = 'requires_payment_method'
    intent.payment_method = None
    intent.last_payment_error = {
        'code': 'payment_intent_authentication_failure',
        'message': AUTHENTICATION_FAILED, 'type': 'invalid_request_error',
        'doc_url': 'https://stripe.com/docs/error-codes/'
                   'payment-intent-authentication-failure',
        'payment_method': export(payment_method)}
    emit('payment_intent.payment_failed', intent)


def _charge(intent, payment_method, decline):
    charge = Charge(intent, payment_method, decline)
    intent.latest_charge = charge.id
    if decline is not None:
        intent.status = 'requires_payment_method'
        intent.payment_method = None
        error = dict(decline.error_fields(), charge=charge.id,
                     payment_method=export(payment_method))
        intent.last_payment_error = error
        emit('charge.failed', charge)
        emit('payment_intent.payment_failed', intent)
        fields = {k: v for k, v in error.items()
                  if k not in ('type', 'message')}
        fields['payment_intent'] = intent._json()
        raise StripeError(402, 'card_error', decline.message, **fields)
    emit('charge.succeeded', charge)
    if intent.capture_method == 'manual':
        intent.status = 'requires_capture'
        intent.amount_capturable = intent.amount
        emit('payment_intent.amount_capturable_updated', intent)
    else:
        _capture(intent, charge, intent.amount)


def _capture(intent, charge, amount):
    charge._capture_amount(amount)
    intent.status = 'succeeded'
    intent.amount_capturable = 0
    intent.amount_received = amount
    if intent.capture_method == 'manual':
        emit('charge.captured', charge)
    emit('payment_intent.succeeded', intent)


def capture(intent, amount):
    _capture(intent, intent._charge(), amount)


def require_status(intent, allowed, done):
    """done: what the operation does to it, e.g. 'captured'."""
    if intent.status not in allowed:
        raise unexpected_state(
            'This PaymentIntent could not be %s because it has a status of '
            '%s. Only a PaymentIntent with one of the following statuses may '
            'be %s: %s.' % (done, intent.status, done, ', '.join(allowed)),
            intent._json())


def cancel(intent, reason):
    intent.status = 'canceled'
    intent.cancellation_reason = reason
    intent.canceled_at = int(time.time())
    intent.amount_capturable = 0
    intent.next_action = None
    emit('payment_intent.canceled', intent)


def set_processing(intent, status):
    """The control API's move to processing and back (no test card stays
    processing on its own). Returns an error message, or None."""
    if status == 'processing':
        if intent.status in ('processing', 'canceled'):
            return 'cannot move a %s PaymentIntent to processing' % \
                intent.status
        intent._status_before_processing = intent.status
        intent.status = 'processing'
        emit('payment_intent.processing', intent)
        return None
    if intent.status != 'processing' or \
            status != intent._status_before_processing:
        return ('only "processing", or from processing back to the status '
                'before it (%s), is allowed' % intent._status_before_processing)
    intent.status = status
    intent._status_before_processing = None
    return None
