"""The limit a debtor of this profile gets back when its credit is restored."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.credit_limit import RestoredRule


class CreditRecoveryProfile(models.Model):
    _inherit = "credit.recovery.profile"

    credit_restored_percent = fields.Float(
        string="Restored Limit (% of normal)",
        default=100.0,
        digits=(5, 2),
        help="Share of the customer's normal credit limit given back when the credit is restored.",
    )
    credit_restored_days = fields.Integer(
        string="Restored Limit For (days)",
        help="Days the restored limit lasts before the customer's normal limit comes back (0: the normal limit at "
        "once).",
    )
    credit_restored_amount = fields.Monetary(
        string="Restored Limit Without a Normal Limit",
        help="The restored limit of a customer who had no credit limit (0: no limit either).",
    )

    @api.constrains("credit_restored_percent", "credit_restored_days", "credit_restored_amount")
    def _check_credit_restored(self):
        for profile in self:
            if (
                not 0 <= profile.credit_restored_percent <= 100
                or profile.credit_restored_days < 0
                or profile.credit_restored_amount < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Profile %(profile)s: the restored limit is a percentage between 0 and 100, its days and "
                        "amount cannot be negative.",
                        profile=profile.name,
                    )
                )

    def _credit_restored_rule(self):
        if not self:
            return RestoredRule()
        self.ensure_one()
        return RestoredRule(self.credit_restored_percent, self.credit_restored_days, self.credit_restored_amount)
