"""A debtor whose first installment of a credit sale was never paid: *possible fraud*, for a
Collection Manager to confirm or dismiss. Never shown to the debtor (no page, message or letter
reads it)."""

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import AccessError

FRAUD_STATES = [
    ("suspected", "Possible fraud"),
    ("confirmed", "Fraud confirmed"),
    ("dismissed", "Not fraud"),
]


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    fraud_state = fields.Selection(
        FRAUD_STATES,
        string="Fraud Check",
        readonly=True,
        groups="account_credit_recovery.group_credit_recovery_agent",
        tracking=True,
        copy=False,
        help="Possible fraud: the first installment of a credit sale was still unpaid 30 days after its due date "
        "(first-payment default), the classic sign of a purchase never meant to be paid. A Collection Manager "
        "confirms or dismisses it. Internal: the debtor never sees it.",
    )
    fraud_flagged_on = fields.Date(
        string="Flagged On", readonly=True, copy=False, groups="account_credit_recovery.group_credit_recovery_agent"
    )

    def action_confirm_fraud(self):
        return self._set_fraud_state("confirmed")

    def action_dismiss_fraud(self):
        return self._set_fraud_state("dismissed")

    def _set_fraud_state(self, state):
        """A manager's verdict on the flag, logged on the debtor; nobody else's."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can confirm or dismiss a possible fraud."))
        self.check_access("read")
        self.sudo().write({"fraud_state": state})
        return True

    def _recovery_flag_first_payment_defaults(self, companies=None):
        """Flag the debtors (of ``companies``, default all) with a first-payment default (FPD 30)
        not yet judged: one query finds them, one write flags them, one note each says why."""
        Report = self.env["credit.recovery.first.payment"]
        debtors = (
            self.sudo().browse(Report._defaulted_debtor_ids(companies)).filtered(lambda debtor: not debtor.fraud_state)
        )
        if not debtors:
            return debtors
        debtors.with_context(tracking_disable=True).write(
            {"fraud_state": "suspected", "fraud_flagged_on": fields.Date.context_today(self)}
        )
        note = Markup("<p>%s</p>") % self.env._(
            "Possible fraud: the first installment of a credit sale was still unpaid 30 days after its due date. "
            "A Collection Manager confirms or dismisses it (Reporting > First-payment Default)."
        )
        debtors._message_log_batch(bodies=dict.fromkeys(debtors.ids, note))
        return debtors
