"""POST /v1/refunds, GET /v1/refunds/{id} and GET /v1/refunds (the list).

A subclass of localstripe's Refund (so a charge's refunds list and
amount_refunded keep working) that takes a reason, and refuses what Stripe
refuses: an intent or charge without a captured payment, and more than the
amount left to refund.
"""

import time

from localstripe import resources

import params
from charges import Charge
from events import emit
from localstripe_base import export, owned_by, retrieve_owned
from payment_intents import PaymentIntent
from stripe_errors import invalid_request, json_response

REASONS = ('duplicate', 'fraudulent', 'requested_by_customer')
CREATE_PARAMS = {'payment_intent', 'charge', 'amount', 'reason', 'metadata',
                 'expand'}
NOTHING_TO_REFUND = 'This PaymentIntent does not have a successful charge to refund.'


class Refund(resources.Refund):
    def __init__(self, charge, amount, reason, metadata):
        # Skips localstripe's Refund.__init__: it checks neither the amount
        # left nor the reason.
        resources.StripeObject.__init__(self)
        self.amount = amount
        self.currency = charge.currency
        self.charge = charge.id
        self.payment_intent = charge.payment_intent
        self.reason = reason
        self.metadata = metadata
        self.status = 'succeeded'
        self.balance_transaction = None
        self.date = int(time.time())  # localstripe sorts refunds by it


def _charge_to_refund(values):
    intent_id = params.string(values, 'payment_intent')
    charge_id = params.string(values, 'charge')
    if intent_id is None and charge_id is None:
        raise invalid_request('One of the following params should be '
                              'provided for this request: payment_intent or '
                              'charge.', code='parameter_missing')
    if intent_id is not None:
        intent = retrieve_owned(PaymentIntent, intent_id, 'payment_intent',
                                param='payment_intent', status=400)
        if intent.status != 'succeeded':
            raise invalid_request(NOTHING_TO_REFUND + ' Its status is %s.'
                                  % intent.status, param='payment_intent')
        charge = intent._charge()
        if charge_id is not None and charge_id != charge.id:
            raise invalid_request('The charge %s does not belong to the '
                                  'PaymentIntent %s.' % (charge_id, intent_id),
                                  param='charge')
        return charge
    charge = retrieve_owned(resources.Charge, charge_id, 'charge',
                            param='charge', status=400)
    if charge.status != 'succeeded' or not charge.captured:
        raise invalid_request('Charge %s has no captured payment to refund.'
                              % charge.id, param='charge')
    return charge


async def create(request):
    context = request['context']
    values = context.params
    params.reject_unknown(values, CREATE_PARAMS)
    amount = params.integer(values, 'amount')
    reason = params.choice(values, 'reason', REASONS)
    metadata = params.metadata(values)
    expand = params.expand(values)
    if amount is not None and amount < 1:
        raise invalid_request('This value must be greater than or equal to 1.',
                              param='amount', code='parameter_invalid_integer')
    charge = _charge_to_refund(values)
    left = charge._refundable_amount() if isinstance(charge, Charge) else \
        charge.amount - charge.amount_refunded
    if left <= 0:
        raise invalid_request('Charge %s has already been refunded.'
                              % charge.id, code='charge_already_refunded')
    if amount is None:
        amount = left
    if amount > left:
        raise invalid_request(
            'Refund amount (%d %s) is greater than unrefunded amount on '
            'charge (%d %s)' % (amount, charge.currency, left,
                                charge.currency),
            param='amount', code='amount_too_large')
    context.begin_execution()
    refund = Refund(charge, amount, reason, metadata)
    emit('charge.refunded', charge)
    return json_response(200, export(refund, expand))


async def retrieve(request):
    context = request['context']
    params.reject_unknown(context.params, {'expand'})
    expand = params.expand(context.params)
    refund = retrieve_owned(resources.Refund, request.match_info['id'],
                            'refund')
    context.begin_execution()
    return json_response(200, export(refund, expand))


async def list_all(request):
    """The key's refunds, newest first, optionally of one payment_intent or
    charge, at most limit (default 10, at most 100), like Stripe's list."""
    context = request['context']
    values = context.params
    params.reject_unknown(values, {'payment_intent', 'charge', 'limit',
                                   'expand'})
    limit = params.integer(values, 'limit')
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        raise invalid_request('This value must be between 1 and 100.',
                              param='limit', code='parameter_invalid_integer')
    intent_id = params.string(values, 'payment_intent')
    charge_id = params.string(values, 'charge')
    key = context.api_key
    # The store keeps insertion order: reversed, it is newest first.
    refunds = [obj for name, obj in reversed(list(resources.store.items()))
               if name.startswith('refund:') and owned_by(obj, key)
               and intent_id in (None, getattr(obj, 'payment_intent', None))
               and charge_id in (None, obj.charge)]
    context.begin_execution()
    return json_response(200, {
        'object': 'list', 'url': '/v1/refunds', 'has_more': len(refunds) > limit,
        'data': [export(refund, params.expand(values))
                 for refund in refunds[:limit]]})


def add_routes(app):
    app.router.add_post('/v1/refunds', create)
    app.router.add_get('/v1/refunds', list_all)
    app.router.add_get('/v1/refunds/{id}', retrieve)
