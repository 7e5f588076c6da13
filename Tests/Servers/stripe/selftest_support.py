"""The self-test's HTTP client and check runner (stdlib only)."""

import json
import os
import secrets
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get('BILLING_TEST_STRIPE_URL', '').rstrip('/')
CHECKS = []


def check(function):
    CHECKS.append(function)
    return function


def new_key():
    """A fresh API key per check: its objects, faults and log are its own."""
    return 'sk_test_self_' + secrets.token_hex(8)


def flatten(params, prefix=None):
    """Stripe's bracket syntax: {'metadata': {'a': 'b'}} -> metadata[a]=b."""
    pairs = []
    for name, value in params.items():
        key = '%s[%s]' % (prefix, name) if prefix else name
        if isinstance(value, dict):
            pairs.extend(flatten(value, key))
        elif isinstance(value, list):
            pairs.extend((key + '[]', str(item)) for item in value)
        elif isinstance(value, bool):
            pairs.append((key, 'true' if value else 'false'))
        else:
            pairs.append((key, str(value)))
    return pairs


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        self.json = json.loads(body) if body else None

    @property
    def error(self):
        return (self.json or {}).get('error', {})

    def __repr__(self):
        return 'HTTP %d %s' % (self.status, self.raw[:600])


def http(method, path, body=None, headers=None, timeout=15):
    request = urllib.request.Request(BASE + path, data=body, method=method,
                                     headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


def api(method, path, params=None, key=None, idempotency_key=None,
        headers=None):
    """A /v1 call as a Stripe client makes it."""
    all_headers = dict(headers or {})
    if key is not None:
        all_headers['Authorization'] = 'Bearer ' + key
    if idempotency_key is not None:
        all_headers['Idempotency-Key'] = idempotency_key
    encoded = urllib.parse.urlencode(flatten(params or {}))
    if method == 'GET':
        return http(method, path + ('?' + encoded if encoded else ''),
                    headers=all_headers)
    all_headers['Content-Type'] = 'application/x-www-form-urlencoded'
    return http(method, path, encoded.encode(), all_headers)


def control(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    return http(method, path, data, {'Content-Type': 'application/json'})


def add_fault(key, method, path, action, times=1):
    response = control('POST', '/_test/faults', {
        'api_key': key, 'method': method, 'path': path, 'times': times,
        'action': action})
    expect(response.status == 200, response)


def request_log(key):
    response = http('GET', '/_test/requests?api_key=' + key)
    expect(response.status == 200, response)
    return response.json


def expect(condition, detail=''):
    if not condition:
        raise AssertionError(detail)


def expect_equal(actual, wanted, what=''):
    if actual != wanted:
        raise AssertionError('%s: wanted %r, got %r' % (what, wanted, actual))


def eventually(probe, seconds=5.0, what='condition'):
    """Polls probe() until it returns something truthy (webhooks arrive
    asynchronously)."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for ' + what)
        time.sleep(0.05)


def run_all():
    if not BASE:
        print('error: BILLING_TEST_STRIPE_URL is not set (run through '
              'Scripts/with-test-servers).', file=sys.stderr)
        return 2
    failures = 0
    for function in CHECKS:
        try:
            function()
            print('ok    ' + function.__name__)
        except Exception:
            failures += 1
            print('FAIL  ' + function.__name__)
            traceback.print_exc()
    print('%d checks, %d failed' % (len(CHECKS), failures))
    return 1 if failures else 0
