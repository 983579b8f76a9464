from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.collection import InvoiceState, invoice_state, stage_for_due_date

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
        "move_id.recovery_contact_ids.promise_date",
        "move_id.line_ids.amount_residual",
        "move_id.line_ids.date_maturity",
    )
    def _compute_state(self):
        today = fields.Date.context_today(self)
        invoices = self.move_id.filtered(lambda move: move._is_recovery_document())
        installments = self.env["account.move"]._recovery_open_installments(invoices._origin.ids)
        calculate = self._state_calculator(invoices.company_id, today)
        for record in self:
            move = record.move_id
            state = InvoiceState()
            if move in invoices:
                # The next action follows the callback date, else the promised date.
                planned = (contact.next_action_date or contact.promise_date for contact in move.recovery_contact_ids)
                callbacks = [day for day in planned if day and day >= today]
                state = calculate(
                    move.company_id.id,
                    installments.get(move._origin.id, []),
                    excluded=move.recovery_excluded,
                    dispute=move.recovery_dispute_state,
                    paused=move.recovery_paused_since,
                    callback=min(callbacks, default=None),
                )
            record.update(self._prepare_state_vals(state, today))

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
    def _prepare_state_vals(self, state, today):
        """Field values of an :class:`InvoiceState` computed ``today``."""
        return {
            "stage_id": state.stage_id or False,
            "days_overdue": state.days_overdue,
            "amount_overdue": state.amount_overdue,
            "oldest_due_date": state.oldest_due_date or False,
            "next_action_date": state.next_action_date or False,
            "refresh_date": today,
        }

    @api.model
    def _state_calculator(self, companies, today):
        """``calculate(company_id, installments, *, excluded, dispute, paused, callback)``, the
        :func:`~..tools.collection.invoice_state` of an invoice of ``companies`` today.

        The companies' policies are read once and stages are memoised per (company, oldest
        due date, as-of day): the daily refresh calls it for every open invoice, the ORM
        compute for the invoices a payment or a posting touched.
        """
        policies = self.env["credit.recovery.policy"]._get_company_policies(companies)
        setups = {
            company_id: (
                policy.tolerance_amount,
                policy._get_stage_rules(),
                policy.grace_days,
                policy._get_business_calendar(),
            )
            for company_id, policy in policies.items()
        }
        currencies = {
            company.id: (company.currency_id.rounding, company.currency_id.decimal_places) for company in companies
        }
        stage_ofs = {company_id: _memoised_stages(*setup[1:]) for company_id, setup in setups.items()}

        def calculate(company_id, installments, *, excluded, dispute, paused, callback):
            setup = setups.get(company_id)
            takes_stage = setup and not excluded and dispute != "valid"
            rounding, digits = currencies[company_id]
            return invoice_state(
                installments,
                rounding=rounding,
                digits=digits,
                tolerance=setup[0] if setup else None,
                stage_of=stage_ofs[company_id] if takes_stage else None,
                paused=paused,
                callback=callback,
                today=today,
            )

        return calculate


def _memoised_stages(rules, grace_days, calendar):
    """``stage_of(due, as_of)`` of one policy, memoised: 100,000 invoices share a few hundred due dates."""
    memo = {}

    def stage_of(due, as_of):
        if (due, as_of) not in memo:
            memo[due, as_of] = stage_for_due_date(due, as_of, rules, grace_days, calendar)
        return memo[due, as_of]

    return stage_of
