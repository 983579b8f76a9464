from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.common import DISPUTE_KINDS


class CreditRecoveryDispute(models.TransientModel):
    """Raise a dispute on invoices, or resolve it (Collection Managers)."""

    _name = "credit.recovery.dispute"
    _description = "Collection Dispute"

    mode = fields.Selection([("raise", "Raise"), ("resolve", "Resolve")], required=True, default="raise")
    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    kind = fields.Selection(
        DISPUTE_KINDS,
        string="Reason",
        default="not_recognised",
    )
    note = fields.Text(string="Details")
    decision = fields.Selection(
        [("valid", "Valid: stop collecting"), ("invalid", "Rejected: resume collection")],
    )
    contact_id = fields.Many2one(
        "credit.recovery.contact",
        string="Customer's Message",
        help="The message whose suggestion this dispute accepts.",
    )

    @api.model
    def _action_open(self, moves, mode):
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_dispute")
        action["context"] = {"default_move_ids": moves.ids, "default_mode": mode}
        if mode == "resolve":
            action["name"] = self.env._("Resolve Dispute")
        return action

    def action_confirm(self):
        self.ensure_one()
        moves = self.move_ids
        if self.mode == "raise":
            if not self.kind:
                raise UserError(self.env._("Choose why the customer disputes these invoices."))
            moves._recovery_open_dispute(self.kind, self.note or "")
            if self.contact_id:
                self.contact_id._check_suggestion("dispute")._accept_suggestion(self.env._("Dispute opened"))
            return {"type": "ir.actions.act_window_close"}
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can resolve a dispute."))
        if not self.decision or not (self.note or "").strip():
            raise UserError(self.env._("Choose the decision and explain it: the customer may ask why."))
        not_open = moves.filtered(lambda move: move.recovery_dispute_state != "open")
        if not_open:
            raise UserError(
                self.env._(
                    "These invoices have no dispute under review: %(invoices)s.",
                    invoices=", ".join(not_open.mapped("name")),
                )
            )
        moves.sudo().write({"recovery_dispute_state": self.decision, "recovery_dispute_resolution": self.note})
        moves.sudo().activity_feedback(["account_credit_recovery.activity_type_dispute_review"], feedback=self.note)
        for move in moves.sudo():
            if self.decision == "valid":
                body = self.env._(
                    "Dispute accepted: collection stays stopped. Issue a credit note to cancel what is not due. "
                    "Reason: %(reason)s",
                    reason=self.note,
                )
            else:
                body = self.env._("Dispute rejected: collection resumes. Reason: %(reason)s", reason=self.note)
            move.message_post(body=body, subtype_xmlid="mail.mt_note")
        return {"type": "ir.actions.act_window_close"}
