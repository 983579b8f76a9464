"""Evidence hashes: SHA-256 over a canonical JSON form, so the same content always
gives the same digest and any change to it gives another one."""

import hashlib
import json


def canonical_json(payload) -> str:
    """Sorted keys, no insignificant white space, dates and decimals as strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(data) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data or b"").hexdigest()


def evidence_hash(payload) -> str:
    return sha256_hex(canonical_json(payload))
