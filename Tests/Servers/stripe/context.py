"""The context of one /v1 request, visible to the code it runs.

Objects created while a request runs belong to its API key (Stripe scopes
every object to the account of the key that made it), and the events they
emit carry its request id, idempotency key and Stripe-Version.
"""

import contextlib
import contextvars
import random
import string
from dataclasses import dataclass, field

DEFAULT_API_VERSION = '2024-06-20'

current = contextvars.ContextVar('stripe_request_context', default=None)


def random_suffix(length=14):
    alphabet = string.ascii_letters + string.digits
    return ''.join(random.choice(alphabet) for _ in range(length))


def new_request_id():
    return 'req_' + random_suffix()


@dataclass
class RequestContext:
    api_key: str
    request_id: str = field(default_factory=new_request_id)
    method: str = 'POST'
    path: str = ''
    params: dict = field(default_factory=dict)
    idempotency_key: str = None
    stripe_version: str = None
    # Set once validation passed and the operation started: only then does
    # Stripe save an idempotent result.
    executed: bool = False
    replayed: bool = False

    def begin_execution(self):
        self.executed = True

    @property
    def api_version(self):
        return self.stripe_version or DEFAULT_API_VERSION


def current_api_key():
    context = current.get()
    return context.api_key if context else None


@contextlib.contextmanager
def acting_as(api_key):
    """Runs control-API code as if a request with api_key made it."""
    token = current.set(RequestContext(api_key=api_key, method='CONTROL'))
    try:
        yield
    finally:
        current.reset(token)
