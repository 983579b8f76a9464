"""The daily run's last step also ends the restored limits and managers' overrides whose day has
passed, and brings the debtors the run did not plan to their limit (set-based)."""

from odoo import models


class CreditRecoveryRun(models.Model):
    _inherit = "credit.recovery.run"

    def _finish(self):
        res = super()._finish()
        self.env["credit.recovery.debtor"].sudo()._recovery_apply_credit_limits_daily(self.company_id)
        return res
