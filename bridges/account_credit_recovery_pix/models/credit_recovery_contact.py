"""A PIX received is a contact the debtor made: an inbound, sealed contact log of its own channel."""

from odoo import fields, models


class CreditRecoveryContact(models.Model):
    _inherit = "credit.recovery.contact"

    channel = fields.Selection(selection_add=[("pix", "PIX payment")], ondelete={"pix": "set default"})
