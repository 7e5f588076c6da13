#!/usr/bin/env python3
"""Checks the webhook test receiver. Through Scripts/with-test-servers it uses the
receiver at BILLING_TEST_WEBHOOK_URL; without it, it starts receiver.py itself on a
free port and stops it at the end. Requests are signed with the standardwebhooks
library. Exits 1 if a check fails.

    Scripts/with-test-servers .test-venv/bin/python Tests/Servers/webhooks/selftest.py
"""

import base64
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

from standardwebhooks import Webhook

URL = os.environ.get("BILLING_TEST_WEBHOOK_URL", "")


def new_secret():
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def request(method, path, body=None, headers=None, timeout=10):
    """(status, headers, body bytes); raises on a connection failure."""
    parts = urllib.parse.urlsplit(URL)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        data = body if isinstance(body, bytes) else (None if body is None else json.dumps(body).encode())
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def control(method, path, body=None):
    status, _, data = request(method, "/_control" + path, body, {"Content-Type": "application/json"})
    assert 200 <= status < 300, "control %s %s answered %d: %r" % (method, path, status, data)
    return json.loads(data)


def endpoint(*secret_list, faults=None):
    name = "selftest-" + uuid.uuid4().hex
    control("POST", "/endpoints/" + name, {"secrets": list(secret_list)})
    if faults:
        control("POST", "/endpoints/%s/faults" % name, {"faults": faults})
    return name


def post(name, body, signing_secrets, msg_id=None, when=None, timeout=10):
    """POSTs body signed with each of signing_secrets (space-separated, as in a rotation)."""
    msg_id = msg_id or "msg_" + uuid.uuid4().hex
    when = when or datetime.now(tz=timezone.utc)
    text = body.decode("utf-8")
    signature = " ".join(Webhook(s).sign(msg_id, when, text) for s in signing_secrets)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
               "webhook-signature": signature, "Content-Type": "application/json"}
    return request("POST", "/hooks/" + name, body, headers, timeout) + (msg_id,)


def attempts(name):
    return control("GET", "/endpoints/%s/attempts" % name)


def check_a_signed_request_is_verified_and_logged():
    secret = new_secret()
    name = endpoint(secret)
    body = json.dumps({"type": "invoice.paid", "data": {"note": "Счёт №42"}}, ensure_ascii=False).encode()
    status, _, _, msg_id = post(name, body, [secret])
    assert status == 200, status
    [attempt] = attempts(name)
    assert attempt["verified"] is True and attempt["verify_error"] is None, attempt
    assert attempt["webhook_id"] == msg_id and attempt["answered_status"] == 200, attempt
    assert base64.b64decode(attempt["body_base64"]) == body, "the body is not logged byte for byte"
    assert attempt["path"] == "/hooks/" + name and attempt["webhook_signature"].startswith("v1,"), attempt
    assert abs(attempt["received_at"] - time.time()) < 60, attempt


def check_a_bad_signature_is_401_and_logged_unverified():
    name = endpoint(new_secret())
    status, _, _, _ = post(name, b'{"a":1}', [new_secret()])
    assert status == 401, status
    old = datetime.now(tz=timezone.utc) - timedelta(minutes=10)
    secret = new_secret()
    name2 = endpoint(secret)
    status2, _, _, _ = post(name2, b'{"a":1}', [secret], when=old)
    assert status2 == 401, status2
    [attempt] = attempts(name)
    assert attempt["verified"] is False and attempt["answered_status"] == 401, attempt
    assert "No matching signature" in attempt["verify_error"], attempt
    [late] = attempts(name2)
    assert "too old" in late["verify_error"], late
    status3, _, _ = request("POST", "/hooks/" + name, b"{}", {"webhook-id": "msg_x"})
    assert status3 == 401 and "Missing required headers" in attempts(name)[1]["verify_error"], status3


def check_a_fault_queue_answers_in_order_then_succeeds():
    secret = new_secret()
    name = endpoint(secret, faults=[{"type": "status", "status": 500},
                                    {"type": "status", "status": 429, "retry_after": 7},
                                    {"type": "redirect", "location": "http://127.0.0.1:9/elsewhere"}])
    answers = []
    for _ in range(4):
        status, headers, _, _ = post(name, b'{"n":1}', [secret], msg_id="msg_same")
        answers.append((status, headers.get("Retry-After"), headers.get("Location")))
    assert answers == [(500, None, None), (429, "7", None), (302, None, "http://127.0.0.1:9/elsewhere"),
                       (200, None, None)], answers
    logged = attempts(name)
    assert [a["answered_status"] for a in logged] == [500, 429, 302, 200], logged
    assert [a["fault"] for a in logged] == ["status", "status", "redirect", None], logged
    assert [a["seq"] for a in logged] == [0, 1, 2, 3] and all(a["verified"] for a in logged), logged
    assert control("GET", "/endpoints/" + name)["pending_faults"] == [], "faults left"


