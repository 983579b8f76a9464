"""The one amount claimed from a debtor on a day (``tools.claim``), read by every channel."""

from contextlib import contextmanager

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.claim import Claim, build_claim

CLAIMS_MEMO = "account_credit_recovery.claims"


class CreditRecoveryDebtorClaim(models.Model):
    _inherit = "credit.recovery.debtor"

    def _compute_claimable(self):
        """The invoices and the amount claimed today: :meth:`_get_claims`."""
        claims = self._origin._get_claims()
        for debtor in self:
            claim = claims.get(debtor._origin.id)
            moves = list(claim.by_move()) if claim else []
            debtor.claimable_invoice_ids = [fields.Command.set([move.id for move in moves])]
            debtor.amount_claimable = float(claim.total) if claim else 0.0

    @api.model
    def _get_policy_rates(self, company):
        policy = self.env["credit.recovery.policy"].sudo()._get_company_policies(company).get(company.id)
        return (policy.fine_percent, policy.interest_percent_month) if policy else (0, 0)

    def _get_claims(self, today=None):
        """``{debtor id: tools.claim.Claim}``: what is claimed from each debtor on ``today``.

        The one place the claimed amount comes from (e-mail, SMS, WhatsApp text, letter, the
        self-service page and their PIX codes): the installments already due of the invoices a
        message may claim today (never a disputed, promised, excluded, prescribed or
        agreement-covered one), with the fine and interest of ``tools.late_fees``. An installment
        not due yet is never claimed. Three queries, whatever the number of debtors.

        Within :meth:`_claims_remembered` (a delivery batch), each debtor's claim of a day is
        computed once and shared by the decision, the e-mail's rows and the PIX codes.
        """
        today = today or fields.Date.context_today(self)
        memo = self.env.cr.cache.get(CLAIMS_MEMO)
        if memo is not None:
            known = memo.setdefault((today, self.env.uid, self.env.su), {})
            missing = self.browse(debtor_id for debtor_id in self.ids if debtor_id not in known)
            if missing:
                known.update(missing._fetch_claims(today))
            return {debtor_id: known[debtor_id] for debtor_id in self.ids}
        return self._fetch_claims(today)

    @api.model
    @contextmanager
    def _claims_remembered(self):
        """Within the block, :meth:`_get_claims` computes each debtor's claim of a day once: for a
        delivery batch, whose steps (decision, rendering, PIX codes) read the same claims while
        nothing they depend on changes. Nested blocks share the outer one's memo."""
        if CLAIMS_MEMO in self.env.cr.cache:
            yield
            return
        self.env.cr.cache[CLAIMS_MEMO] = {}
        try:
            yield
        finally:
            self.env.cr.cache.pop(CLAIMS_MEMO, None)

    def _fetch_claims(self, today):
        """:meth:`_get_claims` computed (three queries)."""
        claims = {debtor_id: Claim(today) for debtor_id in self.ids}
        claimable = self.env["credit.recovery.action"]._claims_by_debtor(self.ids, today=today)
        move_ids = [move_id for moves in claimable.values() for move_id in moves]
        if not move_ids:
            return claims
        rows = self.env.execute_query(
            SQL(
                """SELECT m.recovery_debtor_id, m.id, l.id, l.amount_residual,
                          COALESCE(l.date_maturity, m.invoice_date_due)
                     FROM account_move_line l
                     JOIN account_move m ON m.id = l.move_id
                     JOIN account_account a ON a.id = l.account_id
                    WHERE m.id = ANY(%(moves)s) AND a.account_type = 'asset_receivable'
                      AND NOT l.reconciled AND l.amount_residual > 0
                 ORDER BY l.date_maturity, l.id""",
                moves=move_ids,
            )
        )
        by_debtor = {}
        for debtor_id, move_id, line_id, residual, due in rows:
            by_debtor.setdefault(debtor_id, []).append((line_id, move_id, residual, due))
        Move = self.env["account.move"]
        rates = {}  # one policy read per company, not per debtor
        for debtor in self.browse(list(by_debtor)):
            if debtor.company_id not in rates:
                rates[debtor.company_id] = self._get_policy_rates(debtor.company_id)
            fine, interest = rates[debtor.company_id]
            installments = [
                (line_id, Move.browse(move_id), residual, due)
                for line_id, move_id, residual, due in by_debtor[debtor.id]
            ]
            claims[debtor.id] = build_claim(
                installments, today, fine, interest, digits=debtor.company_id.currency_id.decimal_places
            )
        return claims
