import logging
from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..tools.evidence import EVIDENCE_VERSION, evidence_hash, evidence_payload, ledger_hash, sha256_hex
from ..tools.sql import batch_update

_logger = logging.getLogger(__name__)


class CreditRecoveryContact(models.Model):
    """A contact log as evidence: the digest of its content (seal) and the payload version it
    covers, the company's evidence ledger that chains the digests (``credit.recovery.evidence.chain``
    keeps the head), the frozen attachments, and the checks that find what was changed afterwards.

    A seal is never rewritten; a payload change adds a version (``tools/evidence.py``)."""

    _inherit = "credit.recovery.contact"

    def _evidence_values(self):
        """The log's stored values a digest may cover, as plain values (see ``tools.evidence``):
        the ids it points to (not their names, which may be renamed legitimately afterwards) and
        the frozen copies of its attachments."""
        self.ensure_one()
        return {
            "id": self.id,
            "company": self.company_id.id,
            "partner": self.partner_id.id,
            "invoices": sorted(self.invoice_ids.ids),
            "date": fields.Datetime.to_string(self.date),
            "channel": self.channel,
            "direction": self.direction,
            "agent": self.user_id.id,
            "phone_number": self.phone_number or "",
            "outcome": self.outcome_id.id or 0,
            "reason": self.reason_id.id or 0,
            "notes": self.notes or "",
            "call_duration": self.call_duration,
            "recording_ref": self.recording_ref or "",
            "next_action_date": fields.Date.to_string(self.next_action_date) if self.next_action_date else "",
            "promise": [self.promise_amount, fields.Date.to_string(self.promise_date) if self.promise_date else ""],
            "correction_of": self.correction_of_id.id or 0,
            "correction_reason": self.correction_reason or "",
            "override": [self.override_user_id.id or 0, self.override_justification or ""],
            "automatic": self.is_automatic,
            "backdated": self.is_backdated,
            "over_cap": self.is_over_cap,
            "sealed_at": fields.Datetime.to_string(self.sealed_at) if self.sealed_at else "",
            "attachments": [
                (attachment.id, attachment.name, sha256_hex(attachment.raw or b""))
                for attachment in self.attachment_ids.sudo()
            ],
        }

    def _evidence_payload(self, version=None):
        """The content the log's digest covers, in the payload version it was sealed with (a log
        not sealed yet: the current one). A seal is never rewritten; a payload change adds a
        version (see ``tools.evidence``). The log's place in the company's ledger is sealed by
        the ledger digest."""
        self.ensure_one()
        return evidence_payload(version or self.evidence_version or EVIDENCE_VERSION, self._evidence_values())

    def _seal(self):
        """Freeze the attachments, seal each log's content, and chain the logs into their
        company's evidence ledger (see ``_chain``)."""
        if not self:
            return
        self._freeze_attachments()
        # The seal's moment, payload version, digest and ledger entry in one UPDATE: the moment
        # and the version go in the cache first, for the digest covers the one and follows the other.
        sealed_at = fields.Datetime.now()
        self.env.cache.update(self, self._fields["sealed_at"], [sealed_at] * len(self))
        self.env.cache.update(self, self._fields["evidence_version"], [EVIDENCE_VERSION] * len(self))
        self._chain(
            self.company_id,
            sealed={
                contact.id: {
                    "sealed_at": fields.Datetime.to_string(sealed_at),
                    "evidence_version": EVIDENCE_VERSION,
                    "evidence_hash": evidence_hash(contact._evidence_payload()),
                }
                for contact in self
            },
        )

    def _write_column_values(self, values):
        """``{log id: {column: value}}`` of the seal and the ledger, written in one UPDATE for
        the batch (a collection run records hundreds of logs at once; the ORM would write them
        one row at a time, each with its own values). A column a log's values leave out keeps
        its value."""
        if not values:
            return
        columns = sorted({column for vals in values.values() for column in vals})
        self.env.flush_all()
        types = {"evidence_sequence": "int", "evidence_version": "int", "sealed_at": "timestamp"}
        self.env.cr.execute(batch_update(self._table, values, types))
        self.browse(list(values)).invalidate_recordset(columns)

    @api.model
    def _chain(self, companies, sealed=None):
        """Append the sealed logs of ``companies`` not yet in their ledger, oldest first.

        Each entry's ledger digest covers the previous entry's, as Odoo's inalterable hash
        does for journal entries. The ledger head is locked without waiting: when another
        transaction is appending to the same ledger, the logs stay sealed and wait for the
        next append (a collection run's workers never block each other). Logs whose content
        no longer matches their digest are never chained. Returns whether it could append.

        ``sealed``: ``{log id: {"sealed_at", "evidence_hash"}}`` of the logs of ``self`` sealed
        just now and not written yet; they come after the others and are written with their
        entries, in the same UPDATE.
        """
        sealed = sealed or {}
        chains = self.env["credit.recovery.evidence.chain"].sudo()
        heads = chains._lock_heads(companies)
        if heads is None:
            self._write_column_values(sealed)
            return False
        pending = self.sudo().search(
            [("company_id", "in", companies.ids), ("evidence_hash", "!=", False), ("evidence_sequence", "=", False)],
            order="sealed_at, id",
        )
        pending -= (pending - self)._get_tampered()  # ``self``: the logs sealed just now
        hashes = {contact.id: contact.evidence_hash for contact in pending}
        pending |= self.browse(sorted(sealed))
        hashes.update((contact_id, vals["evidence_hash"]) for contact_id, vals in sealed.items())
        values = {}
        for contact in pending:
            sequence, previous = heads[contact.company_id.id]
            digest = ledger_hash(previous, hashes[contact.id], sequence + 1)
            values[contact.id] = {
                **sealed.get(contact.id, {}),
                "evidence_sequence": sequence + 1,
                "evidence_previous_hash": previous,
                "evidence_ledger_hash": digest,
            }
            heads[contact.company_id.id] = (sequence + 1, digest)
        self._write_column_values(values)
        chains._move_heads(heads)
        return True

    @api.model
    def _adopt_former_seals(self, version):
        """At an upgrade, chain the logs sealed before the evidence ledger existed, their digests
        as they are: a seal is never rewritten (dossiers printed before carry these digests).

        The logs sealed and not chained that have no payload version yet get ``version`` (the
        payload their release sealed them with), are checked against it, and those that no
        longer match are flagged *altered before the upgrade* (for good: *Verify Evidence* and
        the dossier name them). Their attachments are frozen (copies with the same name and
        content: the digest does not change), and all of them are chained, oldest first,
        altered ones included, so the ledger covers the digests as they were sealed.
        Returns the altered logs (and names them in the server log)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM credit_recovery_contact
                 WHERE evidence_hash IS NOT NULL AND evidence_sequence IS NULL AND evidence_version IS NULL
                 ORDER BY id
                """
            )
        )
        contacts = self.sudo().browse(row[0] for row in rows)
        if not contacts:
            return contacts
        contacts._write_column_values({contact.id: {"evidence_version": version} for contact in contacts})
        altered = contacts._get_tampered()
        altered._write_workflow({"evidence_altered_before_upgrade": True})
        if altered:
            _logger.warning(
                "Contact logs %s no longer matched their digest when the evidence ledger was built: they were "
                "changed before the upgrade. They keep their digest and are flagged as altered.",
                altered.ids,
            )
        contacts._freeze_attachments()
        contacts._chain(contacts.company_id)
        return altered

    def _freeze_attachments(self):
        """Replace the logs' attachments by copies owned by the log: sealed with it, and out of
        reach of whoever uploaded the originals (see ``ir.attachment``)."""
        originals = [(contact, attachment) for contact in self for attachment in contact.attachment_ids.sudo()]
        if not originals:
            return
        copies = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": attachment.name,
                        "raw": attachment.raw,
                        "mimetype": attachment.mimetype,
                        "description": attachment.description,
                        "res_model": self._name,
                        "res_id": contact.id,
                        "company_id": contact.company_id.id,
                    }
                    for contact, attachment in originals
                ]
            )
        )
        by_contact = defaultdict(list)
        for (contact, _attachment), copy in zip(originals, copies, strict=True):
            by_contact[contact].append(copy.id)
        for contact, copy_ids in by_contact.items():
            contact._write_workflow({"attachment_ids": [Command.set(copy_ids)]})

    def _get_tampered(self):
        """The sealed logs whose content no longer matches their digest (as stored: read afresh),
        each recomputed with the payload version it was sealed with."""
        if not self:
            return self
        self.env.invalidate_all()
        return self.filtered(
            lambda contact: (
                contact.evidence_hash and contact.evidence_hash != evidence_hash(contact._evidence_payload())
            )
        )

    @api.model
    def _get_ledger_breaks(self, companies):
        """What breaks the ledgers of ``companies``, without reading the logs' content (SQL only).

        ``[(kind, log_id, detail)]``: ``missing`` entries (``detail``: first and last position;
        ``log_id``: the log after the gap), ``missing_end`` (the last entries: ``log_id`` is the
        last log left, or 0), ``inserted`` logs (recorded but never sealed, or beyond the head),
        ``moved`` logs (not chained to the entry before them, ``detail``: their position),
        ``modified`` entries (ledger digest rewritten, or the last one is not the head) and
        ``pending`` logs (sealed, not yet appended). Which contents changed is
        ``_get_tampered``'s job.
        """
        if not companies:
            return []
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                WITH ledger AS (
                    SELECT id, company_id, state, evidence_hash, evidence_sequence, evidence_previous_hash,
                           evidence_ledger_hash,
                           LAG(evidence_sequence) OVER chain AS previous_sequence,
                           LAG(evidence_ledger_hash) OVER chain AS previous_hash
                      FROM credit_recovery_contact
                     WHERE company_id = ANY(%(companies)s)
                       AND (evidence_sequence IS NOT NULL OR evidence_hash IS NOT NULL OR state = 'logged')
                    WINDOW chain AS (PARTITION BY company_id ORDER BY evidence_sequence NULLS LAST, id)
                )
                SELECT 'unsealed', id, 0, 0 FROM ledger WHERE evidence_hash IS NULL
                UNION ALL
                SELECT 'pending', id, 0, 0 FROM ledger WHERE evidence_hash IS NOT NULL AND evidence_sequence IS NULL
                UNION ALL
                SELECT 'digest', id, evidence_sequence, 0
                  FROM ledger
                 WHERE evidence_sequence IS NOT NULL
                   AND evidence_ledger_hash IS DISTINCT FROM encode(sha256(convert_to(
                        COALESCE(evidence_previous_hash, '') || COALESCE(evidence_hash, '') || evidence_sequence::text,
                        'UTF8')), 'hex')
                UNION ALL
                SELECT 'gap', id, COALESCE(previous_sequence, 0) + 1, evidence_sequence - 1
                  FROM ledger
                 WHERE evidence_sequence IS NOT NULL AND evidence_sequence > COALESCE(previous_sequence, 0) + 1
                UNION ALL
                SELECT 'link', id, evidence_sequence, 0
                  FROM ledger
                 WHERE evidence_sequence IS NOT NULL AND evidence_sequence <= COALESCE(previous_sequence, 0) + 1
                   AND COALESCE(evidence_previous_hash, '') IS DISTINCT FROM COALESCE(previous_hash, '')
                UNION ALL
                SELECT 'beyond', ledger.id, ledger.evidence_sequence, 0
                  FROM ledger
                  JOIN credit_recovery_evidence_chain chain ON chain.company_id = ledger.company_id
                 WHERE ledger.evidence_sequence > chain.sequence
                UNION ALL
                SELECT CASE WHEN chain.sequence > COALESCE(last.evidence_sequence, 0) THEN 'tail' ELSE 'head' END,
                       COALESCE(last.id, 0), COALESCE(last.evidence_sequence, 0) + 1, chain.sequence
                  FROM credit_recovery_evidence_chain chain
                  LEFT JOIN LATERAL (
                        SELECT id, evidence_sequence, evidence_ledger_hash
                          FROM ledger
                         WHERE ledger.company_id = chain.company_id AND ledger.evidence_sequence <= chain.sequence
                         ORDER BY ledger.evidence_sequence DESC
                         LIMIT 1
                  ) last ON TRUE
                 WHERE chain.company_id = ANY(%(companies)s)
                   AND (
                        chain.sequence > COALESCE(last.evidence_sequence, 0)
                        OR COALESCE(chain.head_hash, '') IS DISTINCT FROM COALESCE(last.evidence_ledger_hash, '')
                   )
                """,
                companies=companies.ids,
            )
        )
        breaks = []
        for kind, log_id, first, last in rows:
            if kind == "gap":
                breaks.append(("missing", log_id, (first, last)))
            elif kind == "tail":
                breaks.append(("missing_end", log_id, (first, last)))
            elif kind == "head":
                breaks.append(("modified", log_id, last))
            elif kind == "link":
                breaks.append(("moved", log_id, first))
            elif kind == "digest":
                breaks.append(("modified", log_id, first))
            elif kind == "pending":
                breaks.append(("pending", log_id, 0))
            else:
                breaks.append(("inserted", log_id, first))
        return breaks
