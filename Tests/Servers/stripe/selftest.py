#!/usr/bin/env python3
"""Checks that the Stripe test server behaves as Stripe does where the
Swift tests rely on it. It starts nothing: run it through
Scripts/with-test-servers, which sets BILLING_TEST_STRIPE_URL. Exits 1 if a
check fails. This file: auth, payment intents, declines, 3-D Secure,
capture, cancel, refunds; selftest_faults.py: idempotency, faults, the
request log and webhooks."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from selftest_support import (api, check, control, expect,  # noqa: E402
                              expect_equal, http, new_key, run_all)
import selftest_faults  # noqa: E402,F401 (registers its checks)


def pay(key, payment_method='pm_card_visa', **extra):
    params = {'amount': 1000, 'currency': 'usd',
              'payment_method': payment_method, 'confirm': True}
    params.update(extra)
    return api('POST', '/v1/payment_intents', params, key=key)


@check
def authentication_is_required_and_never_echoes_the_key():
    response = api('POST', '/v1/payment_intents', {'amount': 1})
    expect_equal(response.status, 401, 'no key')
    expect('did not provide an API key' in response.error['message'], response)
    secret = 'sk_live_abcdefgh12345678'
    response = api('GET', '/v1/payment_intents/pi_x', key=secret)
    expect_equal(response.status, 401, 'live key')
    expect_equal(response.error['type'], 'invalid_request_error', 'type')
    expect_equal(response.error['message'],
                 'Invalid API Key provided: sk_live_****5678', 'message')
    expect(secret not in response.raw.decode(), 'the key is echoed')
    expect(response.headers['Request-Id'].startswith('req_'), 'Request-Id')


@check
def stripe_version_is_echoed_and_every_response_has_a_request_id():
    response = api('GET', '/v1/payment_intents/pi_missing', key=new_key(),
                   headers={'Stripe-Version': '2023-10-16'})
    expect_equal(response.headers['Stripe-Version'], '2023-10-16', 'version')
    expect(response.headers['Request-Id'].startswith('req_'), 'Request-Id')
    expect(http('GET', '/_test/health').headers['Request-Id'], 'control')


@check
def a_payment_succeeds_with_its_fields():
    key = new_key()
    response = pay(key, description='Invoice 7',
                   metadata={'tenant': 'acme', 'payment_id': 'p1'},
                   statement_descriptor='BILINGUS', expand=['latest_charge'])
    expect_equal(response.status, 200, response)
    intent = response.json
    for name, value in (('object', 'payment_intent'), ('status', 'succeeded'),
                        ('amount', 1000), ('amount_received', 1000),
                        ('amount_capturable', 0), ('currency', 'usd'),
                        ('description', 'Invoice 7'), ('livemode', False),
                        ('capture_method', 'automatic'),
                        ('metadata', {'tenant': 'acme', 'payment_id': 'p1'})):
        expect_equal(intent[name], value, name)
    expect(intent['id'].startswith('pi_'), intent['id'])
    expect(intent['payment_method'].startswith('pm_'), 'payment_method')
    expect_equal(intent['latest_charge']['status'], 'succeeded', 'charge')
    fetched = api('GET', '/v1/payment_intents/' + intent['id'], key=key).json
    expect(fetched['latest_charge'].startswith('ch_'), 'not expanded')
    other_key = api('GET', '/v1/payment_intents/' + intent['id'],
                    key=new_key())
    expect_equal(other_key.status, 404, "another key sees the intent")


@check
def parameters_are_validated_like_stripe():
    key = new_key()
    cases = [({'amount': 100, 'currency': 'usd', 'colour': 'red'}, 'colour',
              'Received unknown parameter: colour'),
             ({'currency': 'usd'}, 'amount', None),
             ({'amount': 'ten', 'currency': 'usd'}, 'amount', None),
             ({'amount': 0, 'currency': 'usd'}, 'amount', None),
             ({'amount': 100000000, 'currency': 'usd'}, 'amount', None),
             ({'amount': 1005, 'currency': 'kwd'}, 'amount', None),
             ({'amount': 100, 'currency': 'usd', 'off_session': True},
              'off_session', None),
             ({'amount': 100, 'currency': 'usd', 'capture_method': 'later'},
              'capture_method', None),
             ({'amount': 100, 'currency': 'usd', 'customer': 'cus_nope'},
              'customer', None)]
    for params, param, message in cases:
        response = api('POST', '/v1/payment_intents', params, key=key)
        expect_equal(response.status, 400, params)
        expect_equal(response.error['type'], 'invalid_request_error', params)
        expect_equal(response.error.get('param'), param, params)
        if message:
            expect_equal(response.error['message'], message, params)
    for currency, amount in (('kwd', 1000), ('jpy', 500), ('bhd', 10)):
        response = pay(key, amount=amount, currency=currency)
        expect_equal(response.status, 200, response)
        expect_equal(response.json['amount_received'], amount, currency)
    missing = api('GET', '/v1/payment_intents/pi_unknown', key=key)
    expect_equal(missing.status, 404, missing)
    expect_equal(missing.error['code'], 'resource_missing', 'code')
    expect_equal(missing.error['param'], 'id', 'param')


@check
def decline_cards_answer_402_card_errors():
    key = new_key()
    cases = [('pm_card_visa_chargeDeclined', 'card_declined', 'generic_decline',
              'Your card was declined.'),
             ('pm_card_visa_chargeDeclinedInsufficientFunds', 'card_declined',
              'insufficient_funds', 'Your card has insufficient funds.'),
             ('pm_card_visa_chargeDeclinedLostCard', 'card_declined',
              'lost_card', 'Your card was declined.'),
             ('pm_card_chargeDeclinedExpiredCard', 'expired_card',
              'expired_card', 'Your card has expired.')]
    for payment_method, code, decline_code, message in cases:
        response = pay(key, payment_method)
        expect_equal(response.status, 402, payment_method)
        error = response.error
        expect_equal(error['type'], 'card_error', payment_method)
        expect_equal(error['code'], code, payment_method)
        expect_equal(error['decline_code'], decline_code, payment_method)
        expect_equal(error['message'], message, payment_method)
        expect(error['charge'].startswith('ch_'), error)
        intent = error['payment_intent']
        expect_equal(intent['status'], 'requires_payment_method', 'status')
        expect_equal(intent['last_payment_error']['decline_code'],
                     decline_code, 'last_payment_error')
        fetched = api('GET', '/v1/payment_intents/' + intent['id'], key=key)
        expect_equal(fetched.json['status'], 'requires_payment_method', 'GET')
        charge = api('GET', '/v1/charges/' + error['charge'], key=key)
        expect_equal(charge.json['status'], 'failed', 'charge')
        expect_equal(charge.json['failure_code'], code, 'failure_code')


@check
def decline_cards_also_decline_when_attached_and_charged():
    key = new_key()
    customer = api('POST', '/v1/customers', {'email': 'a@example.com'},
                   key=key).json
    attach = api('POST', '/v1/payment_methods/pm_card_chargeCustomerFail/attach',
                 {'customer': customer['id']}, key=key)
    expect_equal(attach.status, 200, attach)
    response = pay(key, attach.json['id'], customer=customer['id'],
                   off_session=True)
    expect_equal(response.status, 402, response)
    expect_equal(response.error['decline_code'], 'generic_decline', 'code')
    refused = api('POST', '/v1/payment_methods/pm_card_visa_chargeDeclined'
                  '/attach', {'customer': customer['id']}, key=key)
    expect_equal(refused.status, 402, refused)
    expect_equal(refused.error['type'], 'card_error', 'attach')
    saved = api('POST', '/v1/payment_methods/pm_card_visa/attach',
                {'customer': customer['id']}, key=key).json
    response = pay(key, saved['id'], customer=customer['id'], off_session=True)
    expect_equal(response.json['status'], 'succeeded', response)
    foreign = pay(new_key(), saved['id'], customer=customer['id'])
    expect_equal(foreign.status, 400, 'another key uses the customer')


@check
def three_d_secure_on_and_off_session():
    key = new_key()
    response = pay(key, 'pm_card_authenticationRequired')
    expect_equal(response.status, 200, response)
    expect_equal(response.json['status'], 'requires_action', 'on-session')
    expect_equal(response.json['next_action']['type'], 'use_stripe_sdk',
                 'next_action')
    done = control('POST', '/_test/payment_intents/%s/authenticate'
                   % response.json['id'], {'success': True})
    expect_equal(done.json['status'], 'succeeded', done)
    response = pay(key, 'pm_card_authenticationRequired', off_session=True)
    expect_equal(response.status, 402, response)
    for field in ('code', 'decline_code'):
        expect_equal(response.error[field], 'authentication_required', field)
    expect_equal(response.error['type'], 'card_error', 'type')
    expect_equal(response.error['payment_intent']['status'],
                 'requires_payment_method', 'intent')


def authorise(key, amount=1000):
    response = pay(key, amount=amount, capture_method='manual')
    expect_equal(response.json['status'], 'requires_capture', response)
    expect_equal(response.json['amount_capturable'], amount, 'capturable')
    return response.json['id']


@check
def manual_and_partial_capture_and_cancel():
    key = new_key()
    intent = authorise(key)
    path = '/v1/payment_intents/%s/' % intent
    too_much = api('POST', path + 'capture', {'amount_to_capture': 1001},
                   key=key)
    expect_equal(too_much.status, 400, too_much)
    expect_equal(too_much.error['param'], 'amount_to_capture', 'param')
    captured = api('POST', path + 'capture', {'amount_to_capture': 600},
                   key=key).json
    expect_equal(captured['status'], 'succeeded', captured)
    expect_equal(captured['amount_received'], 600, 'received')
    expect_equal(captured['amount_capturable'], 0, 'released')
    again = api('POST', path + 'capture', key=key)
    expect_equal(again.error['code'], 'payment_intent_unexpected_state', again)
    late_cancel = api('POST', path + 'cancel', key=key)
    expect_equal(late_cancel.status, 400, late_cancel)

    intent = authorise(key)
    path = '/v1/payment_intents/%s/' % intent
    wrong = api('POST', path + 'cancel', {'cancellation_reason': 'bored'},
                key=key)
    expect_equal(wrong.error.get('param'), 'cancellation_reason', wrong)
    canceled = api('POST', path + 'cancel',
                   {'cancellation_reason': 'requested_by_customer'}, key=key)
    expect_equal(canceled.json['status'], 'canceled', canceled)
    expect_equal(canceled.json['cancellation_reason'],
                 'requested_by_customer', 'reason')
    refused = api('POST', path + 'capture', key=key)
    expect_equal(refused.status, 400, refused)
    expect_equal(refused.error['code'], 'payment_intent_unexpected_state', '')
    expect_equal(refused.error['payment_intent']['status'], 'canceled', '')


@check
def refunds_full_partial_and_over():
    key = new_key()
    intent = pay(key).json
    full = api('POST', '/v1/refunds', {'payment_intent': intent['id'],
                                       'reason': 'requested_by_customer',
                                       'metadata': {'why': 'test'}}, key=key)
    expect_equal(full.status, 200, full)
    for name, value in (('object', 'refund'), ('amount', 1000),
                        ('status', 'succeeded'), ('currency', 'usd'),
                        ('reason', 'requested_by_customer'),
                        ('payment_intent', intent['id']),
                        ('charge', intent['latest_charge'])):
        expect_equal(full.json[name], value, name)
    expect(full.json['id'].startswith('re_'), full.json['id'])
    expect_equal(api('GET', '/v1/refunds/' + full.json['id'], key=key)
                 .json['amount'], 1000, 'GET refund')
    nothing_left = api('POST', '/v1/refunds', {'payment_intent': intent['id']},
                       key=key)
    expect_equal(nothing_left.error.get('code'), 'charge_already_refunded',
                 nothing_left)

    intent = pay(key).json
    part = api('POST', '/v1/refunds', {'payment_intent': intent['id'],
                                       'amount': 300}, key=key)
    expect_equal(part.json['amount'], 300, part)
    over = api('POST', '/v1/refunds', {'payment_intent': intent['id'],
                                       'amount': 701}, key=key)
    expect_equal(over.status, 400, over)
    expect_equal(over.error['param'], 'amount', 'param')
    expect_equal(over.error['code'], 'amount_too_large', 'code')
    rest = api('POST', '/v1/refunds', {'charge': intent['latest_charge']},
               key=key)
    expect_equal(rest.json['amount'], 700, rest)
    listed = api('GET', '/v1/refunds?payment_intent=' + intent['id'], key=key)
    expect_equal([r['amount'] for r in listed.json['data']], [700, 300],
                 'refunds listed newest first')
    charge = api('GET', '/v1/charges/' + intent['latest_charge'], key=key).json
    expect_equal(charge['amount_refunded'], 1000, 'amount_refunded')
    expect_equal(charge['refunded'], True, 'refunded')
    bad_reason = api('POST', '/v1/refunds', {'payment_intent': intent['id'],
                                             'reason': 'whim'}, key=key)
    expect_equal(bad_reason.error.get('param'), 'reason', bad_reason)
    uncaptured = api('POST', '/v1/refunds',
                     {'payment_intent': authorise(key)}, key=key)
    expect_equal(uncaptured.status, 400, uncaptured)


@check
def a_partial_capture_refunds_at_most_what_was_captured():
    key = new_key()
    intent = authorise(key)
    api('POST', '/v1/payment_intents/%s/capture' % intent,
        {'amount_to_capture': 600}, key=key)
    over = api('POST', '/v1/refunds', {'payment_intent': intent,
                                       'amount': 601}, key=key)
    expect_equal(over.error.get('code'), 'amount_too_large', over)
    rest = api('POST', '/v1/refunds', {'payment_intent': intent}, key=key)
    expect_equal(rest.json['amount'], 600, rest)


@check
def an_intent_can_be_moved_to_processing_and_back():
    key = new_key()
    intent = authorise(key)
    path = '/_test/payment_intents/%s/status' % intent
    expect_equal(control('POST', path, {'status': 'processing'})
                 .json['status'], 'processing', 'to processing')
    fetched = api('GET', '/v1/payment_intents/' + intent, key=key).json
    expect_equal(fetched['status'], 'processing', 'GET')
    refused = api('POST', '/v1/payment_intents/%s/capture' % intent, key=key)
    expect_equal(refused.status, 400, refused)
    expect_equal(control('POST', path, {'status': 'succeeded'}).status, 400,
                 'only back to the status before')
    expect_equal(control('POST', path, {'status': 'requires_capture'})
                 .json['status'], 'requires_capture', 'back')


if __name__ == '__main__':
    sys.exit(run_all())
