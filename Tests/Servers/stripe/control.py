"""The test-control API under /_test/ (no authentication, JSON bodies).

  GET    /_test/health                          -> {"ok": true}
  POST   /_test/faults                          add a fault (see faults.py)
  DELETE /_test/faults?api_key=...              clear a key's faults
  GET    /_test/requests?api_key=...            a key's request log, oldest first
  DELETE /_test/requests?api_key=...            clear it
  POST   /_test/payment_intents/{id}/status     {"status": "processing"}, and back
  POST   /_test/payment_intents/{id}/authenticate  {"success": true|false}
  POST   /_test/webhook_sink/{name}             record raw body and headers
  GET    /_test/webhook_sink/{name}             [{"headers", "body_base64"}]
  DELETE /_test/webhook_sink/{name}             forget them
"""

import base64
import json

from localstripe import resources

import faults as fault_parsing
import payment_intents as model
from context import acting_as
from localstripe_base import export
from payment_intents import PaymentIntent
from stripe_errors import invalid_request, json_response, resource_missing


async def _json_body(request):
    try:
        body = json.loads(await request.read() or b'{}')
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise invalid_request('The body must be a JSON object.')
    return body


def _api_key(request):
    key = request.query.get('api_key')
    if not key:
        raise invalid_request('The api_key query parameter is required.',
                              param='api_key')
    return key


def _intent(request):
    intent = resources.store.get('payment_intent:' + request.match_info['id'])
    if not isinstance(intent, PaymentIntent):
        raise resource_missing('payment_intent', request.match_info['id'])
    return intent


def add_routes(app, faults, log):
    sinks = {}

    async def health(request):
        return json_response(200, {'ok': True})

    async def add_fault(request):
        fault = fault_parsing.parse(await _json_body(request))
        faults.add(fault)
        return json_response(200, {'ok': True})

    async def clear_faults(request):
        faults.clear(_api_key(request))
        return json_response(200, {'ok': True})

    async def requests(request):
        return json_response(200, log.entries(_api_key(request)))

    async def clear_requests(request):
        log.clear(_api_key(request))
        return json_response(200, {'ok': True})

    async def set_status(request):
        intent = _intent(request)
        status = (await _json_body(request)).get('status')
        with acting_as(intent._api_key):
            problem = model.set_processing(intent, status)
        if problem:
            raise invalid_request(problem, param='status')
        return json_response(200, export(intent))

    async def authenticate(request):
        intent = _intent(request)
        success = (await _json_body(request)).get('success')
        if not isinstance(success, bool):
            raise invalid_request('success must be true or false.',
                                  param='success')
        if intent.status != 'requires_action':
            raise invalid_request('The PaymentIntent has status %s, not '
                                  'requires_action.' % intent.status)
        payment_method = resources.PaymentMethod._api_retrieve(
            intent.payment_method)
        with acting_as(intent._api_key):
            model.authenticate(intent, payment_method, success)
        return json_response(200, export(intent))

    async def sink_post(request):
        body = await request.read()
        sinks.setdefault(request.match_info['name'], []).append({
            'headers': {name: value for name, value in request.headers.items()},
            'body_base64': base64.b64encode(body).decode('ascii')})
        return json_response(200, {'received': True})

    async def sink_get(request):
        return json_response(200, sinks.get(request.match_info['name'], []))

    async def sink_clear(request):
        sinks.pop(request.match_info['name'], None)
        return json_response(200, {'ok': True})

    router = app.router
    router.add_get('/_test/health', health)
    router.add_post('/_test/faults', add_fault)
    router.add_delete('/_test/faults', clear_faults)
    router.add_get('/_test/requests', requests)
    router.add_delete('/_test/requests', clear_requests)
    router.add_post('/_test/payment_intents/{id}/status', set_status)
    router.add_post('/_test/payment_intents/{id}/authenticate', authenticate)
    router.add_post('/_test/webhook_sink/{name}', sink_post)
    router.add_get('/_test/webhook_sink/{name}', sink_get)
    router.add_delete('/_test/webhook_sink/{name}', sink_clear)
