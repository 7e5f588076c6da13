"""Self-test checks: idempotency, injected faults, the request log, a client
that disconnects, and signed webhooks (see selftest.py)."""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse

from selftest_support import (BASE, add_fault, api, check, control, eventually,
                              expect, expect_equal, http, new_key, request_log)

PAYMENT = {'amount': 1000, 'currency': 'usd', 'payment_method': 'pm_card_visa',
           'confirm': True}


def create(key, idempotency_key=None, **changes):
    return api('POST', '/v1/payment_intents', dict(PAYMENT, **changes),
               key=key, idempotency_key=idempotency_key)


def charge_count(key):
    return len(api('GET', '/v1/charges', key=key).json['data'])


@check
def an_idempotent_retry_replays_and_does_not_charge_again():
    key = new_key()
    first = create(key, 'attempt-1')
    second = create(key, 'attempt-1')
    expect_equal(second.status, 200, second)
    expect_equal(second.headers.get('Idempotent-Replayed'), 'true', 'header')
    expect(first.headers.get('Idempotent-Replayed') is None, 'first replayed')
    expect_equal(second.json['id'], first.json['id'], 'same intent')
    expect_equal(charge_count(key), 1, 'charges')
    entries = request_log(key)
    expect_equal([(e['replayed'], e['executed']) for e in entries[:2]],
                 [(False, True), (True, False)], 'log')


@check
def a_key_reused_with_other_parameters_is_refused():
    key = new_key()
    create(key, 'attempt-2')
    for response in (create(key, 'attempt-2', amount=2000),
                     api('POST', '/v1/refunds', {'payment_intent': 'pi_x'},
                         key=key, idempotency_key='attempt-2')):
        expect_equal(response.status, 400, response)
        expect_equal(response.error['type'], 'idempotency_error', response)
        expect("other than 'attempt-2'" in response.error['message'], response)
    expect_equal(create(new_key(), 'attempt-2').status, 200, 'keys are per API key')


@check
def a_declined_attempt_replays_its_decline_and_a_new_key_pays():
    key = new_key()
    declined = create(key, 'pay-1:a', payment_method='pm_card_visa_chargeDeclined')
    replay = create(key, 'pay-1:a', payment_method='pm_card_visa_chargeDeclined')
    expect_equal(replay.status, 402, replay)
    expect_equal(replay.headers.get('Idempotent-Replayed'), 'true', 'header')
    expect_equal(replay.error['charge'], declined.error['charge'], 'charge')
    expect_equal(create(key, 'pay-1:b').status, 200, 'a new attempt')


@check
def a_request_refused_by_validation_saves_nothing():
    key = new_key()
    refused = create(key, 'attempt-3', amount='ten')
    expect_equal(refused.status, 400, refused)
    expect_equal(create(key, 'attempt-3').status, 200, 'the corrected retry')


@check
def an_error_fault_answers_without_executing():
    key = new_key()
    add_fault(key, 'POST', '^/v1/payment_intents$', {
        'type': 'error', 'status': 500,
        'headers': {'Stripe-Should-Retry': 'true', 'Retry-After': '1'},
        'error': {'type': 'api_error', 'message': 'boom'}})
    failed = create(key, 'attempt-4')
    expect_equal(failed.status, 500, failed)
    expect_equal(failed.error, {'type': 'api_error', 'message': 'boom'}, 'body')
    expect_equal(failed.headers['Stripe-Should-Retry'], 'true', 'header')
    expect_equal(failed.headers['Retry-After'], '1', 'header')
    retried = create(key, 'attempt-4')
    expect_equal(retried.status, 200, retried)
    expect(retried.headers.get('Idempotent-Replayed') is None, 'replayed')
    expect_equal(charge_count(key), 1, 'charges')
    entries = request_log(key)
    expect_equal([(e['fault'], e['executed'], e['status']) for e in entries[:2]],
                 [('error', False, 500), (None, True, 200)], 'log')


