#!/usr/bin/env python3
"""Verifies a Bilingus audit log export (JSON Lines, format bilingus.audit.v1) offline.

  verify_audit_export.py EXPORT.jsonl [--key ID:hmac-sha256:HEX] [--key ID:ed25519:HEX] ...

For every chain it checks, from the chain's start (or its retention cut) to its head:
each entry's sequence follows the one before, its previousHash is the hash before it, its
hash is SHA-256(bytes(previousHash) + canonical), and its canonical JSON names its chain
and sequence; each checkpoint names the hash of the entry it covers. With --key (the HMAC
secret, or an Ed25519 public key, in hex), every checkpoint must also carry a valid
signature by one of the keys over "bilingus.audit.v1.checkpoint\\n<chain>\\n<sequence>\\n<hash>".
Ed25519 needs the PyPI package `cryptography`; HMAC needs only the standard library.

Prints one line per chain, "ok ..." or "FAIL <chain> at <sequence>: <what>", and exits 0
when every chain is intact, 1 when one is not, 2 for an unreadable export or bad arguments.
It cannot check the events' digests: those need the event store.
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys

FORMAT = "bilingus.audit.v1"


class Broken(Exception):
    def __init__(self, sequence, what):
        super().__init__(what)
        self.sequence = sequence
        self.what = what


def parse_key(text):
    try:
        key_id, algorithm, hex_key = text.split(":", 2)
        material = bytes.fromhex(hex_key)
    except ValueError:
        raise argparse.ArgumentTypeError("a key is ID:hmac-sha256:HEX or ID:ed25519:HEX")
    if algorithm == "hmac-sha256":
        return key_id, (algorithm, material)
    if algorithm == "ed25519":
        try:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        except ImportError:
            raise argparse.ArgumentTypeError("Ed25519 keys need the PyPI package 'cryptography'")
        return key_id, (algorithm, Ed25519PublicKey.from_public_bytes(material))
    raise argparse.ArgumentTypeError("unknown algorithm %r" % algorithm)


def signature_verifies(key, signature, message):
    algorithm, material = key
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:
        return False
    if algorithm == "hmac-sha256":
        return hmac.compare_digest(hmac.new(material, message, hashlib.sha256).digest(), raw)
    try:
        material.verify(raw, message)
        return True
    except Exception:
        return False


def verify_chain(chain, entries, checkpoints, keys):
    previous = chain["startHash"]
    expected = chain["startSequence"] + 1
    # A chain cut by retention starts at a checkpoint, which states the hash it goes on from.
    hashes = {chain["startSequence"]: previous} if chain["startSequence"] > 0 else {}
    if chain["startSequence"] > 0 and not any(c["sequence"] == chain["startSequence"] for c in checkpoints):
        raise Broken(chain["startSequence"], "the chain was cut at %d, where no checkpoint stands" % chain["startSequence"])
    for entry in entries:
        sequence = entry["sequence"]
        if sequence != expected:
            raise Broken(expected, "entry %d is missing: the chain goes on at %d" % (expected, sequence))
        if entry["previousHash"] != previous:
            raise Broken(sequence, "entry %d does not link to entry %d" % (sequence, sequence - 1))
        canonical = entry["canonical"].encode("utf-8")
        if hashlib.sha256(bytes.fromhex(previous) + canonical).hexdigest() != entry["hash"]:
            raise Broken(sequence, "entry %d does not hash to its recorded hash" % sequence)
        fields = json.loads(canonical)
        if fields.get("chain") != chain["chain"] or fields.get("sequence") != sequence:
            raise Broken(sequence, "entry %d's canonical form names another place" % sequence)
        hashes[sequence] = entry["hash"]
        previous = entry["hash"]
        expected += 1
    if expected - 1 != chain["headSequence"] or previous != chain["headHash"]:
        raise Broken(expected, "the chain ends at %d; its head is %d" % (expected - 1, chain["headSequence"]))
    for checkpoint in checkpoints:
        sequence = checkpoint["sequence"]
        if hashes.get(sequence) != checkpoint["hash"]:
            raise Broken(sequence, "the checkpoint at %d names another hash" % sequence)
        if keys:
            key = keys.get(checkpoint.get("keyId"))
            if checkpoint.get("signature") is None or key is None or key[0] != checkpoint["algorithm"]:
                raise Broken(sequence, "the checkpoint at %d is not signed by a key given" % sequence)
            message = ("%s.checkpoint\n%s\n%d\n%s" % (FORMAT, chain["chain"], sequence, checkpoint["hash"])).encode("utf-8")
            if not signature_verifies(key, checkpoint["signature"], message):
                raise Broken(sequence, "the checkpoint at %d has a signature that does not verify" % sequence)
    return len(entries), len(checkpoints)


def read_export(path):
    chains, order = {}, []
    with open(path, encoding="utf-8") as export:
        for number, text in enumerate(export, 1):
            record = json.loads(text)
            kind = record.get("record")
            if kind == "chain":
                if record.get("format") != FORMAT:
                    raise ValueError("line %d: format %r is not %s" % (number, record.get("format"), FORMAT))
                chains[record["chain"]] = (record, [], [])
                order.append(record["chain"])
            elif kind in ("entry", "checkpoint"):
                if record["chain"] not in chains:
                    raise ValueError("line %d: a %s of chain %r before its chain line" % (number, kind, record["chain"]))
                chains[record["chain"]][1 if kind == "entry" else 2].append(record)
            else:
                raise ValueError("line %d: unknown record %r" % (number, kind))
    return [chains[name] for name in order]


def main(argv):
    parser = argparse.ArgumentParser(description="Verify a Bilingus audit log export offline.")
    parser.add_argument("export")
    parser.add_argument("--key", action="append", type=parse_key, default=[], help="ID:hmac-sha256:HEX or ID:ed25519:HEX (public key)")
    arguments = parser.parse_args(argv)
    try:
        chains = read_export(arguments.export)
    except (OSError, ValueError, KeyError) as error:
        print("error: cannot read %s: %s" % (arguments.export, error), file=sys.stderr)
        return 2
    keys = dict(arguments.key)
    intact = True
    for chain, entries, checkpoints in chains:
        try:
            counted, signed = verify_chain(chain, entries, checkpoints, keys)
            print("ok %s: %d entries, %d checkpoints" % (chain["chain"], counted, signed))
        except Broken as broken:
            intact = False
            print("FAIL %s at %d: %s" % (chain["chain"], broken.sequence, broken.what))
    return 0 if intact else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
