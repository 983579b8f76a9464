"""The self-service page as a contact channel: what the debtor does there is logged as an inbound contact."""

from odoo import fields, models


class CreditRecoveryContactPortal(models.Model):
    """The ``portal`` channel: each action of the debtor on the page is a sealed inbound contact log."""

    _inherit = "credit.recovery.contact"

    channel = fields.Selection(selection_add=[("portal", "Self-service page")], ondelete={"portal": "set default"})
