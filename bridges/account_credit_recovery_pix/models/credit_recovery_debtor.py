"""What collection does the moment a debtor's payment is registered (or refunded) by PIX."""

from odoo import fields, models


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    pix_thanked_on = fields.Date(
        string="PIX Thank-you Sent On",
        readonly=True,
        copy=False,
        help="When the debtor was last thanked for settling the debt by PIX (once per settlement).",
    )

    def _recovery_pix_react(self, invoices, refunded=False):
        """As if a person had registered the payment (or its refund) now, not at the next daily run:

        - the collection state of ``invoices`` (the paid ones) and the debtors' aggregates (credit
          status: the credit comes back);
        - the queued messages drop what is paid, or are cancelled;
        - the open promises the payment keeps are kept;
        - an active agreement fully paid is done (its thank-you goes out), a done one a refund
          reopens is active again;
        - a listed debtor who paid is due for the credit-bureau removal (STJ Súmula 548);
        - a debt settled gets its thank-you, once.
        """
        today = fields.Date.context_today(self)
        debtors = self.sudo()
        states = invoices.sudo().recovery_invoice_id
        agreement_moves = debtors.agreement_ids.line_ids.move_line_id.move_id
        states |= agreement_moves.sudo().recovery_invoice_id
        if states:
            self.env.flush_all()
            self.env["account.move"].sudo()._recovery_refresh_states(states.ids)
        debtors._recovery_refresh_aggregates()
        queued = (
            self.env["credit.recovery.dispatch"]
            .sudo()
            .search([("debtor_id", "in", debtors.ids), ("state", "=", "queued")])
        )
        queued._recovery_withdraw_paid(today)
        debtors.promise_ids.filtered(lambda promise: promise.state == "open")._close_promises(today)
        agreements = debtors.agreement_ids
        if refunded:
            reopened = agreements.filtered(
                lambda agreement: agreement.state == "done" and not all(agreement.line_ids.mapped("paid"))
            )
            reopened._write_workflow({"state": "active", "done_date": False})
            return
        done = agreements.filtered(
            lambda agreement: (
                agreement.state == "active" and agreement.line_ids and all(agreement.line_ids.mapped("paid"))
            )
        )
        for agreement in done:
            agreement._mark_done(today)  # its own thank-you, and the bureau removal
        debtors.filtered(lambda debtor: debtor.bureau_state == "listed")._bureau_start_removal(today)
        debtors.filtered(lambda debtor: debtor not in done.debtor_id)._recovery_pix_thank(invoices, today)

    def _recovery_pix_thank(self, invoices, today):
        """The thank-you of a debt settled by PIX, once per settlement: sent when nothing is past due
        any more and no thank-you went out since the oldest installment just paid fell due."""
        past_due = self._get_past_due_debtor_ids(today)
        template = self.env.ref("account_credit_recovery_pix.mail_template_pix_thanks")
        oldest = {}  # debtor: the oldest due date of the installments just paid
        for line in invoices.line_ids:
            debtor = line.move_id.recovery_debtor_id
            if line.account_type == "asset_receivable" and debtor and line.date_maturity:
                oldest[debtor] = min(oldest.get(debtor, line.date_maturity), line.date_maturity)
        thanked = self.filtered(
            lambda debtor: (
                debtor.id not in past_due
                and not (debtor.pix_thanked_on and debtor.pix_thanked_on >= oldest.get(debtor, today))
            )
        )
        if not thanked:
            return
        # One composer for the batch (``message_post_with_source`` makes one per record): each
        # debtor's message rendered in its language, to its partner (the template's recipient).
        composer = (
            self.env["mail.compose.message"]
            .with_context(
                default_composition_mode="comment",
                default_model=self._name,
                default_res_ids=thanked.ids,
                default_template_id=template.id,
            )
            .create({"message_type": "notification", "subtype_id": self.env.ref("mail.mt_comment").id})
        )
        composer._action_send_mail()
        thanked.pix_thanked_on = today
