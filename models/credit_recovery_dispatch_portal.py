"""The message's personal link and PIX code, read by its templates."""

from odoo import api, fields, models


class CreditRecoveryDispatchPortal(models.Model):
    """The debtor's link to the self-service page and the PIX code of the amount the message claims."""

    _inherit = "credit.recovery.dispatch"

    portal_url = fields.Char(string="Personal Link", compute="_compute_portal_values")
    portal_pix_code = fields.Char(string="PIX Code", compute="_compute_portal_values")

    @api.depends("debtor_id", "amount_due")
    def _compute_portal_values(self):
        """The debtor's personal link and the PIX code of the amount the message claims (one
        ``_pix_codes`` for the batch)."""
        links = self.env["credit.recovery.portal.token"]._get_or_create_tokens(self.debtor_id._origin)
        Portal = self.env["credit.recovery.portal"]
        charges = dict(zip(self, self._pix_charges(), strict=True))
        codes = {}
        for company in self.company_id:
            dispatches = self.filtered(lambda dispatch, company=company: dispatch.company_id == company)
            batch = [charges[dispatch] for dispatch in dispatches]
            found = Portal._pix_codes(company, [charge[:2] for charge in batch], [charge[2] for charge in batch])
            codes.update(zip(dispatches, found, strict=True))
        for dispatch in self:
            link = links.get(dispatch.debtor_id._origin.id)
            dispatch.portal_url = link.url if link else False
            dispatch.portal_pix_code = codes.get(dispatch, False)

    def _pix_charges(self):
        """``[(amount, reference, claim)]``, one per message in order: what its PIX code asks.

        ``claim`` (``credit.recovery.portal._pix_claim``) says what a queued message claims today:
        the debtor's claimed installments with today's fine and interest, or for a reminder the
        installments falling due; ``None`` once the message went out (what it claimed is history).
        """
        Portal = self.env["credit.recovery.portal"]
        queued = self.filtered(lambda dispatch: dispatch.state == "queued")
        claims = queued.debtor_id._origin._get_claims() if queued else {}
        Line = self.env["account.move.line"]
        charges = []
        for dispatch in self:
            claim = None
            if dispatch in queued and dispatch.debtor_id:
                debtor_claim = claims.get(dispatch.debtor_id._origin.id)
                if debtor_claim and debtor_claim.total > 0:
                    lines = Line.browse(line.key for line in debtor_claim.lines)
                else:
                    dues = {(move.id, due) for move, due in dispatch._installment_actions()}
                    lines = dispatch.action_ids.move_id.line_ids.filtered(
                        lambda line, dues=dues: (
                            line.account_type == "asset_receivable"
                            and not line.reconciled
                            and (line.move_id.id, line.date_maturity) in dues
                        )
                    )
                claim = Portal._pix_claim(dispatch.debtor_id._origin, lines) if lines else None
            charges.append((dispatch.amount_due, dispatch.name or "", claim))
        return charges
