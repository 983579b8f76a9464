"""*Assign to agency*: a Collection Manager hands debtors (the ones selected, or those a filter
finds) to a collection agency until a recall date."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

DEFAULT_DURATION_DAYS = 90


class CreditRecoveryAgencyAssign(models.TransientModel):
    _name = "credit.recovery.agency.assign"
    _description = "Assign Debtors to a Collection Agency"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    agency_id = fields.Many2one(
        "credit.recovery.agency",
        required=True,
        check_company=True,
        domain="[('company_id', '=', company_id)]",
    )
    mode = fields.Selection(
        [("selected", "The selected debtors"), ("filter", "The debtors matching a filter")],
        string="Hand Over",
        required=True,
        default="filter",
    )
    debtor_ids = fields.Many2many("credit.recovery.debtor", string="Selected Debtors")
    stage_ids = fields.Many2many(
        "credit.recovery.stage",
        string="Stages",
        domain="[('company_id', '=', company_id)]",
        help="Debtors at one of these stages; empty: any stage.",
    )
    min_days_overdue = fields.Integer(string="At Least (days overdue)", default=0)
    min_amount_overdue = fields.Monetary(string="At Least (amount overdue)", default=0.0)
    duration_days = fields.Integer(
        string="For (days)", default=DEFAULT_DURATION_DAYS, help="The recall date follows from it; change either."
    )
    date_recall = fields.Date(
        string="Recall On",
        compute="_compute_date_recall",
        store=True,
        readonly=False,
        required=True,
        help="The agency gives the debtors back on this date (the daily recall), or earlier when they pay.",
    )
    candidate_ids = fields.Many2many(
        "credit.recovery.debtor", string="Debtors to Hand Over", compute="_compute_candidates"
    )
    debtor_count = fields.Integer(string="Debtors", compute="_compute_candidates")
    amount_total = fields.Monetary(string="Amount Overdue Handed", compute="_compute_candidates")
    left_out_count = fields.Integer(
        string="Left Out",
        compute="_compute_candidates",
        help="Selected debtors already with an agency, of another company, or with nothing overdue.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "credit.recovery.debtor" and context.get("active_ids"):
            values["debtor_ids"] = [fields.Command.set(context["active_ids"])]
            values["mode"] = context.get("default_mode", "selected")
        return values

    @api.depends("duration_days")
    def _compute_date_recall(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            wizard.date_recall = today + timedelta(days=max(wizard.duration_days, 0))

    @api.depends("mode", "agency_id", "debtor_ids", "stage_ids", "min_days_overdue", "min_amount_overdue", "company_id")
    def _compute_candidates(self):
        for wizard in self:
            candidates = wizard._find_candidates()
            wizard.candidate_ids = candidates
            wizard.debtor_count = len(candidates)
            wizard.amount_total = sum(candidates.mapped("amount_overdue"))
            wizard.left_out_count = len(wizard.debtor_ids - candidates) if wizard.mode == "selected" else 0

    @api.constrains("min_days_overdue", "min_amount_overdue", "duration_days")
    def _check_filter(self):
        for wizard in self:
            if wizard.min_days_overdue < 0 or wizard.min_amount_overdue < 0 or wizard.duration_days < 0:
                raise ValidationError(self.env._("The days and the amount of the filter cannot be negative."))

    def _find_candidates(self):
        """The debtors this wizard hands over: in the agency's company, with something overdue,
        not with an agency already; the selected ones, or those matching the filter."""
        self.ensure_one()
        Debtor = self.env["credit.recovery.debtor"]
        company = self.agency_id.company_id or self.company_id
        domain = [("company_id", "=", company.id), ("agency_assignment_id", "=", False), ("amount_overdue", ">", 0)]
        if self.mode == "selected":
            return Debtor.search([*domain, ("id", "in", self.debtor_ids._origin.ids)])
        if self.stage_ids:
            domain.append(("stage_id", "in", self.stage_ids._origin.ids))
        if self.min_days_overdue:
            domain.append(("days_overdue", ">=", self.min_days_overdue))
        if self.min_amount_overdue:
            domain.append(("amount_overdue", ">=", self.min_amount_overdue))
        return Debtor.search(domain, order="days_overdue desc, id")

    def action_confirm(self):
        """Hand the debtors over (checked and recorded by ``debtor._recovery_assign_agency``)."""
        self.ensure_one()
        self.env["credit.recovery.debtor"]._recovery_check_agency_manager()
        debtors = self._find_candidates()
        if not debtors:
            raise UserError(self.env._("No debtor to hand over: none is overdue and free of an agency."))
        assignments = debtors._recovery_assign_agency(self.agency_id, self.date_recall)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s debtor(s) handed to %(agency)s, %(amount)s overdue.",
                    count=len(assignments),
                    agency=self.agency_id.name,
                    amount=self.currency_id.format(sum(assignments.mapped("amount_assigned"))),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
