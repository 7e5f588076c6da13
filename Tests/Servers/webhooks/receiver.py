#!/usr/bin/env python3
"""A webhook test receiver: verifies every request with the PyPI package
standardwebhooks, logs each attempt, and answers scripted faults (see ../README.md).

  receiver.py --host 127.0.0.1 --port 0 --port-file PATH

Endpoints are POST /hooks/<name>; the control API is JSON under /_control/.
--port 0 lets the system choose a free port; the chosen one is written to
--port-file once the server accepts connections. Everything stays in memory.
"""

import argparse
import http.server
import json
import os
import socket
import struct
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from endpoints import ControlError, Registry, check_name  # noqa: E402

MAX_BODY = 16 << 20


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as a pooling client expects.
    protocol_version = "HTTP/1.1"
    server_version = "BilingusWebhookReceiver/1"
    registry = None  # set by main

    def do_POST(self):
        self.dispatch("POST")

    def do_GET(self):
        self.dispatch("GET")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method):
        path = urllib.parse.urlsplit(self.path).path
        try:
            body = self.read_body()
        except ValueError as error:
            self.answer(400, {"error": str(error)}, close=True)
            return
        parts = path.strip("/").split("/")
        if parts[0] == "hooks" and len(parts) == 2 and parts[1]:
            if method != "POST":
                self.answer(405, {"error": "webhooks are POSTed"})
            else:
                self.hook(parts[1], path, body)
        elif parts[0] == "_control":
            try:
                status, reply = self.control(method, parts[1:], body)
            except ControlError as error:
                status, reply = error.status, {"error": error.message}
            self.answer(status, reply)
        else:
            self.answer(404, {"error": "not found: %s" % path})

    # MARK: Webhook endpoints

    def hook(self, name, path, body):
        attempt, fault, default_status = self.registry.receive(
            name, path, "POST", dict(self.headers.items()), body)
        self.log_message("%s id=%s verified=%s%s fault=%s", path, attempt["webhook_id"],
                         attempt["verified"],
                         "" if attempt["verified"] else " (%s)" % attempt["verify_error"],
                         fault and fault["type"])
        if default_status is None:
            self.registry.answered(attempt, 404)
            self.answer(404, {"error": "no endpoint %r" % name})
            return
        if not attempt["verified"]:
            self.registry.answered(attempt, 401)
            self.answer(401, {"error": attempt["verify_error"]})
            return
        if fault and fault["type"] == "reset":
            self.reset()
            return
        if fault and fault["type"] == "delay":
            time.sleep(fault["seconds"])  # the client may have given up meanwhile
            fault = None
        status, headers = default_status, {}
        if fault and fault["type"] == "status":
            status = fault["status"]
            if "retry_after" in fault:
                headers["Retry-After"] = fault["retry_after"]
        elif fault and fault["type"] == "redirect":
            status = fault["status"]
            headers["Location"] = fault["location"]
        reply = None if status == 204 else {"received": attempt["webhook_id"], "status": status}
        # Logged before it is written: a client that reads the answer then the log sees it.
        self.registry.answered(attempt, status)
        self.answer(status, reply, headers)

    def reset(self):
        """Closes the connection with a TCP RST and no answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # MARK: Control API

    def control(self, method, parts, body):
        if parts == ["health"] and method == "GET":
            return 200, {"ok": True}
        if not parts or parts[0] != "endpoints" or len(parts) not in (2, 3):
            raise ControlError(404, "unknown control path")
        name = check_name(parts[1])
        action = (method, parts[2] if len(parts) == 3 else None)
        registry = self.registry
        if action in (("POST", None), ("PUT", None)):
            registry.register(name, self.json_object(body))
            return 200, registry.describe(name)
        if action == ("GET", None):
            return 200, registry.describe(name)
        if action == ("DELETE", None):
            registry.remove(name)
            return 200, {"ok": True}
        if action == ("POST", "faults"):
            registry.add_faults(name, self.json_object(body))
            return 200, registry.describe(name)
        if action == ("DELETE", "faults"):
            registry.clear_faults(name)
            return 200, registry.describe(name)
        if action == ("GET", "attempts"):
            return 200, registry.attempts(name)
        if action == ("DELETE", "attempts"):
            registry.clear_attempts(name)
            return 200, {"ok": True}
        raise ControlError(404, "unknown control path")

    @staticmethod
    def json_object(body):
        try:
            value = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ControlError(400, "the body is not JSON: %s" % error)
        if not isinstance(value, dict):
            raise ControlError(400, "the body is not a JSON object")
        return value

    # MARK: Plumbing

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body over %d bytes" % MAX_BODY)
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise ValueError("the connection closed inside a chunk")
                chunks.append(chunk)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body over %d bytes" % MAX_BODY)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            # The sender went away mid-request (a killed process): an aborted request, not an attempt.
            raise ValueError("the connection closed after %d of %d body bytes" % (len(body), length))
        return body

    def answer(self, status, reply, headers=None, close=False):
        data = b"" if reply is None else json.dumps(reply).encode("utf-8")
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if reply is not None:
                self.send_header("Content-Type", "application/json")
            if status != 204:
                self.send_header("Content-Length", str(len(data)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if data:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client left (after a delay, say)

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (time.strftime("%H:%M:%S"), format % args))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True  # a request held by a delay fault never blocks the exit
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that disconnects mid-request is routine here (timeouts, resets).
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()
    Handler.registry = Registry()
    server = Server((args.host, args.port), Handler)
    port = server.server_address[1]
    if args.port_file:
        # Written whole, then renamed, so a reader never sees a partial port.
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.replace(args.port_file + ".tmp", args.port_file)
    print("Webhook test receiver listening on http://%s:%d" % (args.host, port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
