"""The message's personal link and PIX code, read by its templates."""

from odoo import api, fields, models


class CreditRecoveryDispatchPortal(models.Model):
    """The debtor's link to the self-service page and the PIX code of the amount the message claims."""

    _inherit = "credit.recovery.dispatch"

    portal_url = fields.Char(string="Personal Link", compute="_compute_portal_values")
    portal_pix_code = fields.Char(string="PIX Code", compute="_compute_portal_values")

    @api.depends("debtor_id", "amount_due")
    def _compute_portal_values(self):
        """The debtor's personal link and the PIX code of the amount the message claims."""
        links = self.env["credit.recovery.portal.token"]._get_or_create_tokens(self.debtor_id._origin)
        Portal = self.env["credit.recovery.portal"]
        for dispatch in self:
            link = links.get(dispatch.debtor_id._origin.id)
            dispatch.portal_url = link.url if link else False
            dispatch.portal_pix_code = Portal._pix_code(dispatch.company_id, dispatch.amount_due, dispatch.name or "")
