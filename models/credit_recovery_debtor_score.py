"""A manager's review of the payment score of one debtor (LGPD art. 20: the debtor may ask for a
review of an automated decision): an override of the probability, with its reason, logged."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

OVERRIDE_FIELDS = ("score_overridden", "score_override", "score_override_reason")


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    score_overridden = fields.Boolean(
        string="Override Payment Score",
        tracking=True,
        copy=False,
        help="A Collection Manager reviewed this debtor's payment score and set it by hand: Contact now uses "
        "the probability below instead of the model's or the hand weights'.",
    )
    score_override = fields.Integer(string="Payment Probability (%)", tracking=True, copy=False)
    score_override_reason = fields.Char(tracking=True, copy=False)
    score_explanation = fields.Char(
        string="Learnt Payment Score",
        compute="_compute_score_explanation",
        groups="account_credit_recovery.group_credit_recovery_manager",
        help="What the company's payment model gives this debtor today: the probability of paying something within "
        "30 days and each factor's contribution (log-odds), for the manager's review.",
    )

    def _compute_score_explanation(self):
        today = fields.Date.context_today(self)
        policies = self.env["credit.recovery.policy"]._get_company_policies(self.company_id)
        self.score_explanation = False
        for company in self.company_id:
            policy = policies.get(company.id)
            debtors = self.filtered(lambda debtor, company=company: debtor.company_id == company)
            if not policy or not policy._get_score_model():
                debtors.score_explanation = self.env._("No payment model fitted: the hand weights apply.")
                continue
            learnt = policy._score_debtors(debtors.ids, today)
            for debtor in debtors:
                if debtor.id not in learnt:
                    debtor.score_explanation = self.env._("Nothing overdue today.")
                    continue
                probability, parts, _logit = learnt[debtor.id]
                debtor.score_explanation = f"{probability * 100:.0f} %: " + policy._score_why(parts)

    @api.constrains(*OVERRIDE_FIELDS)
    def _check_score_override(self):
        for debtor in self.filtered("score_overridden"):
            if not 0 <= debtor.score_override <= 100:
                raise ValidationError(self.env._("The payment probability is a percentage, from 0 to 100."))
            if not (debtor.score_override_reason or "").strip():
                raise ValidationError(self.env._("Say why the payment score is overridden: the reason is logged."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_override_rights(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_override_rights(vals)
        return super().write(vals)

    def _check_override_rights(self, vals):
        """Only a Collection Manager reviews a score: the override is theirs, whoever else may edit
        the debtor."""
        manager = self.env.su or self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager")
        if set(OVERRIDE_FIELDS) & set(vals) and not manager:
            raise AccessError(self.env._("Only a Collection Manager can override a payment score."))