@check
def faults_apply_in_order_each_their_number_of_times():
    key = new_key()
    add_fault(key, 'POST', '^/v1/payment_intents$',
              {'type': 'error', 'status': 429}, times=2)
    add_fault(key, 'POST', '^/v1/payment_intents$',
              {'type': 'error', 'status': 409})
    expect_equal(api('GET', '/v1/payment_intents/pi_x', key=key).status, 404,
                 'a GET does not match')
    limited = create(key)
    expect_equal(limited.status, 429, limited)
    expect_equal(limited.error['code'], 'rate_limit', 'code')
    expect_equal(limited.error['type'], 'invalid_request_error', 'type')
    expect_equal(create(key).status, 429, 'second time')
    conflict = create(key)
    expect_equal(conflict.status, 409, conflict)
    expect_equal(conflict.error['type'], 'idempotency_error', 'type')
    expect_equal(create(new_key()).status, 200, 'another key is unaffected')
    expect_equal(create(key).status, 200, 'used up')
    add_fault(key, 'POST', '.*', {'type': 'error', 'status': 500})
    expect_equal(control('DELETE', '/_test/faults?api_key=' + key).status, 200,
                 'clear')
    expect_equal(create(key).status, 200, 'cleared')


@check
def a_lost_response_executes_and_the_retry_replays():
    key = new_key()
    add_fault(key, 'POST', '^/v1/payment_intents$', {'type': 'lost_response'})
    lost = create(key, 'attempt-5')
    expect_equal(lost.status, 500, lost)
    expect_equal(lost.error['type'], 'api_error', 'type')
    retried = create(key, 'attempt-5')
    expect_equal(retried.status, 200, retried)
    expect_equal(retried.headers.get('Idempotent-Replayed'), 'true', 'header')
    expect_equal(charge_count(key), 1, 'one charge')
    entries = request_log(key)
    expect_equal([(e['fault'], e['executed'], e['replayed']) for e in entries[:2]],
                 [('lost_response', True, False), (None, False, True)], 'log')


@check
def a_delay_holds_the_key_and_a_concurrent_retry_gets_409():
    key = new_key()
    add_fault(key, 'POST', '^/v1/payment_intents$',
              {'type': 'delay', 'seconds': 1.0})
    slow = {}
    thread = threading.Thread(target=lambda: slow.update(
        response=create(key, 'attempt-6')))
    started = time.monotonic()
    thread.start()
    eventually(lambda: request_log(key), what='the slow request')
    busy = create(key, 'attempt-6')
    expect_equal(busy.status, 409, busy)
    expect_equal(busy.error['code'], 'idempotency_key_in_use', 'code')
    thread.join()
    expect(time.monotonic() - started >= 1.0, 'no delay')
    expect_equal(slow['response'].status, 200, slow['response'])
    expect_equal(create(key, 'attempt-6').headers.get('Idempotent-Replayed'),
                 'true', 'afterwards')


def post_and_hang_up(key, idempotency_key):
    """Sends a request and closes the socket at once, like a killed client."""
    body = urllib.parse.urlencode(
        {'amount': 1000, 'currency': 'usd', 'payment_method': 'pm_card_visa',
         'confirm': 'true'}).encode()
    address = urllib.parse.urlsplit(BASE)
    with socket.create_connection((address.hostname, address.port)) as sock:
        sock.sendall(b'POST /v1/payment_intents HTTP/1.1\r\nHost: x\r\n'
                     b'Authorization: Bearer ' + key.encode() + b'\r\n'
                     b'Idempotency-Key: ' + idempotency_key.encode() + b'\r\n'
                     b'Content-Type: application/x-www-form-urlencoded\r\n'
                     b'Content-Length: %d\r\n\r\n' % len(body) + body)
        time.sleep(0.1)


@check
def a_client_that_hangs_up_during_a_delay_still_gets_its_request_run():
    for after in (False, True):
        key = new_key()
        add_fault(key, 'POST', '^/v1/payment_intents$',
                  {'type': 'delay', 'seconds': 0.5, 'after_execution': after})
        post_and_hang_up(key, 'attempt-7')
        entries = eventually(
            lambda: [e for e in request_log(key) if e['status'] is not None],
            what='the request to finish')
        expect_equal((entries[0]['fault'], entries[0]['executed']),
                     ('delay', True), entries)
        expect_equal(http('GET', '/_test/health').status, 200, 'server alive')
        retried = create(key, 'attempt-7')
        expect_equal(retried.headers.get('Idempotent-Replayed'), 'true',
                     'after=%s' % after)


