from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    recovery_whatsapp_failed = fields.Boolean(
        string="Collection WhatsApp Failed",
        copy=False,
        tracking=True,
        help="Meta could not deliver an automatic collection WhatsApp message to this number (not on WhatsApp, "
        "unreachable): no more are sent until the number changes.",
    )

    def write(self, vals):
        # A new number deserves a new try.
        if {"mobile", "phone"} & set(vals) and "recovery_whatsapp_failed" not in vals:
            vals = dict(vals, recovery_whatsapp_failed=False)
        return super().write(vals)
