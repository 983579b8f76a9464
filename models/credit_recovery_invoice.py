from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.collection import InvoiceState, invoice_state, stage_for_due_date

# Free space left in each page of the table so that a row's rewrite fits in its own page:
# PostgreSQL then updates in place (HOT) when no indexed column changes. The daily refresh
# rewrites only the rows whose state changes (``next_change_date``), which is fewer than it was.
STATE_FILLFACTOR = 40


class CreditRecoveryInvoice(models.Model):
    """Collection state of one invoice: stage, amount overdue, oldest unpaid due date, next action.

    What is stored changes only on events (a payment, a posting, a promise, a dispute, a callback)
    or on a known day: ``next_change_date``, the day the state next changes by itself (a stage
    starts, an installment falls due, a callback passes). The daily refresh recomputes only the
    rows whose day has come, or that an event marked stale (``refresh_date`` empty), through a
    partial index each, not every open row. Days overdue change every day, so they are not stored:
    they follow from ``oldest_due_date`` when read, and searching, sorting and grouping by them use
    the same SQL expression (``_field_to_sql``). The state lives in this narrow table rather than in
    ``account_move`` (wide rows, thirty-odd indexes); the invoice shows it through related fields.

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
        compute="_compute_days_overdue",
        search="_search_days_overdue",
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
        help="Day the collection state was last computed (empty: to compute again).",
    )
    next_change_date = fields.Date(
        string="Collection State Changes On",
        compute="_compute_state",
        store=True,
        readonly=True,
        index="btree_not_null",
        help="Day the collection state next changes by itself: a stage starts, an installment falls due, "
        "a callback passes. The daily refresh recomputes the states whose day has come.",
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
        # The states an event marked stale: the daily refresh finds them without a scan.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS credit_recovery_invoice_stale_idx ON %s (id) WHERE refresh_date IS NULL",
                SQL.identifier(self._table),
            )
        )
        # The invoices at a stage with nothing overdue (a stage before the due date), few: Contact now
        # adds what they claim to the bound of their debtor's amount to claim without a scan.
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS credit_recovery_invoice_staged_early_idx ON %s (move_id)
                    WHERE stage_id IS NOT NULL AND (amount_overdue <= 0 OR amount_overdue IS NULL)""",
                SQL.identifier(self._table),
            )
        )

    @api.model
    def _days_overdue_sql(self, oldest_sql, today=None):
        """SQL of the days overdue of a state whose oldest unpaid due date is ``oldest_sql``: the days
        since it, 0 when it is not past (or nothing is open). The same rule as ``invoice_state``."""
        today = today or fields.Date.context_today(self)
        return SQL("COALESCE(GREATEST(%s::date - %s, 0), 0)", today, oldest_sql)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # Days overdue are computed when read: searching, sorting and grouping use the same expression.
        if fname == "days_overdue":
            return self._days_overdue_sql(super()._field_to_sql(alias, "oldest_due_date", query, flush))
        return super()._field_to_sql(alias, fname, query, flush)

    @api.depends("oldest_due_date")
    def _compute_days_overdue(self):
        today = fields.Date.context_today(self)
        for record in self:
            oldest = record.oldest_due_date
            record.days_overdue = max((today - oldest).days, 0) if oldest else 0

    def _search_days_overdue(self, operator, value):
        if operator not in ("=", "!=", "<", "<=", ">", ">=", "in", "not in"):
            return NotImplemented
        query = self._where_calc([])
        condition = self._condition_to_sql(self._table, "days_overdue", operator, value, query)
        query.add_where(condition)
        return [("id", "in", query)]

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
        """States to recompute today: marked stale by an event, or whose state changes by itself
        today or changed since they were computed (``next_change_date``); the others, paid
        invoices included, are left alone: their days overdue follow when read."""
        today = fields.Date.context_today(self)
        return ["|", ("refresh_date", "=", False), ("next_change_date", "<=", today)]

    @api.model
    def _prepare_state_vals(self, state, today):
        """Field values of an :class:`InvoiceState` computed ``today``."""
        return {
            "stage_id": state.stage_id or False,
            "amount_overdue": state.amount_overdue,
            "oldest_due_date": state.oldest_due_date or False,
            "next_action_date": state.next_action_date or False,
            "next_change_date": state.change_date or False,
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
