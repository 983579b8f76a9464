from odoo import api, fields, models
from odoo.exceptions import ValidationError

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class CreditRecoveryContactWindow(models.Model):
    """One weekday interval in which a policy allows contacting debtors (debtor's time zone)."""

    _name = "credit.recovery.contact.window"
    _description = "Collection Contact Window"
    _order = "policy_id, dayofweek, hour_from"

    policy_id = fields.Many2one("credit.recovery.policy", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    dayofweek = fields.Selection(WEEKDAYS, string="Day of Week", required=True, default="0")
    hour_from = fields.Float(string="From", required=True, default=8.0)
    hour_to = fields.Float(string="To", required=True, default=20.0)

    @api.constrains("hour_from", "hour_to")
    def _check_hours(self):
        for window in self:
            if not 0 <= window.hour_from < window.hour_to <= 24:
                raise ValidationError(
                    self.env._(
                        "Contact window on %(day)s: the start must be before the end, both between 00:00 and 24:00.",
                        day=dict(self._fields["dayofweek"]._description_selection(self.env))[window.dayofweek],
                    )
                )
