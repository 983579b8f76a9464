from odoo import api, fields, models
from odoo.exceptions import UserError


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
        used = (
            self.env["credit.recovery.contact"]
            .sudo()
            .with_context(active_test=False)
            .search([("reason_id", "in", self.ids)], limit=1)
        )
        if used:
            raise UserError(
                self.env._(
                    "%(name)s is used by recorded contact logs and cannot be deleted: archive it instead.",
                    name=used.reason_id.display_name,
                )
            )
