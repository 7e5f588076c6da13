"""The SMTP test server that Scripts/with-test-servers starts (aiosmtpd 1.4.x).

Two listeners on 127.0.0.1, both requiring AUTH (PLAIN or LOGIN) with the one
user and password given on the command line:
  - the STARTTLS port: plain at first, STARTTLS required before anything else;
  - the SMTPS port: TLS from the first byte (implicit TLS).
Each accepted message is saved in the maildir as <unix-ns>-<first recipient>.eml
(the exact DATA bytes) with its envelope beside it as .json. What happens to a
message depends only on its recipients (see recipient_behaviour), so parallel
tests need no shared control state.
"""

import argparse
import json
import logging
import os
import re
import socket
import ssl
import sys
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword



class QuietKnownWarnings(logging.Filter):
    """Drops two warnings aiosmtpd 1.4 logs about itself: it sets the deprecated
    Session.login_data on every AUTH, and it warns about auth_require_tls=False,
    which the SMTPS port needs (see main)."""

    def filter(self, record):
        text = record.getMessage()
        return "login_data is deprecated" not in text and "auth_require_tls == False" not in text


logging.getLogger("mail.log").addFilter(QuietKnownWarnings())
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

TEMPFAIL = re.compile(r"^tempfail(\d+)-", re.IGNORECASE)


class Authenticator:
    """Accepts only the configured user and password; aiosmtpd answers 535 otherwise."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if mechanism not in ("PLAIN", "LOGIN") or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == self.user and auth_data.password == self.password
        return AuthResult(success=ok, handled=False)


class Handler:
    """Refuses, delays or saves messages according to their recipients."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.lock = threading.Lock()
        self.tempfail_counts = {}  # address -> deliveries refused with 451 so far

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if local_part(address).startswith("reject"):
            return "550 5.1.1 Recipient address rejected: %s" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(local_part(a).startswith("permfail") for a in envelope.rcpt_tos):
            return "554 5.6.0 Message refused permanently (test permfail recipient)"
        if self.should_tempfail(envelope.rcpt_tos):
            return "451 4.3.0 Try again later (test tempfail recipient)"
        self.save(envelope)
        return "250 OK message saved"

    def should_tempfail(self, recipients):
        """Counts a refused delivery for every tempfail<N>- recipient still under its N."""
        refuse = False
        with self.lock:
            for address in recipients:
                match = TEMPFAIL.match(local_part(address))
                if not match:
                    continue
                key = address.lower()
                count = self.tempfail_counts.get(key, 0)
                if count < int(match.group(1)):
                    self.tempfail_counts[key] = count + 1
                    refuse = True
        return refuse

    def save(self, envelope):
        with self.lock:  # one writer at a time keeps names unique
            stamp = time.time_ns()
            base = os.path.join(self.maildir, "%d-%s" % (stamp, safe_name(envelope.rcpt_tos[0])))
            while os.path.exists(base + ".eml"):
                stamp += 1
                base = os.path.join(self.maildir, "%d-%s" % (stamp, safe_name(envelope.rcpt_tos[0])))
            data = envelope.original_content if envelope.original_content is not None else envelope.content
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogateescape")
            envelope_json = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
            # The .json is written first and the .eml last, atomically: a visible .eml is complete.
            with open(base + ".json", "w", encoding="utf-8") as f:
                json.dump(envelope_json, f, ensure_ascii=False)
            with open(base + ".eml.tmp", "wb") as f:
                f.write(data)
            os.rename(base + ".eml.tmp", base + ".eml")


def local_part(address):
    return address.rsplit("@", 1)[0].lower()


def safe_name(address):
    return re.sub(r"[^A-Za-z0-9@._+-]", "_", address.lower())


def free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--port-file", required=True, help="written as '<starttls port> <smtps port>' when ready")
    args = parser.parse_args()
    user = os.environ["SMTP_TEST_USER"]  # from the environment, not argv: not visible in ps
    password = os.environ["SMTP_TEST_PASSWORD"]

    os.makedirs(args.maildir, exist_ok=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    handler = Handler(args.maildir)
    common = dict(
        hostname=args.host,
        server_hostname="localhost",
        authenticator=Authenticator(user, password),
        auth_required=True,
    )
    starttls = Controller(handler, port=free_port(args.host), tls_context=context, require_starttls=True, **common)
    # aiosmtpd 1.4 only counts STARTTLS as TLS for auth_require_tls, so on the SMTPS
    # port (TLS from the first byte, nothing in clear) AUTH would never be offered.
    smtps = Controller(handler, port=free_port(args.host), ssl_context=context, auth_require_tls=False, **common)
    starttls.start()
    smtps.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d %d\n" % (starttls.port, smtps.port))
    os.rename(args.port_file + ".tmp", args.port_file)
    print("SMTP test server: STARTTLS on %s:%d, SMTPS on %s:%d" % (args.host, starttls.port, args.host, smtps.port), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        starttls.stop()
        smtps.stop()


if __name__ == "__main__":
    sys.exit(main())
