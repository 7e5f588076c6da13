"""Stripe events and their signed webhook deliveries.

Events are localstripe Event objects (data.object is the object at that
moment), with the api_version and request of the request that caused them.
They are posted, signed `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256
of "t.body">`, to the endpoints registered with localstripe's
POST /_config/webhooks/<id> (url, secret, optional events[] and, added here,
an optional api_key so that parallel tests only receive their own events).
"""

import asyncio
import hashlib
import hmac
import json
import logging
import time

import aiohttp
from aiohttp import web
from localstripe import resources, webhooks
from localstripe.server import get_post_data

import context
from stripe_errors import invalid_request

# Stock localstripe waits 1 s so that the API response reaches the client
# first; a shorter wait keeps tests quick and keeps that order.
DELIVERY_DELAY_SECONDS = 0.2

logger = logging.getLogger('stripe-test-server.webhooks')
_deliveries = set()


def emit(type, obj):
    """Creates the event type for obj now and schedules its deliveries."""
    event = resources.Event(type, obj)
    schedule(event)
    return event


def schedule(event):
    """Replaces localstripe's schedule_webhook, for its own events too."""
    request = context.current.get()
    event.api_version = request.api_version if request else \
        context.DEFAULT_API_VERSION
    event.request = {
        'id': request.request_id if request and request.method != 'CONTROL'
        else None,
        'idempotency_key': request.idempotency_key if request else None}
    targets = [w for w in list(webhooks._webhooks.values())
               if _wants(w, event)]
    event.pending_webhooks = len(targets)
    task = asyncio.get_running_loop().create_task(_deliver(event, targets))
    _deliveries.add(task)
    task.add_done_callback(_deliveries.discard)


def install():
    resources.schedule_webhook = schedule


def _wants(webhook, event):
    if webhook.events is not None and event.type not in webhook.events:
        return False
    wanted_key = getattr(webhook, 'api_key', None)
    return wanted_key is None or wanted_key == getattr(event, '_api_key', None)


def signature_header(secret, timestamp, payload):
    signed = b'%d.%s' % (timestamp, payload)
    digest = hmac.new(secret.encode('utf-8'), signed, hashlib.sha256)
    return 't=%d,v1=%s' % (timestamp, digest.hexdigest())


async def _deliver(event, targets):
    await asyncio.sleep(DELIVERY_DELAY_SECONDS)
    payload = json.dumps(event._export(), indent=2, sort_keys=True)
    payload = payload.encode('utf-8')
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for webhook in targets:
            headers = {
                'Content-Type': 'application/json; charset=utf-8',
                'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
                'Stripe-Signature': signature_header(
                    webhook.secret, int(time.time()), payload)}
            try:
                async with session.post(webhook.url, data=payload,
                                        headers=headers) as response:
                    logger.info('webhook %s %s -> %d', event.type, event.id,
                                response.status)
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                logger.info('webhook %s %s failed: %s', event.type, event.id,
                            error)


async def config_webhook(request):
    data = await get_post_data(request) or {}
    url, secret = data.get('url'), data.get('secret')
    events, api_key = data.get('events'), data.get('api_key')
    if not isinstance(url, str) or not url.startswith('http'):
        raise invalid_request('url must be an http(s) URL.', param='url')
    if not isinstance(secret, str) or not secret:
        raise invalid_request('secret is required.', param='secret')
    if isinstance(events, str):
        events = [events]
    if events is not None and not isinstance(events, list):
        raise invalid_request('events must be a list.', param='events')
    if api_key is not None and not isinstance(api_key, str):
        raise invalid_request('api_key must be a string.', param='api_key')
    webhooks.register_webhook(request.match_info['id'], url, secret, events)
    webhooks._webhooks[request.match_info['id']].api_key = api_key
    return web.Response()


async def delete_webhook(request):
    webhooks._webhooks.pop(request.match_info['id'], None)
    return web.Response()


def add_routes(app):
    app.router.add_post('/_config/webhooks/{id}', config_webhook)
    app.router.add_delete('/_config/webhooks/{id}', delete_webhook)
