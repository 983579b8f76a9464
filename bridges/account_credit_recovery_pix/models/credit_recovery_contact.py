"""A PIX received is a contact the debtor made: an inbound, sealed contact log of its own channel.
The WhatsApp text hands the debtor its PIX code: it makes its claim's charge at the PSP."""

from odoo import api, fields, models


class CreditRecoveryContact(models.Model):
    _inherit = "credit.recovery.contact"

    channel = fields.Selection(selection_add=[("pix", "PIX payment")], ondelete={"pix": "set default"})

    @api.model
    def _action_whatsapp(self, debtor, invoices=None, text=None):
        contacts = self.with_context(recovery_pix_charge=True)
        return super(CreditRecoveryContact, contacts)._action_whatsapp(
            debtor.with_context(recovery_pix_charge=True), invoices, text
        )
