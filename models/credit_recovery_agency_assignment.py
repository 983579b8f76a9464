"""A debtor handed to a collection agency: from when, until when, and what was handed.

While an assignment is active the agency's users see the debtor (record rules in
``security/credit_recovery_agency_security.xml``) and the store's run leaves the debtor alone unless
the policy says otherwise. The recall (on its date, by a manager, or when the debt is paid) ends it.
Assignments are written by the workflow's private methods only.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

STATES = [("active", "Assigned"), ("recalled", "Recalled")]
RECALL_REASONS = [
    ("scheduled", "Recall date reached"),
    ("manual", "Recalled by a manager"),
    ("paid", "Debt paid"),
    ("agency", "Agency archived"),
]


class CreditRecoveryAgencyAssignment(models.Model):
    _name = "credit.recovery.agency.assignment"
    _description = "Agency Assignment"
    _order = "date_start desc, id desc"
    _check_company_auto = True

    agency_id = fields.Many2one(
        "credit.recovery.agency", required=True, index=True, readonly=True, ondelete="restrict", check_company=True
    )
    debtor_id = fields.Many2one(
        "credit.recovery.debtor", required=True, index=True, readonly=True, ondelete="cascade", check_company=True
    )
    partner_id = fields.Many2one(related="debtor_id.partner_id", string="Customer", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one("res.users", string="Assigned By", readonly=True)
    state = fields.Selection(STATES, required=True, default="active", readonly=True, index=True)
    date_start = fields.Date(string="Assigned On", required=True, readonly=True)
    date_recall = fields.Date(string="Recall On", required=True, readonly=True, index=True)
    recalled_on = fields.Date(readonly=True)
    recall_reason = fields.Selection(RECALL_REASONS, readonly=True)
    invoice_ids = fields.Many2many(
        "account.move",
        "credit_recovery_agency_assignment_move_rel",
        "assignment_id",
        "move_id",
        string="Installments",
        readonly=True,
        help="The overdue installments handed to the agency: payments on them earn its commission.",
    )
    amount_assigned = fields.Monetary(
        readonly=True, help="What the debtor owed on the assigned installments when they were handed over."
    )

    _sql_constraints = [
        ("recall_after_start", "CHECK(date_recall >= date_start)", "The recall date cannot precede the assignment."),
    ]

    def init(self):
        # One agency at a time per debtor: two collectors on one debtor is what CDC art. 42 punishes.
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS credit_recovery_agency_assignment_one_active "
            "ON credit_recovery_agency_assignment (debtor_id) WHERE state = 'active'"
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise UserError(self.env._("Assign debtors with *Assign to agency*."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise UserError(self.env._("Recall an assignment with *Recall*."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_user(self):
        if not self.env.su:
            raise UserError(self.env._("An assignment is part of the debtor's record: recall it, do not delete it."))
