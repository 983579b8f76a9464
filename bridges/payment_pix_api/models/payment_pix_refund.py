from odoo import api, fields, models
from odoo.tools import SQL

from .payment_pix_received import PIX_TZ


class PaymentPixRefund(models.Model):
    """A refund (``devolucao``) of a received PIX that the PSP settled (status DEVOLVIDO).

    One row per refund ``id`` (the id the refund was asked with, unique per PIX) and PIX; the SPI's
    ``rtrId`` is kept beside it. Applying the same refund again, from a notification or the poll,
    does nothing. Applying it reverses what it refunds: an outbound payment of the amount, matched
    with the PIX's payment, whose reconciliation with the invoices is undone and made again for
    what remains (oldest due first): the newest installments are open again.
    """

    _name = "payment.pix.refund"
    _description = "Refund of a received PIX"
    _order = "refunded_at, id"
    _rec_name = "refund_id"
    _check_company_auto = True

    received_id = fields.Many2one("payment.pix.received", required=True, readonly=True, ondelete="cascade")
    refund_id = fields.Char(string="Refund ID", required=True, readonly=True)
    rtr_id = fields.Char(string="Return ID (rtrId)", readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one(related="received_id.currency_id")
    refunded_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one(related="received_id.company_id", store=True, index=True)
    payment_id = fields.Many2one(
        "account.payment", string="Refund payment", readonly=True, index="btree_not_null", check_company=True
    )

    _sql_constraints = [
        ("refund_unique", "UNIQUE(received_id, refund_id)", "A refund is applied once."),
    ]

    @api.model
    def _pix_register(self, received, refunds):
        """Apply the settled refunds among ``refunds`` (``parse_pix``'s) of ``received`` not applied yet."""
        rows = []
        now = fields.Datetime.now()
        for item in refunds:
            if item["status"] != "DEVOLVIDO" or not item["amount"]:
                continue
            when = item["settled_at"] or item["requested_at"] or now
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    received.id,
                    item["id"],
                    item["rtr_id"][:64] or None,
                    item["amount"],
                    when,
                    received.company_id.id,
                    self.env.uid,
                    now,
                    self.env.uid,
                    now,
                )
            )
        if not rows:
            return self.browse()
        self.env.flush_all()
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """INSERT INTO payment_pix_refund (received_id, refund_id, rtr_id, amount, refunded_at, company_id,
                              create_uid, create_date, write_uid, write_date)
                       VALUES %s
                       ON CONFLICT (received_id, refund_id) DO NOTHING
                       RETURNING id""",
                    SQL(", ").join(rows),
                )
            )
        ]
        refunds = self.browse(sorted(ids))
        received.invalidate_recordset(["refund_ids", "refunded_amount"])
        for refund in refunds:
            refund._pix_reverse()
        if refunds:
            refunded = sum(received.refund_ids.mapped("amount"))
            received.state = "refunded" if refunded >= received.amount else "partially_refunded"
            for refund in refunds:
                received._pix_after_refund(refund)
        return refunds

    def _pix_reverse(self):
        """Reverse what this refund returns (see the class): outbound payment, reconciliation redone."""
        self.ensure_one()
        received = self.received_id
        inbound = received.payment_id
        if not inbound or inbound.state in ("draft", "canceled"):
            return
        pay_line = inbound.move_id.line_ids.filtered(lambda line: line.account_id == inbound.destination_account_id)
        provider = received.provider_id
        method_line = inbound.journal_id.outbound_payment_method_line_ids[:1]
        refund_payment = (
            self.env["account.payment"]
            .sudo()
            .create(
                {
                    "amount": self.amount,
                    "payment_type": "outbound",
                    "partner_type": "customer",
                    "partner_id": inbound.partner_id.id,
                    "currency_id": inbound.currency_id.id,
                    "journal_id": inbound.journal_id.id,
                    "company_id": inbound.company_id.id,
                    "payment_method_line_id": method_line.id,
                    "destination_account_id": inbound.destination_account_id.id,
                    "payment_transaction_id": received.transaction_id.id,
                    "date": fields.Date.context_today(self.with_context(tz=PIX_TZ), self.refunded_at),
                    "memo": f"PIX refund {self.refund_id} of {received.end_to_end_id} ({provider.name})",
                }
            )
        )
        refund_payment.action_post()
        self.payment_id = refund_payment
        # Undo the matching with what the PIX paid (not with earlier refunds), then match the
        # refund first and what remains with the same installments, oldest due first.
        refund_lines = (received.refund_ids - self).payment_id.move_id.line_ids
        partials = (pay_line.matched_debit_ids | pay_line.matched_credit_ids).filtered(
            lambda partial: not (partial.debit_move_id | partial.credit_move_id) & refund_lines
        )
        counterparts = (partials.debit_move_id | partials.credit_move_id) - pay_line
        partials.unlink()
        refund_line = refund_payment.move_id.line_ids.filtered(
            lambda line: line.account_id == inbound.destination_account_id
        )
        (pay_line + refund_line).reconcile()
        if not pay_line.reconciled:
            for line in counterparts.sorted(lambda line: (line.date_maturity or line.date, line.id)):
                (pay_line + line).reconcile()
                if pay_line.reconciled:
                    break
