"""The log of /v1 requests per API key, so tests can assert which
Idempotency-Key each retry used. The Authorization header is never kept."""

from dataclasses import dataclass, asdict


@dataclass
class LoggedRequest:
    method: str
    path: str
    idempotency_key: str
    stripe_version: str
    params: dict
    request_id: str
    status: int = None
    replayed: bool = False
    fault: str = None
    executed: bool = False


class RequestLog:
    def __init__(self):
        self._entries = {}

    def start(self, context):
        entry = LoggedRequest(context.method, context.path,
                              context.idempotency_key, context.stripe_version,
                              context.params, context.request_id)
        self._entries.setdefault(context.api_key, []).append(entry)
        return entry

    def entries(self, api_key):
        return [asdict(e) for e in self._entries.get(api_key, [])]

    def clear(self, api_key):
        self._entries.pop(api_key, None)
