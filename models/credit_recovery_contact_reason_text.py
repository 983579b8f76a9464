from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_round

from ..tools import reason_text
from .common import TEXT_REASON_STATES

# The log's flag field of each flag read from the text.
FLAG_FIELDS = {
    reason_text.FLAG_UNEMPLOYMENT: "flag_unemployment",
    reason_text.FLAG_ALREADY_PAID: "flag_already_paid",
    reason_text.FLAG_NOT_RECOGNISED: "flag_not_recognised",
    reason_text.FLAG_FRAUD: "flag_fraud_suspected",
}


class CreditRecoveryContact(models.Model):
    """The non-payment reason read from a log's text (the agent's notes, the debtor's message):
    a suggestion with its confidence, from the company's model
    (``credit.recovery.reason.model``), that the agent confirms or corrects, and the flags the
    text raises. Stored beside the sealed log, never in it: the reason an agent chose on the log
    stays as chosen, and the one confirmed from the text is ``text_reason_id``, a label for the
    next fit."""

    _inherit = "credit.recovery.contact"

    suggested_reason_id = fields.Many2one(
        "credit.recovery.nonpayment.reason",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The non-payment reason the log's text suggests, learnt from the company's labelled logs.",
    )
    suggested_reason_confidence = fields.Float(
        string="Confidence",
        readonly=True,
        copy=False,
        help="How likely the suggested reason is, as the model reckons it from the words of the text.",
    )
    text_reason_id = fields.Many2one(
        "credit.recovery.nonpayment.reason",
        string="Reason From the Text",
        readonly=True,
        copy=False,
        ondelete="restrict",
        index="btree_not_null",
        help="The non-payment reason an agent confirmed or corrected from the log's text: it counts in the "
        "reasons analysis and teaches the next fit.",
    )
    text_reason_state = fields.Selection(TEXT_REASON_STATES, string="Reason Check", readonly=True, copy=False)
    flag_unemployment = fields.Boolean(
        string="Says Unemployed", readonly=True, copy=False, help="The text says the debtor lost their job or income."
    )
    flag_already_paid = fields.Boolean(string="Says Already Paid", readonly=True, copy=False)
    flag_not_recognised = fields.Boolean(string="Does Not Recognise the Debt", readonly=True, copy=False)
    flag_fraud_suspected = fields.Boolean(
        string="Fraud Suspected",
        readonly=True,
        copy=False,
        help="The text speaks of a scam, a cloned card or someone else using the debtor's name.",
    )

    def action_confirm_text_reason(self):
        """The suggested reason is right: it becomes the log's reason from the text."""
        contact = self._check_text_reason()
        if not contact.suggested_reason_id:
            raise UserError(self.env._("This log has no suggested reason to confirm."))
        contact._set_text_reason(contact.suggested_reason_id)
        return True

    def action_correct_text_reason(self):
        """Choose the right reason (or give one to a text without a suggestion)."""
        contact = self._check_text_reason()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reason From the Text"),
            "res_model": "credit.recovery.reason.correct",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_contact_id": contact.id, "default_reason_id": contact.suggested_reason_id.id},
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _record(self):
        res = super()._record()
        self._read_reasons_from_text()
        return res

    def _read_reasons_from_text(self):
        """Flags and suggested reason of the agents' logs and the debtors' messages just recorded
        (the run's own messages are its templates: nothing to read). A reason is suggested only
        where no reason was chosen, and only by a company model that suggests."""
        logs = self.filtered(lambda contact: not contact.is_automatic and (contact.notes or "").strip())
        if not logs:
            return
        weights = self.env["credit.recovery.reason.model"]._weights_by_company(logs.company_id)
        active = set(self.env["credit.recovery.nonpayment.reason"].sudo().search([("active", "=", True)]).ids)
        by_vals = defaultdict(self.browse)
        for log in logs:
            vals = {FLAG_FIELDS[flag]: True for flag in reason_text.flags(log.notes)}
            if not log.reason_id and log.company_id.id in weights:
                label, confidence = reason_text.suggest(weights[log.company_id.id], log.notes)
                if label and int(label) in active:
                    vals.update(
                        suggested_reason_id=int(label),
                        suggested_reason_confidence=float_round(confidence, 4),
                        text_reason_state="pending",
                    )
            if vals:
                by_vals[tuple(sorted(vals.items()))] |= log
        for vals, group in by_vals.items():
            group._write_workflow(dict(vals))

    def _check_text_reason(self):
        """The one recorded log whose reason from the text an agent may confirm or correct."""
        self.ensure_one()
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_agent"):
            raise AccessError(self.env._("Only collection agents can confirm the reason of a log."))
        self.check_access("read")
        if self.state != "logged":
            raise UserError(self.env._("Choose the reason on the log itself while it awaits its outcome."))
        if self.reason_id:
            raise UserError(self.env._("The agent chose this log's reason: it stays as chosen."))
        if self.text_reason_state in ("confirmed", "corrected", "given"):
            raise UserError(self.env._("The reason of this log was already confirmed."))
        if not (self.notes or "").strip():
            raise UserError(self.env._("This log has no text to read a reason from."))
        return self

    def _set_text_reason(self, reason):
        """Record ``reason`` as the log's reason from the text, said on the debtor's chatter."""
        self.ensure_one()
        suggested = self.suggested_reason_id
        state = "given" if not suggested else ("confirmed" if reason == suggested else "corrected")
        self._write_workflow({"text_reason_id": reason.id, "text_reason_state": state})
        if state == "corrected":
            body = self.env._(
                "Non-payment reason of log #%(log)s corrected to %(reason)s (suggested: %(suggested)s) by %(agent)s.",
                log=self.id,
                reason=reason.name,
                suggested=suggested.name,
                agent=self.env.user.name,
            )
        else:
            body = self.env._(
                "Non-payment reason of log #%(log)s read from its text: %(reason)s, confirmed by %(agent)s.",
                log=self.id,
                reason=reason.name,
                agent=self.env.user.name,
            )
        self.debtor_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
