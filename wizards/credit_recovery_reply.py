from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.common import REPLY_CHANNELS


class CreditRecoveryReply(models.TransientModel):
    """Answer the customer from the conversation: on the channel they last wrote by, under the
    contact rules (``credit.recovery.debtor._recovery_send_reply``)."""

    _name = "credit.recovery.reply"
    _description = "Reply to the Customer"

    debtor_id = fields.Many2one("credit.recovery.debtor", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="debtor_id.partner_id")
    channel = fields.Selection("_selection_channel", required=True, default="email")
    text = fields.Text(string="Message", required=True)

    @api.model
    def _selection_channel(self):
        return [
            (value, label)
            for value, label in self.env["credit.recovery.contact"]._fields["channel"]._description_selection(self.env)
            if value in REPLY_CHANNELS
        ]

    def action_send(self):
        self.ensure_one()
        if not (self.text or "").strip():
            raise UserError(self.env._("Type the message to send."))
        self.debtor_id._recovery_send_reply(self.channel, self.text)
        return {"type": "ir.actions.act_window_close"}
