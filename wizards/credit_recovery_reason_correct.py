from odoo import fields, models


class CreditRecoveryReasonCorrect(models.TransientModel):
    """Give the right non-payment reason of a log's text: it corrects the suggestion (or stands
    where there was none) and teaches the next fit."""

    _name = "credit.recovery.reason.correct"
    _description = "Correct the Reason Read From the Text"

    contact_id = fields.Many2one("credit.recovery.contact", required=True, readonly=True, ondelete="cascade")
    notes = fields.Text(related="contact_id.notes", string="Text")
    suggested_reason_id = fields.Many2one(related="contact_id.suggested_reason_id")
    reason_id = fields.Many2one(
        "credit.recovery.nonpayment.reason", string="Non-payment Reason", required=True, ondelete="cascade"
    )

    def action_apply(self):
        self.ensure_one()
        self.contact_id._check_text_reason()._set_text_reason(self.reason_id)
        return {"type": "ir.actions.act_window_close"}
