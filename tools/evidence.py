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


def ledger_hash(previous: str, digest: str, sequence: int) -> str:
    """The digest of a ledger entry: it seals the previous entry's, the log's own and its position.

    The same as PostgreSQL's ``encode(sha256(convert_to(previous || digest || sequence, 'UTF8')), 'hex')``,
    so a whole ledger can be checked in one query.
    """
    return sha256_hex(f"{previous or ''}{digest}{sequence}")
