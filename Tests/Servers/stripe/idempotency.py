"""Stripe's idempotent requests, keyed by (API key, Idempotency-Key).

The first request's method, path and parameters are saved with its final
status and body once it started executing, errors such as a 402 decline
included. A later request with the same key and the same request gets the
saved answer with Idempotent-Replayed: true and does not run again; the same
key with another request is refused; a key still in use answers 409.
"""

from dataclasses import dataclass

from stripe_errors import StripeError, json_response

MISMATCH = ("Keys for idempotent requests can only be used with the same "
            "parameters they were first used with. Try using a key other than "
            "'%s' if you meant to execute a different request.")
IN_USE = ("There is currently another in-progress request using this "
          "Stripe-Idempotency-Key (that probably means you submitted twice, "
          "and the other request is still going through): %s. Please try "
          "again later.")


@dataclass
class SavedResult:
    method: str
    path: str
    params: dict
    status: int
    body: bytes
    request_id: str

    def replay(self):
        response = json_response(self.status, {})
        response.body = self.body
        response.headers['Idempotent-Replayed'] = 'true'
        response.headers['Original-Request'] = self.request_id
        return response


class IdempotencyStore:
    def __init__(self):
        self._saved = {}
        self._in_flight = set()

    async def run(self, context, execute):
        """execute() answers the request; it runs at most once per key."""
        slot = (context.api_key, context.idempotency_key)
        saved = self._saved.get(slot)
        if saved is not None:
            if (saved.method, saved.path, saved.params) != \
                    (context.method, context.path, context.params):
                return StripeError(400, 'idempotency_error',
                                   MISMATCH % context.idempotency_key
                                   ).response()
            context.replayed = True
            return saved.replay()
        if slot in self._in_flight:
            return StripeError(409, 'idempotency_error',
                               IN_USE % context.idempotency_key,
                               code='idempotency_key_in_use').response()
        self._in_flight.add(slot)
        try:
            response = await execute()
            if context.executed:
                self._saved[slot] = SavedResult(
                    context.method, context.path, context.params,
                    response.status, response.body, context.request_id)
            return response
        finally:
            self._in_flight.discard(slot)
