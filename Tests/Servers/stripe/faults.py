"""Injected faults, per API key, for testing a client's retries.

A fault matches a request by method and a regular expression full-matched
against its path; the faults of a key apply in the order they were added,
each to `times` matching requests. Actions:
  error          answer status/headers/error WITHOUT executing the request;
  lost_response  execute the request (its idempotent result is saved), then
                 answer a 500 instead of the real response;
  delay          wait `seconds` before executing (holding the idempotency
                 key, so a retry meanwhile gets 409), or after executing,
                 before answering, when after_execution is true.
"""

import re
from dataclasses import dataclass

from stripe_errors import StripeError, invalid_request

DEFAULT_ERRORS = {
    429: {'type': 'invalid_request_error', 'code': 'rate_limit',
          'message': 'Too many requests hit the API too quickly. We '
                     'recommend an exponential backoff of your requests.'},
    409: {'type': 'idempotency_error', 'code': 'idempotency_key_in_use',
          'message': 'There is currently another in-progress request using '
                     'this Stripe-Idempotency-Key. Please try again later.'},
    401: {'type': 'invalid_request_error',
          'message': 'Invalid API Key provided (injected fault).'},
}
SERVER_ERROR = {'type': 'api_error',
                'message': 'An unknown error occurred (injected fault).'}
CLIENT_ERROR = {'type': 'invalid_request_error',
                'message': 'Invalid request (injected fault).'}


def default_error(status):
    if status in DEFAULT_ERRORS:
        return DEFAULT_ERRORS[status]
    return SERVER_ERROR if status >= 500 else CLIENT_ERROR


@dataclass
class Fault:
    api_key: str
    method: str
    path: re.Pattern
    times: int
    action: dict

    @property
    def type(self):
        return self.action['type']

    def matches(self, method, path):
        return ((self.method is None or self.method == method)
                and self.path.fullmatch(path) is not None)

    def error_response(self):
        """The answer of an error or lost_response fault."""
        status = self.action.get('status', 500)
        error = dict(default_error(status))
        error.update(self.action.get('error') or {})
        fields = {k: v for k, v in error.items() if k not in ('type', 'message')}
        return StripeError(status, error['type'], error['message'],
                           headers=self.action.get('headers'),
                           **fields).response()


def parse(body):
    """A Fault from the control API's JSON body; invalid_request if wrong."""
    if not isinstance(body, dict):
        raise invalid_request('The body must be a JSON object.')
    api_key = body.get('api_key')
    if not isinstance(api_key, str) or not api_key.startswith('sk_test_'):
        raise invalid_request('api_key must be an sk_test_ key.', param='api_key')
    method = body.get('method')
    if method is not None and not isinstance(method, str):
        raise invalid_request('method must be a string.', param='method')
    try:
        path = re.compile(body.get('path', '.*'))
    except (re.error, TypeError) as error:
        raise invalid_request('path is not a regular expression: %s' % error,
                              param='path')
    times = body.get('times', 1)
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise invalid_request('times must be a positive integer.', param='times')
    return Fault(api_key, method.upper() if method else None, path, times,
                 _parse_action(body.get('action')))


def _parse_action(action):
    if not isinstance(action, dict):
        raise invalid_request('action must be an object.', param='action')
    kind = action.get('type')
    if kind in ('error', 'lost_response'):
        status = action.get('status', 500)
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise invalid_request('action.status must be 400-599.',
                                  param='action.status')
        headers = action.get('headers') or {}
        if not isinstance(headers, dict) or not all(
                isinstance(v, str) for v in headers.values()):
            raise invalid_request('action.headers must map names to strings.',
                                  param='action.headers')
        error = action.get('error')
        if error is not None and not isinstance(error, dict):
            raise invalid_request('action.error must be an object.',
                                  param='action.error')
        return dict(action, status=status, headers=headers)
    if kind == 'delay':
        seconds = action.get('seconds')
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) \
                or not 0 <= seconds <= 600:
            raise invalid_request('action.seconds must be 0-600.',
                                  param='action.seconds')
        after = action.get('after_execution', False)
        if not isinstance(after, bool):
            raise invalid_request('action.after_execution must be a boolean.',
                                  param='action.after_execution')
        return dict(action, seconds=float(seconds), after_execution=after)
    raise invalid_request('action.type must be error, lost_response or delay.',
                          param='action.type')


class FaultQueue:
    def __init__(self):
        self._faults = []

    def add(self, fault):
        self._faults.append(fault)

    def clear(self, api_key):
        self._faults = [f for f in self._faults if f.api_key != api_key]

    def take(self, api_key, method, path):
        """The first fault of api_key matching the request, used up once."""
        for fault in self._faults:
            if fault.api_key == api_key and fault.matches(method, path):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None
