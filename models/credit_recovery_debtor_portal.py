"""What the debtor's self-service page adds to the debtor: its personal links and the link the messages
carry, the PIX code of its total, the feedback it left. The link on the debtor form (create, copy,
send) is ``credit_recovery_debtor_portal_link.py``."""

from odoo import fields, models


class CreditRecoveryDebtorPortal(models.Model):
    """The debtor's personal links (as the messages create them) and feedback, and the PIX code of the
    amount claimed today (``amount_claimable``) with the reference the page gives its total."""

    _inherit = "credit.recovery.debtor"

    portal_token_ids = fields.One2many("credit.recovery.portal.token", "debtor_id", string="Personal Links")
    portal_url = fields.Char(string="Personal Link", compute="_compute_portal_url")
    portal_pix_code = fields.Char(
        string="PIX Code", compute="_compute_portal_pix_code", help="PIX copia e cola of the amount claimable."
    )
    portal_feedback_ids = fields.One2many("credit.recovery.portal.feedback", "debtor_id", string="Feedback")

    def _compute_portal_url(self):
        links = self.env["credit.recovery.portal.token"]._get_or_create_tokens(self._origin)
        for debtor in self:
            debtor.portal_url = links[debtor._origin.id].url if debtor._origin.id in links else False

    def _compute_portal_pix_code(self):
        claims = self._origin._get_claims()
        for debtor in self:
            debtor.portal_pix_code = debtor._portal_pix_code(debtor.amount_claimable, claims.get(debtor._origin.id))

    def _portal_pix_code(self, amount, claim=None):
        """The PIX code of ``amount`` with the reference the self-service page gives its total;
        ``claim`` (``tools.claim.Claim``): what that total is, when it is today's claimed amount."""
        self.ensure_one()
        Portal = self.env["credit.recovery.portal"]
        lines = self.env["account.move.line"].browse(line.key for line in claim.lines) if claim else None
        return Portal._pix_code(
            self.company_id,
            amount,
            self.partner_id.ref or self.display_name,
            Portal._pix_claim(self._origin, lines) if lines else None,
        )
