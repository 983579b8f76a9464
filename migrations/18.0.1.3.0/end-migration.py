"""18.0.1.3.0 (end of the upgrade): the contact logs form an evidence ledger per company (issue 12).

The digest of a log now also covers the moment it was recorded, its backdated and over-cap
flags and the frozen copies of its attachments; a ledger digest chains it to the log
recorded before it. Existing logs are checked against their former digest first (those that
no longer match are reported, not silently re-sealed as if intact), then their attachments
are frozen, their digests recomputed and the logs chained, oldest first.
"""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.account_credit_recovery.tools.evidence import evidence_hash, sha256_hex

_logger = logging.getLogger(__name__)

NEW_KEYS = ("backdated", "over_cap", "sealed_at")


def _former_digest(contact):
    payload = {key: value for key, value in contact._evidence_payload().items() if key not in NEW_KEYS}
    payload["attachments"] = sorted(
        [attachment.name, sha256_hex(attachment.raw or b"")] for attachment in contact.attachment_ids.sudo()
    )
    return evidence_hash(payload)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    contacts = env["credit.recovery.contact"].search(
        [("evidence_hash", "!=", False), ("evidence_sequence", "=", False)], order="sealed_at, id"
    )
    if not contacts:
        return
    altered = contacts.filtered(lambda contact: contact.evidence_hash != _former_digest(contact))
    if altered:
        _logger.warning(
            "Contact logs %s no longer matched their digest before the evidence ledger was built: "
            "they are chained as they are now; investigate them.",
            altered.ids,
        )
    contacts._freeze_attachments()
    for contact in contacts:
        contact._write_workflow({"evidence_hash": evidence_hash(contact._evidence_payload())})
    contacts.flush_model()
    contacts._chain(contacts.company_id)
    _logger.info("Evidence ledger built for %s contact logs.", len(contacts))
