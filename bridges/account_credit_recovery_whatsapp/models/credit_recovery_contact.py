from odoo import api, fields, models


class CreditRecoveryContact(models.Model):
    """The automatic WhatsApp log of a collection message follows Meta's statuses: sent, delivered,
    read (the debtor opened it: a right-party signal), failed (with Meta's error code)."""

    _inherit = "credit.recovery.contact"

    delivery_state = fields.Selection(selection_add=[("read", "Read")], ondelete={"read": "set null"})
    whatsapp_message_ids = fields.One2many(
        "credit.recovery.whatsapp.message", "contact_id", string="WhatsApp Messages", readonly=True
    )

    @api.model
    def _is_automatic_vals(self, vals):
        """The run's WhatsApp messages are recorded as its e-mails and SMS are."""
        if vals.get("channel") == "whatsapp":
            return super()._is_automatic_vals(dict(vals, channel="sms"))
        return super()._is_automatic_vals(vals)

    def _mark_delivery_failed(self, failure, flag_partner=True):
        """A WhatsApp failure Meta blames on the number flags it for WhatsApp, as a failed SMS flags it for SMS."""
        to_flag = self.filtered(lambda log: log.channel == "whatsapp" and log.delivery_state != "failed")
        res = super()._mark_delivery_failed(failure, flag_partner=flag_partner)
        if flag_partner and to_flag:
            to_flag.partner_id.sudo().write({"recovery_whatsapp_failed": True})
        return res
