"""Prints a saved message as JSON, parsed by Python's email package (policy default),
so Swift tests check their MIME output with an independent parser.

    .test-venv/bin/python Tests/Servers/smtp/parse_eml.py MESSAGE.eml

Output: {"headers": {name: [decoded values]}, "raw_headers": {name: [values as sent]},
"content_type": ..., "parts": [{"content_type", "charset", "transfer_encoding", "text"}],
"defects": [...]}. Header values are decoded (RFC 2047 encoded-words included).
"""

import email
import email.policy
import json
import sys


def leaf_parts(message):
    for part in message.walk():
        if part.is_multipart():
            continue
        yield part


def describe(part):
    text = None
    if part.get_content_maintype() == "text":
        text = part.get_content()
    return {
        "content_type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "transfer_encoding": part.get("Content-Transfer-Encoding"),
        "text": text,
        "defects": [type(d).__name__ for d in part.defects],
    }


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    raw_message = email.message_from_bytes(raw, policy=email.policy.compat32)
    headers, raw_headers = {}, {}
    for name, value in message.items():
        headers.setdefault(name.lower(), []).append(str(value))
    for name, value in raw_message.items():
        raw_headers.setdefault(name.lower(), []).append(str(value))
    result = {
        "headers": headers,
        "raw_headers": raw_headers,
        "content_type": message.get_content_type(),
        "parts": [describe(p) for p in leaf_parts(message)],
        "defects": [type(d).__name__ for d in message.defects],
    }
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
