"""POST/GET /v1/payment_intents..., validated as Stripe validates them.

Each handler checks its parameters first (a refused request is not saved for
idempotency, as with Stripe), then calls context.begin_execution() and runs.
"""

import re

from localstripe import resources

import params
import payment_intents as model
from events import emit
from localstripe_base import retrieve_owned
from payment_intents import PaymentIntent
from stripe_errors import invalid_request, json_response

MAX_AMOUNT = 99999999
THREE_DECIMAL_CURRENCIES = ('bhd', 'jod', 'kwd', 'omr', 'tnd')
CAPTURE_METHODS = ('automatic', 'automatic_async', 'manual')
CREATE_PARAMS = {'amount', 'currency', 'customer', 'payment_method', 'confirm',
                 'off_session', 'capture_method', 'description', 'metadata',
                 'expand', 'payment_method_types', 'statement_descriptor',
                 'return_url'}
CONFIRM_PARAMS = {'payment_method', 'off_session', 'return_url', 'expand'}
CAPTURE_PARAMS = {'amount_to_capture', 'metadata', 'expand'}
CANCEL_PARAMS = {'cancellation_reason', 'expand'}
MISSING_PAYMENT_METHOD = (
    "You cannot confirm this PaymentIntent because it's missing a payment "
    "method. You can either update the PaymentIntent with a payment method "
    "and then confirm it again, or confirm it again directly with a payment "
    "method.")


def _amount(values):
    amount = params.integer(values, 'amount', required=True)
    if amount < 1:
        raise invalid_request('This value must be greater than or equal to 1.',
                              param='amount', code='amount_too_small')
    if amount > MAX_AMOUNT:
        raise invalid_request('Amount must be no more than %d' % MAX_AMOUNT,
                              param='amount', code='amount_too_large')
    return amount


def _currency(values, amount):
    currency = params.string(values, 'currency', required=True).lower()
    if not re.fullmatch(r'[a-z]{3}', currency):
        raise invalid_request('Invalid currency: %s.' % currency,
                              param='currency')
    if currency in THREE_DECIMAL_CURRENCIES and amount % 10 != 0:
        raise invalid_request(
            'Invalid amount: amounts in %s are in thousandths and Stripe '
            'only accepts them rounded to 10 (the last digit must be 0).'
            % currency, param='amount')
    return currency


def _customer(values):
    id = params.string(values, 'customer')
    if id is None:
        return None
    return retrieve_owned(resources.Customer, id, 'customer',
                          param='customer', status=400).id


def _payment_method(values, customer):
    """The PaymentMethod named by values; a test id creates a new one."""
    id = params.string(values, 'payment_method')
    if id is None:
        return None
    payment_method = retrieve_owned(resources.PaymentMethod, id,
                                    'PaymentMethod', param='payment_method',
                                    status=400)
    if payment_method.customer and customer and \
            payment_method.customer != customer:
        raise invalid_request('The provided PaymentMethod belongs to a '
                              'different Customer.', param='payment_method')
    return payment_method


def _statement_descriptor(values):
    descriptor = params.string(values, 'statement_descriptor', max_length=22)
    if descriptor is not None and not re.search('[a-zA-Z]', descriptor):
        raise invalid_request('The statement descriptor must contain at least '
                              'one letter.', param='statement_descriptor')
    return descriptor


def _payment_method_types(values):
    types = params.string_list(values, 'payment_method_types')
    for type in types or []:
        if type != 'card':
            raise invalid_request(
                'The payment method type "%s" is invalid. This test server '
                'supports only "card".' % type, param='payment_method_types')
    return types


def _off_session(values, confirming):
    off_session = params.boolean(values, 'off_session') or False
    if off_session and not confirming:
        raise invalid_request('off_session can only be used when confirming '
                              'the PaymentIntent (confirm=true).',
                              param='off_session')
    return off_session


def _respond(intent, expand):
    return json_response(200, intent._json(expand))


