"""The contact log's payload versions, tested without a database: each builder is held to the
digest its release computed, for a seal is never rewritten and a payload change adds a version."""

from odoo.tests import tagged

from ..tools.evidence import EVIDENCE_VERSION, PAYLOADS, evidence_hash, evidence_payload, sha256_hex
from .common import PureCase

# One log's values as ``credit.recovery.contact._evidence_values`` reads them.
VALUES = {
    "id": 41,
    "company": 1,
    "partner": 9,
    "invoices": [31, 33],
    "date": "2026-11-20 14:05:00",
    "channel": "phone",
    "direction": "outbound",
    "agent": 6,
    "phone_number": "+5511992223334",
    "outcome": 3,
    "reason": 0,
    "notes": "Prometeu pagar sexta; não há nada em aberto",
    "call_duration": 4.5,
    "recording_ref": "",
    "next_action_date": "2026-11-27",
    "promise": [300.0, "2026-12-01"],
    "correction_of": 0,
    "correction_reason": "",
    "override": [0, ""],
    "automatic": False,
    "backdated": True,
    "over_cap": False,
    "sealed_at": "2026-11-21 09:00:01",
    "attachments": [
        (77, "comprovante.pdf", sha256_hex(b"%PDF-1.4 pago")),
        (12, "áudio.txt", sha256_hex("Alô")),
    ],
}
# The digests of that log as released: computed by ``_evidence_payload`` of 18.0.1.2.0 (commit
# d40cc9c) and of 18.0.1.3.0 (before payload versions), on a record holding these values.
RELEASED_DIGESTS = {
    1: "d230228058987a187f824b3cb52179fab2a74d39fefa282de3bb210b6fd5975b",
    2: "adc9b0fdd307d8532658176d10295ebb475a8e06e7e76371e7be6bf3fe8cd379",
}


@tagged("post_install", "-at_install")
class TestPureEvidence(PureCase):
    def test_each_version_gives_the_digest_its_release_gave(self):
        assert set(PAYLOADS) == set(RELEASED_DIGESTS) | {EVIDENCE_VERSION}, "a new version: add its digest here"
        for version, digest in RELEASED_DIGESTS.items():
            assert evidence_hash(evidence_payload(version, VALUES)) == digest, f"payload v{version} was edited"

    def test_new_logs_are_sealed_with_the_latest_version(self):
        assert max(PAYLOADS) == EVIDENCE_VERSION

    def test_version_1_ignores_what_it_did_not_cover(self):
        later = {
            **VALUES,
            "backdated": False,
            "over_cap": True,
            "sealed_at": "2026-12-07 10:00:00",
            # Frozen copies: new ids, same names and content.
            "attachments": [(501, name, digest) for _id, name, digest in VALUES["attachments"]],
        }
        assert evidence_hash(evidence_payload(1, later)) == RELEASED_DIGESTS[1]
        assert evidence_hash(evidence_payload(2, later)) != RELEASED_DIGESTS[2]

    def test_every_version_covers_the_log_content(self):
        for version in PAYLOADS:
            for key, value in (("notes", "Prometeu pagar sábado"), ("promise", [30.0, "2026-12-01"])):
                changed = evidence_hash(evidence_payload(version, {**VALUES, key: value}))
                assert changed != evidence_hash(evidence_payload(version, VALUES)), (version, key)
            renamed = [(_id, "recibo.pdf", digest) for _id, _name, digest in VALUES["attachments"]]
            assert (
                evidence_hash(evidence_payload(version, {**VALUES, "attachments": renamed}))
                != RELEASED_DIGESTS[version]
            )

    def test_an_unknown_version_is_refused(self):
        for version in (0, None, EVIDENCE_VERSION + 1):
            try:
                evidence_payload(version, VALUES)
            except ValueError as error:
                assert "Unknown evidence payload version" in str(error)
            else:
                raise AssertionError(f"version {version!r} accepted")
