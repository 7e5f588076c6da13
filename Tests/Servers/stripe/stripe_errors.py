"""Stripe-shaped errors and JSON responses.

Stock localstripe gives every error the type invalid_request_error; Stripe
distinguishes card_error, idempotency_error, api_error and sets code, param,
decline_code and error.payment_intent. Every error here carries that shape.
"""

import json
import re

from aiohttp import web
from localstripe.errors import UserError


def json_response(status, body, headers=None):
    """A response with Stripe's pretty-printed JSON body."""
    text = json.dumps(body, indent=2, sort_keys=True) + '\n'
    return web.Response(status=status, text=text,
                        content_type='application/json', headers=headers)


class StripeError(Exception):
    """An error answered as {"error": {...}} with its HTTP status."""

    def __init__(self, status, type, message, code=None, param=None,
                 headers=None, **extra):
        super().__init__(message)
        self.status = status
        self.error = {'type': type, 'message': message}
        if code is not None:
            self.error['code'] = code
            self.error['doc_url'] = \
                'https://stripe.com/docs/error-codes/' + code.replace('_', '-')
        if param is not None:
            self.error['param'] = param
        self.error.update({k: v for k, v in extra.items() if v is not None})
        self.headers = headers or {}

    def response(self):
        return json_response(self.status, {'error': self.error},
                             headers=self.headers)


def invalid_request(message, param=None, code=None, status=400, **extra):
    return StripeError(status, 'invalid_request_error', message,
                       code=code, param=param, **extra)


def unknown_parameter(name):
    return invalid_request('Received unknown parameter: ' + name, param=name)


def missing_parameter(name):
    return invalid_request('Missing required param: %s.' % name,
                           param=name, code='parameter_missing')


def resource_missing(kind, id, param='id', status=404):
    """Stripe answers 404 for a path id, 400 for an id passed as a param."""
    return invalid_request("No such %s: '%s'" % (kind, id), param=param,
                           code='resource_missing', status=status)


def unexpected_state(message, intent_json):
    return invalid_request(message, code='payment_intent_unexpected_state',
                           payment_intent=intent_json)


def api_error(message='An unknown error occurred', status=500):
    return StripeError(status, 'api_error', message)


def from_localstripe(error: UserError) -> StripeError:
    """Translates an error raised by stock localstripe code into Stripe's shape."""
    body = dict(error.body.get('error', {}))
    message = body.pop('message', None) or 'Bad request'
    body.pop('type', None)
    unexpected = re.match(r'^Unexpected (\w+)', message)
    if unexpected:
        return unknown_parameter(unexpected.group(1))
    if error.code == 404:
        return invalid_request(message if message != 'Not Found'
                               else 'No such object', code='resource_missing',
                               status=404)
    if error.code == 402:
        body.setdefault('code', 'card_declined')
        body.setdefault('decline_code', 'generic_decline')
        return StripeError(402, 'card_error', message, **body)
    code = body.pop('code', None)
    return invalid_request(message, code=code, status=error.code, **body)