async def create(request):
    context = request['context']
    values = context.params
    params.reject_unknown(values, CREATE_PARAMS)
    amount = _amount(values)
    currency = _currency(values, amount)
    customer = _customer(values)
    capture_method = params.choice(values, 'capture_method', CAPTURE_METHODS,
                                   default='automatic')
    confirming = params.boolean(values, 'confirm') or False
    off_session = _off_session(values, confirming)
    description = params.string(values, 'description', max_length=1000)
    metadata = params.metadata(values)
    descriptor = _statement_descriptor(values)
    types = _payment_method_types(values)
    expand = params.expand(values)
    payment_method = _payment_method(values, customer)
    if confirming and payment_method is None:
        raise invalid_request(MISSING_PAYMENT_METHOD, param='payment_method',
                              code='payment_intent_unexpected_state')
    context.begin_execution()
    intent = PaymentIntent(amount, currency, customer,
                           payment_method.id if payment_method else None,
                           capture_method, description, metadata, descriptor,
                           types)
    emit('payment_intent.created', intent)
    if confirming:
        model.confirm(intent, payment_method, off_session)
    return _respond(intent, expand)


def _intent(request):
    return retrieve_owned(PaymentIntent, request.match_info['id'],
                          'payment_intent')


async def retrieve(request):
    context = request['context']
    params.reject_unknown(context.params, {'expand', 'client_secret'})
    expand = params.expand(context.params)
    intent = _intent(request)
    context.begin_execution()
    return _respond(intent, expand)


async def confirm(request):
    context = request['context']
    values = context.params
    params.reject_unknown(values, CONFIRM_PARAMS)
    intent = _intent(request)
    off_session = _off_session(values, True)
    expand = params.expand(values)
    model.require_status(intent, model.CONFIRMABLE, 'confirmed')
    payment_method = _payment_method(values, intent.customer)
    if payment_method is None and intent.payment_method:
        payment_method = retrieve_owned(resources.PaymentMethod,
                                        intent.payment_method, 'PaymentMethod',
                                        param='payment_method', status=400)
    if payment_method is None:
        raise invalid_request(MISSING_PAYMENT_METHOD, param='payment_method',
                              code='payment_intent_unexpected_state',
                              payment_intent=intent._json())
    context.begin_execution()
    model.confirm(intent, payment_method, off_session)
    return _respond(intent, expand)


async def capture(request):
    context = request['context']
    values = context.params
    params.reject_unknown(values, CAPTURE_PARAMS)
    intent = _intent(request)
    expand = params.expand(values)
    metadata = params.metadata(values)
    model.require_status(intent, ('requires_capture',), 'captured')
    amount = params.integer(values, 'amount_to_capture')
    if amount is None:
        amount = intent.amount_capturable
    if amount < 1:
        raise invalid_request('This value must be greater than or equal to 1.',
                              param='amount_to_capture',
                              code='parameter_invalid_integer')
    if amount > intent.amount_capturable:
        raise invalid_request(
            'The amount_to_capture (%d) must be less than or equal to the '
            'PaymentIntent amount_capturable (%d).'
            % (amount, intent.amount_capturable), param='amount_to_capture',
            code='amount_too_large', payment_intent=intent._json())
    context.begin_execution()
    intent.metadata.update(metadata)
    model.capture(intent, amount)
    return _respond(intent, expand)


async def cancel(request):
    context = request['context']
    values = context.params
    params.reject_unknown(values, CANCEL_PARAMS)
    intent = _intent(request)
    expand = params.expand(values)
    reason = params.choice(values, 'cancellation_reason',
                           model.CANCELLATION_REASONS)
    model.require_status(intent, model.CANCELABLE, 'canceled')
    context.begin_execution()
    model.cancel(intent, reason)
    return _respond(intent, expand)


def add_routes(app):
    app.router.add_post('/v1/payment_intents', create)
    app.router.add_get('/v1/payment_intents/{id}', retrieve)
    app.router.add_post('/v1/payment_intents/{id}/confirm', confirm)
    app.router.add_post('/v1/payment_intents/{id}/capture', capture)
    app.router.add_post('/v1/payment_intents/{id}/cancel', cancel)

