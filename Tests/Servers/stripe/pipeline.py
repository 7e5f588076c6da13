"""The path every /v1 request takes: authentication, the request log,
injected faults, idempotency, then the endpoint, with Stripe-shaped errors.

Every response carries Request-Id: req_...; /v1 responses also carry the
Stripe-Version the request asked for (or the server's default).
"""

import asyncio
import base64
import binascii
import logging
import re

from aiohttp import web
from localstripe.errors import UserError

import context as request_context
import params
from context import RequestContext, new_request_id
from stripe_errors import (StripeError, api_error, from_localstripe,
                           invalid_request)

logger = logging.getLogger('stripe-test-server')

NO_KEY = ("You did not provide an API key. You need to provide your API key "
          "in the Authorization header, using Bearer auth (e.g. "
          "'Authorization: Bearer YOUR_SECRET_KEY').")
KEY_PATTERN = re.compile(r'sk_test_[A-Za-z0-9_\-]+')


def masked(key):
    """Stripe's way of naming a key in an error: prefix and last 4 only."""
    prefix = re.match(r'^(?:[a-z]{2,4}_(?:test_|live_)?)?', key).group(0)
    rest = key[len(prefix):]
    return prefix + '****' + (rest[-4:] if len(rest) >= 8 else '')


def api_key(request):
    """The request's secret test key; a 401 StripeError otherwise."""
    header = request.headers.get('Authorization', '').strip()
    if not header:
        raise StripeError(401, 'invalid_request_error', NO_KEY)
    scheme, _, value = header.partition(' ')
    value = value.strip()
    if scheme.lower() == 'basic':
        try:
            value = base64.b64decode(value, validate=True).decode('utf-8')
        except (binascii.Error, UnicodeDecodeError):
            value = ''
        value = value.split(':', 1)[0]
    elif scheme.lower() != 'bearer':
        value = header
    if not KEY_PATTERN.fullmatch(value):
        raise StripeError(401, 'invalid_request_error',
                          'Invalid API Key provided: ' + masked(value))
    return value


async def execute(request, handler):
    """Runs the endpoint; any failure becomes Stripe's error response."""
    try:
        return await handler(request)
    except StripeError as error:
        return error.response()
    except UserError as error:
        return from_localstripe(error).response()
    except web.HTTPException as error:
        if error.status in (404, 405):
            return invalid_request(
                'Unrecognized request URL (%s: %s). Please see '
                'https://stripe.com/docs or we can help at '
                'https://support.stripe.com/.'
                % (request.method, request.path), status=404).response()
        raise
    except Exception:
        logger.exception('%s %s failed', request.method, request.path)
        return api_error().response()


def make_middleware(faults, idempotency, log):
    @web.middleware
    async def stripe_api(request, handler):
        if not request.path.startswith('/v1/'):
            return await handler(request)
        request['request_id'] = new_request_id()
        try:
            key = api_key(request)
            values = await params.read(request)
        except StripeError as error:
            return error.response()
        context = RequestContext(
            api_key=key, request_id=request['request_id'],
            method=request.method, path=request.path, params=values,
            idempotency_key=request.headers.get('Idempotency-Key') or None,
            stripe_version=request.headers.get('Stripe-Version') or None)
        request['context'] = context
        token = request_context.current.set(context)
        entry = log.start(context)
        fault = faults.take(key, request.method, request.path)
        entry.fault = fault.type if fault else None
        try:
            if fault and fault.type == 'error':
                response = fault.error_response()
            else:
                response = await _run(request, handler, context, idempotency,
                                      _delay_before(fault))
                # Logged as run now, before a delay holds the answer back.
                entry.executed = context.executed
                entry.replayed = context.replayed
                if fault and fault.type == 'delay':
                    if fault.action['after_execution']:
                        await asyncio.sleep(fault.action['seconds'])
                elif fault and fault.type == 'lost_response':
                    response = fault.error_response()
            entry.status = response.status
            return response
        finally:
            entry.executed = context.executed
            entry.replayed = context.replayed
            request_context.current.reset(token)

    return stripe_api


def _delay_before(fault):
    if fault and fault.type == 'delay' and not fault.action['after_execution']:
        return fault.action['seconds']
    return 0


async def _run(request, handler, context, idempotency, delay):
    # The delay is part of executing: it holds the idempotency key (a retry
    # meanwhile gets 409), and a replay, which does not execute, skips it.
    async def run_endpoint():
        if delay:
            await asyncio.sleep(delay)
        return await execute(request, handler)

    if request.method == 'POST' and context.idempotency_key:
        return await idempotency.run(context, run_endpoint)
    return await run_endpoint()


@web.middleware
async def control_errors(request, handler):
    """Stripe-shaped errors for the /_test and /_config endpoints too."""
    try:
        return await handler(request)
    except StripeError as error:
        return error.response()
    except UserError as error:
        return from_localstripe(error).response()


async def add_headers(request, response):
    response.headers.setdefault('Request-Id',
                                request.get('request_id') or new_request_id())
    if request.path.startswith('/v1/'):
        response.headers['Stripe-Version'] = \
            request.headers.get('Stripe-Version') or \
            request_context.DEFAULT_API_VERSION
