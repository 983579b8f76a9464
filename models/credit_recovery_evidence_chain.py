from psycopg2 import errors

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

from ..tools.sql import audit_columns, audit_values


class CreditRecoveryEvidenceChain(models.Model):
    """The head of a company's evidence ledger: the last sealed contact log's position and digest.

    Each sealed log's digest covers the digest of the log sealed before it in the same
    company (as Odoo's inalterable hash does for journal entries), so a deleted, inserted or
    reordered log breaks the chain. This row is also the lock that serialises the sealing
    of a company's logs, and it tells a missing *last* log apart from the end of the chain.
    Only the sealing writes it (by SQL, under that lock).
    """

    _name = "credit.recovery.evidence.chain"
    _description = "Evidence Ledger Head"
    _rec_name = "company_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    sequence = fields.Integer(string="Last Entry", readonly=True)
    head_hash = fields.Char(string="Head Digest (SHA-256)", readonly=True)

    _sql_constraints = [
        ("company_unique", "unique(company_id)", "A company has one evidence ledger."),
    ]

    @api.model
    def _lock_heads(self, companies):
        """``{company_id: (sequence, head_hash)}`` of ``companies``, locked until the end of the
        transaction; ``None`` when another transaction holds or has just moved one of them.

        Two transactions never append to the same ledger: the second one does not wait, its
        logs are appended by the next transaction that gets the lock.
        """
        self.flush_model()
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                self.env.cr.execute(
                    SQL(
                        """
                        INSERT INTO credit_recovery_evidence_chain (company_id, sequence, %(audit_columns)s)
                        SELECT company_id, 0, %(audit_values)s
                          FROM unnest(%(companies)s::int[]) AS company_id
                        ON CONFLICT (company_id) DO NOTHING
                        """,
                        companies=companies.ids,
                        audit_columns=audit_columns(),
                        audit_values=audit_values(self.env.uid),
                    )
                )
                rows = self.env.execute_query(
                    SQL(
                        """
                        SELECT company_id, sequence, COALESCE(head_hash, '')
                          FROM credit_recovery_evidence_chain
                         WHERE company_id = ANY(%(companies)s)
                         ORDER BY company_id
                           FOR UPDATE NOWAIT
                        """,
                        companies=companies.ids,
                    )
                )
        except (errors.LockNotAvailable, errors.SerializationFailure):
            return None
        self.invalidate_model()
        return {company_id: (sequence, head) for company_id, sequence, head in rows}

    @api.model
    def _move_heads(self, heads):
        """Store ``{company_id: (sequence, head_hash)}`` (rows locked by ``_lock_heads``)."""
        if not heads:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE credit_recovery_evidence_chain chain
                   SET sequence = head.sequence, head_hash = head.hash, write_date = now() AT TIME ZONE 'UTC'
                  FROM unnest(%(companies)s::int[], %(sequences)s::int[], %(hashes)s::varchar[])
                       AS head(company_id, sequence, hash)
                 WHERE chain.company_id = head.company_id
                """,
                companies=list(heads),
                sequences=[sequence for sequence, _head in heads.values()],
                hashes=[head for _sequence, head in heads.values()],
            )
        )
        self.invalidate_model()

    @api.model
    def _get_heads(self, companies):
        """``{company_id: (sequence, head_hash)}`` as stored (``(0, '')`` for an empty ledger)."""
        heads = dict.fromkeys(companies.ids, (0, ""))
        for chain in self.sudo().search([("company_id", "in", companies.ids)]):
            heads[chain.company_id.id] = (chain.sequence, chain.head_hash or "")
        return heads
