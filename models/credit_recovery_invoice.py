from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.collection import stage_for_due_date

# Free space left in each page of the table so that the daily rewrite of every row fits in
# its own page: PostgreSQL then updates in place (HOT), without touching the indexes.
# (70 % left two rows in three outside their page on a full rewrite; 40 % leaves room for all.)
STATE_FILLFACTOR = 40


class CreditRecoveryInvoice(models.Model):
    """Collection state of one invoice: stage, days and amount overdue, next action.

    Days overdue change every day, and stages with them, so this state is rewritten
    every day for every open invoice. It lives in this narrow table rather than in
    ``account_move``, whose wide rows and thirty-odd indexes made that daily rewrite
    the slowest step of a collection run (about 15 s per 100,000 invoices); here the
    same rewrite is an in-place update (see ``STATE_FILLFACTOR``). The invoice shows
    these values through related fields, which stay searchable, sortable and groupable.

    One record per posted customer invoice (or agreement entry), created at posting
    together with its debtor link, and kept for the life of the invoice.
    """

    _name = "credit.recovery.invoice"
    _description = "Invoice Collection State"
    _rec_name = "move_id"
    _check_company_auto = True

    move_id = fields.Many2one("account.move", string="Invoice", required=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    stage_id = fields.Many2one(
        "credit.recovery.stage", string="Collection Stage", compute="_compute_state", store=True, readonly=True
    )
    days_overdue = fields.Integer(
        compute="_compute_state",
        store=True,
        readonly=True,
        help="Days since the due date of the oldest unpaid installment.",
    )
    amount_overdue = fields.Monetary(
        compute="_compute_state",
        store=True,
        readonly=True,
        currency_field="company_currency_id",
        help="Open amount of the installments past their due date, in the company currency.",
    )
    oldest_due_date = fields.Date(string="Oldest Unpaid Due Date", compute="_compute_state", store=True, readonly=True)
    next_action_date = fields.Date(
        string="Next Collection Action",
        compute="_compute_state",
        store=True,
        readonly=True,
        help="When the next collection stage starts for this invoice.",
    )
    refresh_date = fields.Date(
        string="Collection State Date",
        compute="_compute_state",
        store=True,
        readonly=True,
        help="Day the collection state was last computed: days overdue change every day.",
    )

    _sql_constraints = [
        ("move_uniq", "unique(move_id)", "An invoice has one collection state."),
    ]

    def init(self):
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s SET (fillfactor = %s)",
                SQL.identifier(self._table),
                SQL(str(int(STATE_FILLFACTOR))),
            )
        )

    @api.depends(
        "move_id.state",
        "move_id.move_type",
        "move_id.company_id",
        "move_id.recovery_agreement_id",
        "move_id.recovery_excluded",
        "move_id.recovery_dispute_state",
        "move_id.recovery_paused_since",
        "move_id.recovery_contact_ids.next_action_date",
        "move_id.line_ids.amount_residual",
        "move_id.line_ids.date_maturity",
    )
    def _compute_state(self):
        today = fields.Date.context_today(self)
        invoices = self.move_id.filtered(lambda move: move._is_recovery_document())
        installments = self.env["account.move"]._recovery_open_installments(invoices)
        policies = self.env["credit.recovery.policy"]._get_company_policies(invoices.company_id)
        policy_setup = {
            company_id: (policy._get_stage_rules(), policy.grace_days, policy._get_business_calendar())
            for company_id, policy in policies.items()
        }
        for record in self:
            move = record.move_id
            if move not in invoices:
                record.update(self._empty_state_vals(today))
                continue
            record.update(
                record._state_vals(
                    installments.get(move._origin.id, []),
                    policies.get(move.company_id.id),
                    policy_setup.get(move.company_id.id),
                    today,
                )
            )

    @api.model
    def _stale_domain(self):
        """States to recompute today: marked stale, or computed before today while
        something is still open (paid invoices are left alone)."""
        today = fields.Date.context_today(self)
        return [
            "|",
            ("refresh_date", "=", False),
            "&",
            ("refresh_date", "<", today),
            "|",
            ("oldest_due_date", "!=", False),
            ("stage_id", "!=", False),
        ]

    @api.model
    def _empty_state_vals(self, today):
        return {
            "stage_id": False,
            "days_overdue": 0,
            "amount_overdue": 0.0,
            "oldest_due_date": False,
            "next_action_date": False,
            "refresh_date": today,
        }

    def _state_vals(self, installments, policy, policy_setup, today):
        """Collection state of one invoice from its open ``(due date, residual)`` installments
        (the per-record twin of ``account_move._recovery_state``, used by the daily refresh)."""
        self.ensure_one()
        move = self.move_id
        vals = self._empty_state_vals(today)
        if not installments:
            return vals
        currency = move.company_currency_id
        overdue = [(due, residual) for due, residual in installments if due < today]
        amount_overdue = currency.round(sum(residual for _due, residual in overdue))
        if overdue and policy and currency.compare_amounts(amount_overdue, policy.tolerance_amount) < 0:
            # Below the tolerance: the overdue rest is ignored, upcoming installments still count.
            installments = [item for item in installments if item[0] >= today]
            overdue, amount_overdue = [], 0.0
        if not installments:
            return vals
        oldest_due = min(due for due, _residual in installments)
        vals.update(
            amount_overdue=amount_overdue,
            days_overdue=(today - oldest_due).days if overdue else 0,
            oldest_due_date=oldest_due,
        )
        if policy_setup and not move.recovery_excluded and move.recovery_dispute_state != "valid":
            rules, grace_days, calendar = policy_setup
            paused_since = move.recovery_paused_since
            result = stage_for_due_date(oldest_due, min(paused_since or today, today), rules, grace_days, calendar)
            next_action = (not paused_since and result.next_action_date) or False
            callbacks = [
                contact.next_action_date
                for contact in move.recovery_contact_ids
                if contact.next_action_date and contact.next_action_date >= today
            ]
            vals.update(
                stage_id=result.stage_id or False,
                next_action_date=min([*callbacks, next_action] if next_action else callbacks, default=False),
            )
        return vals
