"""Demo only: the collection demo's company gets a sandbox PIX provider of its own."""

from odoo import api, models


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    @api.model
    def _credit_recovery_demo_sandbox(self):
        """A copy of the sandbox provider, in test mode and published, for each company in reais with
        a collection policy and no PIX provider yet (the demo's company, created by the addon's demo):
        without one, the demo's page would show only the static code."""
        template = self.env.ref("payment_pix_api.payment_provider_pix_api", raise_if_not_found=False)
        if not template or template.pix_psp != "sandbox":
            return self
        brl = self.env.ref("base.BRL")
        companies = (
            self.env["credit.recovery.policy"]
            .sudo()
            .search([("company_id", "!=", False)])
            .company_id.filtered(lambda c: c.currency_id == brl)
        )
        covered = self.sudo().search([("code", "=", "pix_api"), ("company_id", "in", companies.ids)]).company_id
        providers = self.browse()
        for company in companies - covered:
            providers |= template.sudo().copy(
                {"company_id": company.id, "state": "test", "is_published": True, "name": template.name}
            )
        return providers
