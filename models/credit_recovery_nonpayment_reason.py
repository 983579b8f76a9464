from odoo import fields, models


class CreditRecoveryNonpaymentReason(models.Model):
    """Why the debtor did not pay, as the debtor tells it."""

    _name = "credit.recovery.nonpayment.reason"
    _description = "Non-payment Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
