"""Evidence hashes: SHA-256 over a canonical JSON form, so the same content always
gives the same digest and any change to it gives another one.

**A seal is never rewritten; a payload change adds a version.** A contact log's digest is
printed in dossiers that lawyers have filed: it must verify for as long as the log exists.
So each log stores the version of the payload its digest was computed with
(``evidence_version``), and every check recomputes the log with *its own* version. To
change what a digest covers, add a builder below (``payload_v3``), register it in
``PAYLOADS`` and raise ``EVIDENCE_VERSION``: new logs are sealed with it, the existing ones
keep their version and their digest. A builder, once released, is never edited (the tests
hold each one to the digests the release computed), and no migration re-seals a log.
"""

import hashlib
import json

# The payload version new logs are sealed with (see ``PAYLOADS``).
EVIDENCE_VERSION = 2


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


def _common_payload(values):
    """The keys every version covers: the log's own stored values and the ids it points to."""
    return {
        key: values[key]
        for key in (
            "id",
            "company",
            "partner",
            "invoices",
            "date",
            "channel",
            "direction",
            "agent",
            "phone_number",
            "outcome",
            "reason",
            "notes",
            "call_duration",
            "recording_ref",
            "next_action_date",
            "promise",
            "correction_of",
            "correction_reason",
            "override",
            "automatic",
        )
    }


def payload_v1(values):
    """Release 18.0.1.2.0 (logs sealed before the evidence ledger): the log's content, and each
    attachment's name and SHA-256."""
    return {
        **_common_payload(values),
        "attachments": sorted([name, digest] for _id, name, digest in values["attachments"]),
    }


def payload_v2(values):
    """Release 18.0.1.3.0: v1, plus the moment the log was recorded (``sealed_at``), its
    *backdated* and *over the cap* flags, and the ids of its frozen attachments."""
    return {
        **_common_payload(values),
        "backdated": values["backdated"],
        "over_cap": values["over_cap"],
        "sealed_at": values["sealed_at"],
        "attachments": sorted([attachment_id, name, digest] for attachment_id, name, digest in values["attachments"]),
    }


PAYLOADS = {1: payload_v1, 2: payload_v2}


def evidence_payload(version, values):
    """The payload of ``version`` for a log's ``values``: a dict of plain values (ids, strings,
    numbers; dates as strings; ``attachments``: ``(id, name, sha256)`` of each file)."""
    if version not in PAYLOADS:
        raise ValueError(f"Unknown evidence payload version {version!r}: known versions are {sorted(PAYLOADS)}.")
    return PAYLOADS[version](values)
