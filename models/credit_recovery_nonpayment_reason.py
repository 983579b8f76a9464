from odoo import api, fields, models


class CreditRecoveryNonpaymentReason(models.Model):
    """Why the debtor did not pay, as the debtor tells it."""

    _name = "credit.recovery.nonpayment.reason"
    _inherit = ["credit.recovery.playbook"]
    _description = "Non-payment Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_in_logs(self):
        """Recorded logs point at their reason: deleting it would change sealed evidence."""
        self.env["credit.recovery.contact"]._check_unused_by_logs(self, "reason_id")
