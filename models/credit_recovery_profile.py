from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.collection import ProfileRule


class CreditRecoveryProfile(models.Model):
    """A debtor profile: how far an agent may go when negotiating with this debtor.

    Profiles are ordered by severity (``sequence``). A debtor gets the most severe
    profile whose thresholds its last 12 months reach, unless a manager overrides it.
    """

    _name = "credit.recovery.profile"
    _description = "Debtor Profile"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(string="Severity", default=10, help="Higher values are stricter profiles.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True, help="Leave empty to share the profile between companies.")
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        help="The amounts are in the currency of the profile's company (of the current company for a shared profile).",
    )
    description = fields.Text(translate=True)
    color = fields.Integer()
    max_discount_interest_percent = fields.Float(string="Max Discount on Fine and Interest (%)", digits=(5, 2))
    max_discount_principal_percent = fields.Float(string="Max Discount on Principal (%)", digits=(5, 2))
    max_installments = fields.Integer(default=1)
    min_installment_amount = fields.Monetary(string="Minimum Installment")
    min_down_payment_percent = fields.Float(string="Minimum Down Payment (%)", digits=(5, 2))
    max_first_installment_days = fields.Integer(string="Max Days to First Installment", default=30)
    min_overdue_episodes = fields.Integer(
        string="From Overdue Episodes",
        help="The profile applies to debtors with at least this many invoices paid late or still "
        "overdue in the last 12 months (0: not used).",
    )
    min_broken_commitments = fields.Integer(
        string="From Broken Commitments",
        help="The profile applies to debtors with at least this many broken promises or agreements "
        "in the last 12 months (0: not used).",
    )

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for profile in self:
            profile.currency_id = (profile.company_id or self.env.company).currency_id

    @api.constrains(
        "max_discount_interest_percent",
        "max_discount_principal_percent",
        "min_down_payment_percent",
    )
    def _check_percentages(self):
        for profile in self:
            values = (
                profile.max_discount_interest_percent,
                profile.max_discount_principal_percent,
                profile.min_down_payment_percent,
            )
            if any(value < 0 or value > 100 for value in values):
                raise ValidationError(
                    self.env._(
                        "Profile %(profile)s: discounts and down payment are percentages between 0 and 100.",
                        profile=profile.name,
                    )
                )

    @api.constrains(
        "max_installments",
        "min_installment_amount",
        "max_first_installment_days",
        "min_overdue_episodes",
        "min_broken_commitments",
    )
    def _check_terms(self):
        for profile in self:
            if profile.max_installments < 1:
                raise ValidationError(
                    self.env._(
                        "Profile %(profile)s must allow at least one installment (a single payment).",
                        profile=profile.name,
                    )
                )
            values = (
                profile.min_installment_amount,
                profile.max_first_installment_days,
                profile.min_overdue_episodes,
                profile.min_broken_commitments,
            )
            if any(value < 0 for value in values):
                raise ValidationError(
                    self.env._(
                        "Profile %(profile)s: amounts, days and thresholds cannot be negative.",
                        profile=profile.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        profiles = super().create(vals_list)
        profiles._reprofile_debtors()
        return profiles

    def write(self, vals):
        res = super().write(vals)
        if {"sequence", "active", "company_id", "min_overdue_episodes", "min_broken_commitments"} & set(vals):
            self._reprofile_debtors()
        return res

    def _reprofile_debtors(self):
        """Profiles changed: every debtor's computed profile may change (a rare, admin-made change)."""
        debtors = self.env["credit.recovery.debtor"].sudo().search([("company_id", "!=", False)])
        self.env.add_to_compute(debtors._fields["profile_computed_id"], debtors)
        debtors.modified(["profile_computed_id"])

    def _get_profile_rules(self):
        return [
            ProfileRule(profile.id, profile.sequence, profile.min_overdue_episodes, profile.min_broken_commitments)
            for profile in self
        ]