@check
def the_request_log_records_each_request_without_the_key():
    key = new_key()
    api('POST', '/v1/payment_intents',
        dict(PAYMENT, metadata={'tenant': 'acme'}, expand=['latest_charge']),
        key=key, idempotency_key='attempt-8',
        headers={'Stripe-Version': '2024-06-20'})
    api('GET', '/v1/payment_intents/pi_none', key=key)
    entries = request_log(key)
    expect_equal(len(entries), 2, entries)
    first = entries[0]
    for name, value in (('method', 'POST'), ('path', '/v1/payment_intents'),
                        ('idempotency_key', 'attempt-8'),
                        ('stripe_version', '2024-06-20'), ('status', 200),
                        ('replayed', False), ('fault', None),
                        ('executed', True)):
        expect_equal(first[name], value, name)
    expect_equal(first['params']['metadata'], {'tenant': 'acme'}, 'nested')
    expect_equal(first['params']['expand'], ['latest_charge'], 'list')
    expect_equal((entries[1]['method'], entries[1]['status'],
                  entries[1]['idempotency_key']), ('GET', 404, None), 'GET')
    expect(key not in json.dumps(entries), 'the log holds the key')
    expect_equal(request_log(new_key()), [], 'another key')


def sink_events(name):
    deliveries = http('GET', '/_test/webhook_sink/' + name).json
    return [(d['headers'], base64.b64decode(d['body_base64']))
            for d in deliveries]


def verify(headers, body, secret):
    parts = dict(p.split('=', 1) for p in headers['Stripe-Signature'].split(','))
    signed = parts['t'].encode() + b'.' + body
    wanted = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    expect(hmac.compare_digest(parts['v1'], wanted), 'bad signature')
    expect(abs(time.time() - int(parts['t'])) < 60, 'stale timestamp')
    return json.loads(body)


@check
def webhooks_are_delivered_signed_to_the_sink():
    key, secret, name = new_key(), 'whsec_selftest', 'selftest-' + new_key()
    url = BASE + '/_test/webhook_sink/' + name
    registered = http('POST', '/_config/webhooks/' + name, urllib.parse.urlencode(
        {'url': url, 'secret': secret, 'api_key': key}).encode(),
        {'Content-Type': 'application/x-www-form-urlencoded'})
    expect_equal(registered.status, 200, registered)
    paid = create(key, 'attempt-9').json
    api('POST', '/v1/refunds', {'payment_intent': paid['id'], 'amount': 400},
        key=key)
    foreign = create(new_key()).json['id']  # not for this endpoint
    create(key, payment_method='pm_card_visa_chargeDeclined')
    create(key, capture_method='manual')
    create(key, payment_method='pm_card_authenticationRequired')
    canceled = api('POST', '/v1/payment_intents', {'amount': 500,
                                                   'currency': 'usd'}, key=key)
    api('POST', '/v1/payment_intents/%s/cancel' % canceled.json['id'], key=key)
    wanted = {'payment_intent.succeeded', 'charge.refunded',
              'payment_intent.payment_failed', 'payment_intent.canceled',
              'payment_intent.amount_capturable_updated',
              'payment_intent.requires_action'}

    def received():
        events = {}
        for headers, body in sink_events(name):
            event = verify(headers, body, secret)
            events.setdefault(event['type'], event)
        return events if wanted <= set(events) else None

    events = eventually(received, what='the webhooks')
    succeeded = events['payment_intent.succeeded']
    expect(succeeded['id'].startswith('evt_'), succeeded['id'])
    for field, value in (('object', 'event'), ('livemode', False)):
        expect_equal(succeeded[field], value, field)
    expect(succeeded['api_version'], 'api_version')
    expect(isinstance(succeeded['created'], int), 'created')
    expect_equal(succeeded['data']['object']['id'], paid['id'], 'data.object')
    expect_equal(succeeded['request']['idempotency_key'], 'attempt-9', 'request')
    refunded = events['charge.refunded']['data']['object']
    expect_equal((refunded['object'], refunded['amount_refunded']),
                 ('charge', 400), 'charge.refunded')
    expect_equal(refunded['refunds']['data'][0]['amount'], 400, 'refunds')
    http('DELETE', '/_config/webhooks/' + name)
    ids = {json.loads(body)['data']['object'].get('payment_intent') or
           json.loads(body)['data']['object']['id']
           for _, body in sink_events(name)}
    expect(foreign not in ids, "another key's events were delivered")
