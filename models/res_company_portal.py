"""The company's payment instructions, shown on the debtor's self-service page."""

from odoo import fields, models


class ResCompanyPortal(models.Model):
    """What the self-service page tells the debtor when it has no PIX code nor online payment to offer."""

    _inherit = "res.company"

    recovery_payment_instructions = fields.Text(
        string="Payment Instructions",
        translate=True,
        help="Shown on the debtor's self-service page when neither a PIX code nor online payment is available.",
    )
