"""What this server takes from stock localstripe, and the patches it needs.

Stock localstripe pickles its store to the system temp directory on every
write and reads it back on start; here the store stays in memory. Every
object also records the API key that created it, so one key never sees
another key's objects (parallel tests use one key each).
"""

from localstripe import resources
from localstripe.server import unflatten_data  # noqa: F401 (re-exported)

import context
from stripe_errors import from_localstripe, resource_missing

StripeObject = resources.StripeObject
store = resources.store


def keep_store_in_memory():
    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None


def record_owners():
    original_init = StripeObject.__init__

    def init_with_owner(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._api_key = context.current_api_key()

    StripeObject.__init__ = init_with_owner


def install():
    keep_store_in_memory()
    record_owners()


def owned_by(obj, api_key):
    return getattr(obj, '_api_key', None) in (None, api_key)


def retrieve_owned(cls, id, kind, param='id', status=404):
    """The object id of cls, if it belongs to the current key; else Stripe's
    resource_missing (404 for a path id, 400 for an id given as a param)."""
    if not isinstance(id, str) or not id:
        raise resource_missing(kind, id, param=param, status=status)
    try:
        obj = cls._api_retrieve(id)
    except resources.UserError:
        raise resource_missing(kind, id, param=param, status=status)
    if not isinstance(obj, cls) or not owned_by(obj, context.current_api_key()):
        raise resource_missing(kind, id, param=param, status=status)
    return obj


def export(obj, expand=None):
    """The object's JSON; expand lists ids to inline, as Stripe's expand[]."""
    try:
        return obj._export(expand=expand or [])
    except resources.UserError as error:
        raise from_localstripe(error)
