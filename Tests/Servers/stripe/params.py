"""Stripe's form parameters: bracket syntax and typed, validated getters.

Stripe reads form bodies with nested keys (metadata[tenant]=acme,
expand[]=latest_charge, expand[0]=...) and rejects unknown parameters by
name; localstripe's unflatten_data does the nesting.
"""

import re

from multidict import MultiDict

from localstripe_base import unflatten_data
from stripe_errors import invalid_request, missing_parameter, unknown_parameter


async def read(request):
    """The request's parameters: the query for GET/DELETE, the form for POST."""
    if request.method == 'POST' and request.can_read_body:
        if request.content_type != 'application/x-www-form-urlencoded':
            raise invalid_request(
                'Invalid request: Stripe expects a form-encoded body '
                '(application/x-www-form-urlencoded).')
        form = MultiDict(await request.post())
        pairs = MultiDict(request.query)
        pairs.extend(form)
    else:
        pairs = MultiDict(request.query)
    return unflatten_data(pairs) if pairs else {}


def reject_unknown(params, allowed):
    for name in params:
        if name not in allowed:
            raise unknown_parameter(name)


def integer(params, name, required=False):
    value = params.get(name)
    if value is None:
        if required:
            raise missing_parameter(name)
        return None
    if not isinstance(value, str) or not re.fullmatch(r'-?[0-9]+', value):
        raise invalid_request('Invalid integer: %s' % _show(value), param=name,
                              code='parameter_invalid_integer')
    return int(value)


def boolean(params, name):
    value = params.get(name)
    if value is None:
        return None
    if value in ('true', 'false'):
        return value == 'true'
    raise invalid_request('Invalid boolean: %s' % _show(value), param=name)


def string(params, name, required=False, max_length=None):
    value = params.get(name)
    if value is None or value == '':
        if required:
            raise missing_parameter(name)
        return None
    if not isinstance(value, str):
        raise invalid_request('Invalid string: %s' % _show(value), param=name)
    if max_length is not None and len(value) > max_length:
        raise invalid_request(
            'Invalid string: %s...; must be at most %d characters'
            % (value[:10], max_length), param=name)
    return value


def choice(params, name, allowed, default=None):
    value = string(params, name)
    if value is None:
        return default
    if value not in allowed:
        raise invalid_request(
            'Invalid %s: must be one of %s' % (name, ', '.join(allowed)),
            param=name)
    return value


def metadata(params, name='metadata'):
    """A dict of strings; Stripe limits keys to 40 and values to 500 chars."""
    value = params.get(name)
    if value is None or value == '':
        return {}
    if not isinstance(value, dict):
        raise invalid_request('Invalid object', param=name)
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid_request('Invalid string: %s' % _show(item),
                                  param='%s[%s]' % (name, key))
        if len(key) > 40 or len(item) > 500:
            raise invalid_request(
                'Metadata keys are at most 40 characters and values at most '
                '500.', param='%s[%s]' % (name, key))
    return dict(value)


def string_list(params, name):
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str)
                                              for v in value):
        raise invalid_request('Invalid array', param=name)
    return value


def expand(params):
    return string_list(params, 'expand') or []


def _show(value):
    return value if isinstance(value, str) else repr(value)
