"""The webhook receiver's state: endpoints by name, each with its secrets, its
queue of scripted faults and its attempt log. Every request to an endpoint is
verified with the standardwebhooks library, never with our own code, so the
Swift signer is checked by an independent implementation."""

import base64
import collections
import threading
import time

from standardwebhooks import Webhook

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class ControlError(Exception):
    """A bad control request: answered with `status` and `message`."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def check_name(name):
    if not name or len(name) > 200 or not set(name) <= NAME_CHARS:
        raise ControlError(400, "endpoint names are 1-200 of [A-Za-z0-9._-]")
    return name


def parse_secrets(value):
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise ControlError(400, "secrets must be a non-empty list of whsec_... strings")
    for secret in value:
        try:
            Webhook(secret)
        except Exception as error:  # the library's own check of the secret
            raise ControlError(400, "a secret is not valid base64 key material: %s" % error)
    return list(value)


def parse_fault(value):
    """A fault, checked: status, redirect, delay or reset (see ../README.md)."""
    if not isinstance(value, dict):
        raise ControlError(400, "a fault is a JSON object")
    kind = value.get("type")
    fault = {"type": kind}
    if kind == "status":
        status = value.get("status")
        if not isinstance(status, int) or not 200 <= status <= 599:
            raise ControlError(400, "a status fault needs status 200-599")
        fault["status"] = status
        if value.get("retry_after") is not None:
            fault["retry_after"] = str(value["retry_after"])
    elif kind == "redirect":
        location = value.get("location")
        status = value.get("status", 302)
        if not isinstance(location, str) or status not in (301, 302, 303, 307, 308):
            raise ControlError(400, "a redirect fault needs a location and status 301/302/303/307/308")
        fault.update(status=status, location=location)
    elif kind == "delay":
        seconds = value.get("seconds")
        if not isinstance(seconds, (int, float)) or not 0 <= seconds <= 300:
            raise ControlError(400, "a delay fault needs seconds 0-300")
        fault["seconds"] = float(seconds)
    elif kind == "reset":
        pass
    else:
        raise ControlError(400, "a fault's type is status, redirect, delay or reset")
    return fault


class Endpoint:
    def __init__(self, secrets, default_status):
        self.secrets = secrets
        self.default_status = default_status
        self.faults = collections.deque()
        self.attempts = []


class Registry:
    """All endpoints; one lock guards them all (requests are few and short)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.endpoints = {}

    def register(self, name, body):
        secrets = parse_secrets(body.get("secrets"))
        default_status = body.get("default_status", 200)
        if default_status not in (200, 201, 202, 204):
            raise ControlError(400, "default_status is 200, 201, 202 or 204")
        with self.lock:
            existing = self.endpoints.get(name)
            if existing:  # new secrets (a rotation); faults and log stay
                existing.secrets = secrets
                existing.default_status = default_status
            else:
                self.endpoints[name] = Endpoint(secrets, default_status)

    def add_faults(self, name, body):
        faults = body.get("faults")
        if not isinstance(faults, list):
            raise ControlError(400, "faults must be a list")
        parsed = [parse_fault(f) for f in faults]
        with self.lock:
            self._get(name).faults.extend(parsed)

    def clear_faults(self, name):
        with self.lock:
            self._get(name).faults.clear()

    def describe(self, name):
        with self.lock:
            endpoint = self._get(name)
            return {"secrets": len(endpoint.secrets), "default_status": endpoint.default_status,
                    "pending_faults": list(endpoint.faults), "attempts": len(endpoint.attempts)}

    def attempts(self, name):
        with self.lock:
            return [dict(a) for a in self._get(name).attempts]

    def clear_attempts(self, name):
        with self.lock:
            self._get(name).attempts.clear()

    def remove(self, name):
        with self.lock:
            self._get(name)
            del self.endpoints[name]

    def _get(self, name):
        endpoint = self.endpoints.get(name)
        if endpoint is None:
            raise ControlError(404, "no endpoint %r" % name)
        return endpoint

    def receive(self, name, path, method, headers, body):
        """Logs one attempt and decides its answer: (attempt, fault or None,
        the endpoint's default status or None when it is not registered).

        A request that fails verification is answered 401 and takes no fault,
        so the scripted queue is spent on verified requests only."""
        lowered = {k.lower(): v for k, v in headers.items()}
        attempt = {
            "path": path,
            "method": method,
            "webhook_id": lowered.get("webhook-id"),
            "webhook_timestamp": lowered.get("webhook-timestamp"),
            "webhook_signature": lowered.get("webhook-signature"),
            "headers": lowered,
            "body_base64": base64.b64encode(body).decode("ascii"),
            "received_at": time.time(),
            "verified": False,
            "verify_error": None,
            "fault": None,
            "answered_status": None,
        }
        with self.lock:
            endpoint = self.endpoints.get(name)
            secrets = list(endpoint.secrets) if endpoint else []
        if endpoint is None:
            attempt["verify_error"] = "no endpoint registered under this name"
        else:
            attempt["verified"], attempt["verify_error"] = verify(secrets, body, lowered)
        fault, default_status = None, None
        with self.lock:
            if endpoint is not None and self.endpoints.get(name) is endpoint:
                if attempt["verified"] and endpoint.faults:
                    fault = endpoint.faults.popleft()
                    attempt["fault"] = fault["type"]
                attempt["seq"] = len(endpoint.attempts)
                endpoint.attempts.append(attempt)
                default_status = endpoint.default_status
        return attempt, fault, default_status

    def answered(self, attempt, status):
        with self.lock:
            attempt["answered_status"] = status


def verify(secrets, body, headers):
    """(verified, error): verified if any secret verifies (a rotation signs with
    several; the library takes one secret, so each is tried)."""
    errors = []
    for secret in secrets:
        try:
            # json_parse=False: the body is checked as bytes, whatever it holds.
            Webhook(secret).verify(body, headers, json_parse=False)
            return True, None
        except Exception as error:  # noqa: BLE001 - any failure is unverified, with its reason
            message = "%s: %s" % (type(error).__name__, error)
            if message not in errors:
                errors.append(message)
    return False, "; ".join(errors) or "no secrets"