def check_a_bad_signature_takes_no_fault():
    secret = new_secret()
    name = endpoint(secret, faults=[{"type": "status", "status": 500}])
    assert post(name, b"{}", [new_secret()])[0] == 401
    assert post(name, b"{}", [secret])[0] == 500, "the fault went to the unverified request"


def check_a_delay_outlasts_the_client_timeout_and_is_logged():
    secret = new_secret()
    name = endpoint(secret, faults=[{"type": "delay", "seconds": 1.5}])
    started = time.monotonic()
    try:
        post(name, b"{}", [secret], timeout=0.5)
        raise AssertionError("the delayed request was answered within the client's timeout")
    except socket.timeout:
        pass
    assert time.monotonic() - started < 1.4, "the client waited for the delay"
    [attempt] = attempts(name)
    assert attempt["fault"] == "delay" and attempt["verified"], attempt
    started = time.monotonic()
    status, _, _, _ = post(name, b"{}", [secret])  # the queue is spent: answered at once
    assert status == 200 and time.monotonic() - started < 1.0, status


def check_a_reset_closes_without_an_answer():
    secret = new_secret()
    name = endpoint(secret, faults=[{"type": "reset"}])
    try:
        status = post(name, b"{}", [secret])[0]
        raise AssertionError("a reset was answered %d" % status)
    except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
        pass
    [attempt] = attempts(name)
    assert attempt["fault"] == "reset" and attempt["answered_status"] is None, attempt


def check_a_request_cut_off_mid_body_is_not_an_attempt():
    # A sender killed mid-request leaves a short body: the receiver must not log it.
    name = endpoint(new_secret())
    parts = urllib.parse.urlsplit(URL)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(b"POST /hooks/%s HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"partial\":" % name.encode())
        connection.shutdown(socket.SHUT_WR)
        connection.recv(1024)
    assert attempts(name) == [], attempts(name)


def check_rotation_verifies_with_either_secret():
    old, new = new_secret(), new_secret()
    name = endpoint(old, new)
    assert post(name, b"{}", [old])[0] == 200, "the old secret alone"
    assert post(name, b"{}", [new])[0] == 200, "the new secret alone"
    assert post(name, b"{}", [new, old])[0] == 200, "both signatures"
    assert post(name, b"{}", [new_secret()])[0] == 401, "another secret"
    control("POST", "/endpoints/" + name, {"secrets": [new]})  # the grace period ends
    assert post(name, b"{}", [old])[0] == 401, "the old secret after the rotation"
    assert [a["verified"] for a in attempts(name)] == [True, True, True, False, False]


def check_control_errors_and_clearing():
    assert request("POST", "/_control/endpoints/x", {"secrets": ["whsec_%%%"]})[0] == 400
    assert request("POST", "/_control/endpoints/x", {"secrets": []})[0] == 400
    assert request("GET", "/_control/endpoints/never-registered/attempts")[0] == 404
    assert request("POST", "/hooks/never-registered", b"{}")[0] == 404
    secret = new_secret()
    name = endpoint(secret)
    assert request("POST", "/_control/endpoints/%s/faults" % name,
                   {"faults": [{"type": "explode"}]})[0] == 400
    post(name, b"{}", [secret])
    control("DELETE", "/endpoints/%s/attempts" % name)
    assert attempts(name) == []
    control("DELETE", "/endpoints/" + name)
    assert request("GET", "/_control/endpoints/%s" % name)[0] == 404


def start_receiver():
    """Starts receiver.py on a free port (when no URL was passed); returns the process."""
    global URL
    folder = tempfile.mkdtemp()
    port_file = os.path.join(folder, "port")
    here = os.path.dirname(os.path.abspath(__file__))
    process = subprocess.Popen([sys.executable, os.path.join(here, "receiver.py"), "--port-file", port_file])
    deadline = time.monotonic() + 20
    while not os.path.exists(port_file):
        assert process.poll() is None and time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.05)
    URL = "http://127.0.0.1:%s" % open(port_file).read().strip()
    return process


def main():
    process = None if URL else start_receiver()
    failed = 0
    try:
        checks = [(n, f) for n, f in globals().items() if n.startswith("check_")]
        for name, check in checks:
            try:
                check()
                print("ok   %s" % name)
            except Exception as error:  # noqa: BLE001 - report every check
                failed += 1
                print("FAIL %s: %s: %s" % (name, type(error).__name__, error))
    finally:
        if process:
            process.terminate()
            process.wait(timeout=10)
    print("%d checks, %d failed" % (len(checks), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
