"""Collection agencies (*assessorias de cobrança*): who they are, who works for them and what they earn.

An agency is a company partner (the vendor of its commission bills) with the users who work for it
in Odoo (group *Collection Agency*) and its commission rules. What it is handed is an assignment
(``credit_recovery_agency_assignment``); what it may see follows from its active assignments only.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditRecoveryAgency(models.Model):
    _name = "credit.recovery.agency"
    _description = "Collection Agency"
    _inherit = ["mail.thread"]
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(related="partner_id.name", store=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Agency",
        required=True,
        tracking=True,
        domain=[("is_company", "=", True)],
        help="The agency as a company: the vendor of its commission bills.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)
    contract_ref = fields.Char(string="Contract", tracking=True, help="The reference of the service contract.")
    user_ids = fields.Many2many(
        "res.users",
        "credit_recovery_agency_user_rel",
        "agency_id",
        "user_id",
        string="Agency Users",
        help="The people who work for the agency in Odoo: they see the debtors assigned to it, while assigned.",
    )
    commission_rule_ids = fields.One2many("credit.recovery.agency.commission.rule", "agency_id", string="Commission")
    commission_tail_days = fields.Integer(
        string="Commission Tail (days)",
        default=30,
        tracking=True,
        help="Payments received this many days after a recall still earn the agency's commission.",
    )
    assignment_ids = fields.One2many("credit.recovery.agency.assignment", "agency_id", string="Assignments")
    active_assignment_count = fields.Integer(compute="_compute_active_assignment_count", string="Assigned Debtors")

    _sql_constraints = [
        ("tail_positive", "CHECK(commission_tail_days >= 0)", "The commission tail cannot be negative."),
    ]

    @api.depends("assignment_ids.state")
    def _compute_active_assignment_count(self):
        counts = dict(
            self.env["credit.recovery.agency.assignment"]._read_group(
                [("agency_id", "in", self.ids), ("state", "=", "active")], ["agency_id"], ["__count"]
            )
        )
        for agency in self:
            agency.active_assignment_count = counts.get(agency, 0)


class CreditRecoveryAgencyCommissionRule(models.Model):
    """One commission rate: the most specific rule that matches a paid installment wins (a stage
    over an age band, a higher minimum age over a lower one)."""

    _name = "credit.recovery.agency.commission.rule"
    _description = "Agency Commission Rule"
    _order = "agency_id, sequence, min_days_overdue desc, id"

    agency_id = fields.Many2one("credit.recovery.agency", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="agency_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    stage_id = fields.Many2one(
        "credit.recovery.stage",
        check_company=True,
        help="Applies to installments in this stage when assigned; empty: any stage.",
    )
    min_days_overdue = fields.Integer(
        string="From (days overdue)", default=0, help="Applies to installments at least this many days overdue."
    )
    rate = fields.Float(string="Commission (%)", digits=(5, 2), required=True)

    @api.constrains("rate", "min_days_overdue")
    def _check_rate(self):
        for rule in self:
            if not 0 <= rule.rate <= 100:
                raise ValidationError(self.env._("A commission rate is a percentage between 0 and 100."))
            if rule.min_days_overdue < 0:
                raise ValidationError(self.env._("The days overdue of a commission rule cannot be negative."))
