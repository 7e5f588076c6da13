"""Checks the SMTP test server that Scripts/with-test-servers started (stdlib only).

    Scripts/with-test-servers .test-venv/bin/python Tests/Servers/smtp/selftest.py
"""

import email
import email.policy
import glob
import json
import os
import smtplib
import ssl
import sys
import uuid
from email.message import EmailMessage

HOST = os.environ["BILLING_TEST_SMTP_HOST"]
PORT = int(os.environ["BILLING_TEST_SMTP_PORT"])
SMTPS_PORT = int(os.environ["BILLING_TEST_SMTPS_PORT"])
USER = os.environ["BILLING_TEST_SMTP_USER"]
PASSWORD = os.environ["BILLING_TEST_SMTP_PASSWORD"]
CA = os.environ["BILLING_TEST_SMTP_CA"]
MAILDIR = os.environ["BILLING_TEST_SMTP_MAILDIR"]
SUBJECT = "Счёт №42 готов"


def context():
    return ssl.create_default_context(cafile=CA)


def connect(server_hostname="localhost"):
    """An authenticated STARTTLS session."""
    client = smtplib.SMTP(HOST, PORT, timeout=10)
    client._host = server_hostname  # the name the certificate is checked against
    client.starttls(context=context())
    client.login(USER, PASSWORD)
    return client


def address(prefix):
    return "%s-%s@example.com" % (prefix, uuid.uuid4().hex[:12])


def message(to):
    msg = EmailMessage()
    msg["From"] = "Биллинг <billing@example.com>"
    msg["To"] = ", ".join(to)
    msg["Subject"] = SUBJECT
    msg.set_content("Здравствуйте!\n")
    return msg


def saved(recipient):
    return sorted(glob.glob(os.path.join(MAILDIR, "*-%s.eml" % recipient.lower())))


def expect_code(code, action):
    try:
        action()
    except smtplib.SMTPResponseException as error:
        assert error.smtp_code == code, "expected %d, got %d %r" % (code, error.smtp_code, error.smtp_error)
        return
    except smtplib.SMTPRecipientsRefused as error:
        codes = [c for c, _ in error.recipients.values()]
        assert codes == [code], "expected %d, got %r" % (code, codes)
        return
    raise AssertionError("expected SMTP %d, but the command succeeded" % code)


def check_starttls_required():
    with smtplib.SMTP(HOST, PORT, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls"), "STARTTLS is not offered"
        code, _ = client.mail("billing@example.com")
        assert code == 530, "MAIL before STARTTLS answered %d" % code


def check_auth_required_and_wrong_password():
    with smtplib.SMTP(HOST, PORT, timeout=10) as client:
        client._host = "localhost"
        client.starttls(context=context())
        client.ehlo()
        code, _ = client.mail("billing@example.com")
        assert code == 530, "MAIL before AUTH answered %d" % code
        expect_code(535, lambda: client.login(USER, PASSWORD + "-wrong"))
    for mechanism in ("PLAIN", "LOGIN"):
        with smtplib.SMTP(HOST, PORT, timeout=10) as client:
            client._host = "localhost"
            client.starttls(context=context())
            client.ehlo()
            client.user, client.password = USER, PASSWORD
            code, _ = client.auth(mechanism, getattr(client, "auth_" + mechanism.lower()), initial_response_ok=False)
            assert code == 235, "AUTH %s answered %d" % (mechanism, code)


def check_saved_and_parsed():
    to = address("inbox")
    with connect() as client:
        client.send_message(message([to]))
    files = saved(to)
    assert len(files) == 1, "expected one saved message for %s, found %r" % (to, files)
    with open(files[0], "rb") as f:
        parsed = email.message_from_bytes(f.read(), policy=email.policy.default)
    assert parsed["Subject"] == SUBJECT, parsed["Subject"]
    assert parsed["From"].addresses[0].display_name == "Биллинг"
    assert parsed.get_content().replace("\r\n", "\n") == "Здравствуйте!\n"  # DATA lines end in CRLF
    with open(files[0][: -len(".eml")] + ".json", encoding="utf-8") as f:
        envelope = json.load(f)
    assert envelope == {"mail_from": "billing@example.com", "rcpt_tos": [to]}, envelope


def check_recipient_behaviours():
    good, rejected = address("inbox"), address("reject")
    with connect() as client:
        refused = client.send_message(message([good, rejected]))
    assert refused[rejected][0] == 550 and good not in refused, refused
    assert len(saved(good)) == 1 and not saved(rejected)

    permfail = address("permfail")
    with connect() as client:
        expect_code(554, lambda: client.send_message(message([permfail])))
    assert not saved(permfail)

    tempfail = address("tempfail2")
    for attempt in range(2):  # counted per address across connections
        with connect() as client:
            expect_code(451, lambda: client.send_message(message([tempfail])))
    with connect() as client:
        client.send_message(message([tempfail]))
    assert len(saved(tempfail)) == 1


def check_implicit_tls():
    to = address("smtps")
    for host in ("localhost", "127.0.0.1"):
        client = smtplib.SMTP_SSL(host, SMTPS_PORT, context=context(), timeout=10)
        with client:
            client.login(USER, PASSWORD)
            client.send_message(message([to]))
    assert len(saved(to)) == 2


def check_certificate_names():
    for name in ("localhost", "127.0.0.1"):
        with connect(server_hostname=name) as client:
            client.noop()
    try:
        connect(server_hostname="example.com")
    except ssl.SSLCertVerificationError:
        pass
    else:
        raise AssertionError("the certificate verified for example.com")


def main():
    checks = [check_starttls_required, check_auth_required_and_wrong_password, check_saved_and_parsed,
              check_recipient_behaviours, check_implicit_tls, check_certificate_names]
    for check in checks:
        check()
        print("ok", check.__name__)
    print("SMTP test server self-test: %d checks passed" % len(checks))


if __name__ == "__main__":
    sys.exit(main())
