"""The localstripe endpoints used as they are: customers, payment methods,
charges and events, scoped to the request's API key.

Stock localstripe behaves like Stripe here except in two ways fixed below:
attaching a test card that Stripe declines answers a card_error with its
decline_code, and one key never sees another key's objects.
"""

from localstripe import resources

import card_catalog
import context as request_context
import params
from localstripe_base import export, owned_by, retrieve_owned
from stripe_errors import StripeError, json_response

KINDS = {resources.Customer: 'customer',
         resources.PaymentMethod: 'PaymentMethod',
         resources.Charge: 'charge', resources.Event: 'event'}


def _begin(request, allowed=None):
    context = request['context']
    values = dict(context.params)
    expand = params.expand(values)
    values.pop('expand', None)
    if allowed is not None:
        params.reject_unknown(values, allowed)
    return context, values, expand


def create(cls):
    async def handler(request):
        context, values, expand = _begin(request)
        obj = cls._api_create(**values)  # validates before it creates
        context.begin_execution()
        return json_response(200, export(obj, expand))
    return handler


def retrieve(cls):
    async def handler(request):
        context, _, expand = _begin(request, set())
        obj = retrieve_owned(cls, request.match_info['id'], KINDS[cls])
        context.begin_execution()
        return json_response(200, export(obj, expand))
    return handler


def update(cls):
    async def handler(request):
        context, values, expand = _begin(request)
        obj = retrieve_owned(cls, request.match_info['id'], KINDS[cls])
        obj = cls._api_update(obj.id, **values)
        context.begin_execution()
        return json_response(200, export(obj, expand))
    return handler


def delete(cls):
    async def handler(request):
        context, _, _ = _begin(request, set())
        obj = retrieve_owned(cls, request.match_info['id'], KINDS[cls])
        context.begin_execution()
        return json_response(200, export(cls._api_delete(obj.id)))
    return handler


def list_all(cls, url):
    async def handler(request):
        context, values, expand = _begin(request)
        payment_intent = values.pop('payment_intent', None) \
            if cls is resources.Charge else None
        listing = cls._api_list_all(url, **values)
        key = request_context.current_api_key()
        listing._list = [obj for obj in listing._list if owned_by(obj, key)
                         and (payment_intent is None
                              or obj.payment_intent == payment_intent)]
        context.begin_execution()
        return json_response(200, export(listing, expand))
    return handler


async def attach_payment_method(request):
    context, values, expand = _begin(request, {'customer'})
    payment_method = retrieve_owned(resources.PaymentMethod,
                                    request.match_info['id'], 'PaymentMethod')
    customer = retrieve_owned(resources.Customer,
                              params.string(values, 'customer', required=True),
                              'customer', param='customer', status=400)
    context.begin_execution()
    if card_catalog.declines_on_attach(payment_method):
        decline = card_catalog.decline_for(payment_method)
        fields = {k: v for k, v in decline.error_fields().items()
                  if k not in ('type', 'message')}
        raise StripeError(402, 'card_error', decline.message, **fields)
    payment_method.customer = customer.id
    return json_response(200, export(payment_method, expand))


async def detach_payment_method(request):
    context, _, expand = _begin(request, set())
    payment_method = retrieve_owned(resources.PaymentMethod,
                                    request.match_info['id'], 'PaymentMethod')
    context.begin_execution()
    payment_method.customer = None
    return json_response(200, export(payment_method, expand))


def add_routes(app):
    router = app.router
    for cls, name in ((resources.Customer, 'customers'),
                      (resources.PaymentMethod, 'payment_methods')):
        url = '/v1/' + name
        router.add_post(url, create(cls))
        router.add_get(url, list_all(cls, url))
        router.add_get(url + '/{id}', retrieve(cls))
        router.add_post(url + '/{id}', update(cls))
    router.add_delete('/v1/customers/{id}', delete(resources.Customer))
    router.add_post('/v1/payment_methods/{id}/attach', attach_payment_method)
    router.add_post('/v1/payment_methods/{id}/detach', detach_payment_method)
    for cls, name in ((resources.Charge, 'charges'),
                      (resources.Event, 'events')):
        url = '/v1/' + name
        router.add_get(url, list_all(cls, url))
        router.add_get(url + '/{id}', retrieve(cls))
