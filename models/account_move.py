from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from ..tools.collection import stage_for_due_date

RECOVERY_MOVE_TYPES = ("out_invoice", "out_receipt")
DISPUTE_KINDS = [
    ("not_recognised", "Debt not recognised"),
    ("already_paid", "Already paid"),
    ("product_problem", "Product or service problem"),
]
REFRESH_BATCH = 5000
RECOVERY_STATE_FIELDS = (
    "recovery_stage_id",
    "recovery_days_overdue",
    "recovery_amount_overdue",
    "recovery_oldest_due_date",
    "recovery_next_action_date",
    "recovery_refresh_date",
)

# Columns created before the ORM sees them, so that installing the addon on a
# database with many invoices does not compute them row by row (post_init_hook
# computes them in batches instead).
_PRECREATED_COLUMNS = {
    "recovery_stage_id": "int4",
    "recovery_debtor_id": "int4",
    "recovery_days_overdue": "int4",
    "recovery_amount_overdue": "numeric",
    "recovery_oldest_due_date": "date",
    "recovery_next_action_date": "date",
    "recovery_refresh_date": "date",
    "recovery_last_contact_date": "timestamp",
    "recovery_paused_since": "date",
}


def _recovery_state(installments, *, currency, tolerance, stage_of, paused, callback, today):
    """Collection state of one invoice for the set-based refresh (the twin of
    ``AccountMove._recovery_state_vals``): ``installments`` are its open
    ``(due, residual)``, ``stage_of(due, as_of)`` is ``None`` when the invoice takes no stage."""
    state = {"stage": None, "days": 0, "amount": 0.0, "oldest": None, "next": None}
    overdue = [(due, residual) for due, residual in installments if due < today]
    amount = currency.round(sum(residual for _due, residual in overdue))
    if overdue and tolerance is not None and currency.compare_amounts(amount, tolerance) < 0:
        installments = [item for item in installments if item[0] >= today]
        overdue, amount = [], 0.0
    if not installments:
        return state
    oldest = min(due for due, _residual in installments)
    state.update(amount=amount, oldest=oldest, days=(today - oldest).days if overdue else 0)
    if stage_of:
        result = stage_of(oldest, min(paused or today, today))
        next_action = (not paused and result.next_action_date) or None
        if callback and (not next_action or callback < next_action):
            next_action = callback
        state.update(stage=result.stage_id, next=next_action)
    return state


class AccountMove(models.Model):
    _inherit = "account.move"

    recovery_debtor_id = fields.Many2one(
        "credit.recovery.debtor",
        string="Collection Record",
        compute="_compute_recovery_debtor_id",
        store=True,
        index="btree_not_null",
        copy=False,
    )
    recovery_stage_id = fields.Many2one(
        "credit.recovery.stage",
        string="Collection Stage",
        compute="_compute_recovery_state",
        store=True,
        index="btree_not_null",
        copy=False,
        tracking=True,
    )
    recovery_days_overdue = fields.Integer(
        string="Days Overdue",
        compute="_compute_recovery_state",
        store=True,
        index="btree_not_null",
        copy=False,
        help="Days since the due date of the oldest unpaid installment.",
    )
    recovery_amount_overdue = fields.Monetary(
        string="Amount Overdue",
        compute="_compute_recovery_state",
        store=True,
        copy=False,
        currency_field="company_currency_id",
        help="Open amount of the installments past their due date, in the company currency.",
    )
    recovery_oldest_due_date = fields.Date(
        string="Oldest Unpaid Due Date", compute="_compute_recovery_state", store=True, copy=False
    )
    recovery_next_action_date = fields.Date(
        string="Next Collection Action",
        compute="_compute_recovery_state",
        store=True,
        index="btree_not_null",
        copy=False,
        help="When the next collection stage starts for this invoice.",
    )
    recovery_refresh_date = fields.Date(
        string="Collection State Date",
        compute="_compute_recovery_state",
        store=True,
        copy=False,
        help="Day the collection state was last computed: days overdue change every day.",
    )
    recovery_contact_ids = fields.Many2many(
        "credit.recovery.contact",
        "credit_recovery_contact_move_rel",
        "move_id",
        "contact_id",
        string="Contact Logs",
        readonly=True,
        copy=False,
    )
    recovery_last_contact_date = fields.Datetime(
        string="Last Contact", compute="_compute_recovery_last_contact_date", store=True, copy=False
    )
    recovery_promise_ids = fields.Many2many(
        "credit.recovery.promise",
        "credit_recovery_promise_move_rel",
        "move_id",
        "promise_id",
        string="Promises to Pay",
        readonly=True,
        copy=False,
    )
    recovery_dispute_state = fields.Selection(
        [("open", "Under Review"), ("valid", "Valid"), ("invalid", "Rejected")],
        string="Dispute",
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    recovery_dispute_kind = fields.Selection(
        DISPUTE_KINDS,
        string="Dispute Reason",
        copy=False,
        tracking=True,
    )
    recovery_dispute_note = fields.Text(string="Dispute Details", copy=False)
    recovery_dispute_date = fields.Date(string="Disputed On", copy=False)
    recovery_dispute_resolution = fields.Text(string="Dispute Resolution", copy=False, tracking=True)
    recovery_paused_since = fields.Date(
        string="Collection Paused Since",
        compute="_compute_recovery_paused_since",
        store=True,
        copy=False,
        help="An open promise to pay or dispute pauses escalation: the stage stays where it was that day.",
    )
    recovery_agreement_id = fields.Many2one(
        "credit.recovery.agreement",
        string="Collection Agreement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set on an agreement's journal entry: its installments are followed in collection like invoices.",
    )
    recovery_excluded = fields.Boolean(string="Excluded from Collection", copy=False, tracking=True)
    recovery_exclusion_reason = fields.Char(string="Exclusion Reason", copy=False, tracking=True)

    def _auto_init(self):
        for column, column_type in _PRECREATED_COLUMNS.items():
            if not column_exists(self.env.cr, self._table, column):
                create_column(self.env.cr, self._table, column, column_type)
        return super()._auto_init()

    @api.depends("state", "move_type", "commercial_partner_id", "company_id", "recovery_agreement_id")
    def _compute_recovery_debtor_id(self):
        """Link posted customer invoices to the (company, customer) collection record.

        The record is created here, in one batch, the first time a customer of a
        company is invoiced: collection state lives per company.
        """
        invoices = self.filtered(lambda move: move._is_recovery_document())
        debtors = (
            self.env["credit.recovery.debtor"]
            .sudo()
            ._get_or_create({(move.commercial_partner_id.id, move.company_id.id) for move in invoices})
        )
        for move in self:
            key = (move.commercial_partner_id.id, move.company_id.id)
            move.recovery_debtor_id = debtors.get(key, False) if move in invoices else False

    @api.depends("recovery_contact_ids.date")
    def _compute_recovery_last_contact_date(self):
        for move in self:
            move.recovery_last_contact_date = max(move.recovery_contact_ids.mapped("date"), default=False)

    @api.depends(
        "recovery_promise_ids.state",
        "recovery_promise_ids.promised_on",
        "recovery_dispute_state",
        "recovery_dispute_date",
    )
    def _compute_recovery_paused_since(self):
        for move in self:
            starts = [promise.promised_on for promise in move.recovery_promise_ids if promise.state == "open"]
            if move.recovery_dispute_state == "open" and move.recovery_dispute_date:
                starts.append(move.recovery_dispute_date)
            move.recovery_paused_since = min(starts, default=False)

    @api.depends(
        "state",
        "move_type",
        "company_id",
        "recovery_agreement_id",
        "recovery_excluded",
        "recovery_dispute_state",
        "recovery_paused_since",
        "recovery_contact_ids.next_action_date",
        "line_ids.amount_residual",
        "line_ids.date_maturity",
    )
    def _compute_recovery_state(self):
        today = fields.Date.context_today(self)
        invoices = self.filtered(lambda move: move._is_recovery_document())
        if not invoices:
            self.update(self._recovery_empty_state_vals(today))
            return
        installments = self._recovery_open_installments(invoices)
        policies = self.env["credit.recovery.policy"]._get_company_policies(invoices.company_id)
        policy_setup = {
            company_id: (policy._get_stage_rules(), policy.grace_days, policy._get_business_calendar())
            for company_id, policy in policies.items()
        }
        for move in self:
            vals = move._recovery_state_vals(
                installments.get(move._origin.id, []),
                policies.get(move.company_id.id),
                policy_setup.get(move.company_id.id),
                today,
            )
            move.update(vals)

    @api.model
    def _recovery_empty_state_vals(self, today):
        return {
            "recovery_stage_id": False,
            "recovery_days_overdue": 0,
            "recovery_amount_overdue": 0.0,
            "recovery_oldest_due_date": False,
            "recovery_next_action_date": False,
            "recovery_refresh_date": today,
        }

    def _recovery_state_vals(self, installments, policy, policy_setup, today):
        """Collection state of one invoice from its open ``(due date, residual)`` installments."""
        self.ensure_one()
        vals = self._recovery_empty_state_vals(today)
        if not installments:
            return vals
        currency = self.company_currency_id
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
            recovery_amount_overdue=amount_overdue,
            recovery_days_overdue=(today - oldest_due).days if overdue else 0,
            recovery_oldest_due_date=oldest_due,
        )
        if policy_setup and not self.recovery_excluded and self.recovery_dispute_state != "valid":
            rules, grace_days, calendar = policy_setup
            paused_since = self.recovery_paused_since
            result = stage_for_due_date(oldest_due, min(paused_since or today, today), rules, grace_days, calendar)
            next_action = (not paused_since and result.next_action_date) or False
            callbacks = [
                contact.next_action_date
                for contact in self.recovery_contact_ids
                if contact.next_action_date and contact.next_action_date >= today
            ]
            vals.update(
                recovery_stage_id=result.stage_id or False,
                recovery_next_action_date=min([*callbacks, next_action] if next_action else callbacks, default=False),
            )
        return vals

    @api.model
    def _recovery_open_installments(self, invoices):
        """``{move_id: [(date_maturity, residual)]}`` of the unpaid receivable lines, one query."""
        if not invoices:
            return {}
        groups = self.env["account.move.line"]._read_group(
            [
                ("move_id", "in", invoices._origin.ids),
                ("account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("date_maturity", "!=", False),
                ("amount_residual", ">", 0),
            ],
            ["move_id", "date_maturity:day"],
            ["amount_residual:sum"],
        )
        installments = defaultdict(list)
        for move, due, residual in groups:
            installments[move.id].append((due, residual))
        return installments

    @api.model
    def _recovery_refresh_domain(self):
        """Invoices whose collection state must be recomputed today."""
        today = fields.Date.context_today(self)
        return [
            "|",
            ("move_type", "in", RECOVERY_MOVE_TYPES),
            ("recovery_agreement_id", "!=", False),
            ("state", "=", "posted"),
            "|",
            ("recovery_refresh_date", "=", False),
            ("recovery_refresh_date", "<", today),
            "|",
            ("payment_state", "in", ("not_paid", "partial")),
            ("recovery_stage_id", "!=", False),
        ]

    def _is_recovery_document(self):
        """Posted customer invoices, and the journal entries of agreements (their installments)."""
        self.ensure_one()
        return self.state == "posted" and (self.move_type in RECOVERY_MOVE_TYPES or bool(self.recovery_agreement_id))

    @api.model
    def _recovery_refresh_batch(self, limit=REFRESH_BATCH, companies=None, aggregate=True):
        """Recompute, set-based, the collection state of the next ``limit`` stale invoices.

        The daily refresh touches every open invoice, so it bypasses the per-record
        compute: one query reads the batch's open installments, stages come from a
        per-(company, due date) memo of :func:`stage_for_due_date`, and one UPDATE writes
        the batch back. The debtors' aggregates follow (``aggregate``), unless the caller
        (the collection run) computes them per debtor batch afterwards. Rows are locked with
        ``SKIP LOCKED`` so that two workers share the work instead of doing it twice.
        Returns ``(done, remaining)``.
        """
        self.env.flush_all()
        domain = self._recovery_refresh_domain()
        if companies is not None:
            domain = [*domain, ("company_id", "in", companies.ids)]
        query = self._search(domain, order="id", limit=limit)
        move_ids = [row[0] for row in self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))]
        if move_ids:
            debtors = self._recovery_refresh_moves(move_ids)
            if aggregate:
                debtors._recovery_refresh_aggregates()
        # A full batch means there may be more: call again (counting them would cost a scan).
        return len(move_ids), (limit if len(move_ids) == limit else 0)

    @api.model
    def _recovery_refresh_moves(self, move_ids):
        """Set-based refresh of ``move_ids`` (locked by the caller); returns their debtors.

        See :meth:`_recovery_refresh_batch`."""
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT m.id, m.company_id, m.recovery_debtor_id, m.commercial_partner_id, m.recovery_excluded,
                       m.recovery_dispute_state, m.recovery_paused_since,
                       m.state = 'posted' AND (m.move_type IN %(types)s OR m.recovery_agreement_id IS NOT NULL)
                  FROM unnest(%(ids)s::int[]) AS batch(id)
                  JOIN account_move m ON m.id = batch.id
                """,
                types=RECOVERY_MOVE_TYPES,
                ids=move_ids,
            )
        )
        # Callback dates the agents set on contact logs (few invoices have one).
        callbacks = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT rel.move_id, MIN(c.next_action_date)
                      FROM credit_recovery_contact_move_rel rel
                      JOIN credit_recovery_contact c ON c.id = rel.contact_id
                     WHERE rel.move_id = ANY(%(ids)s) AND c.next_action_date >= %(today)s
                     GROUP BY rel.move_id
                    """,
                    ids=move_ids,
                    today=today,
                )
            )
        )
        installments = defaultdict(list)
        for move_id, due, residual in self.env.execute_query(
            SQL(
                """
                SELECT line.move_id, line.date_maturity, SUM(line.amount_residual)
                  FROM unnest(%(ids)s::int[]) AS batch(id)
                  JOIN account_move_line line ON line.move_id = batch.id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE account.account_type = 'asset_receivable'
                   AND NOT line.reconciled AND line.date_maturity IS NOT NULL AND line.amount_residual > 0
                 GROUP BY line.move_id, line.date_maturity
                """,
                ids=move_ids,
            )
        ):
            installments[move_id].append((due, residual))
        companies = self.env["res.company"].browse({row[1] for row in rows})
        policies = self.env["credit.recovery.policy"]._get_company_policies(companies)
        setups = {
            company_id: (policy, policy._get_stage_rules(), policy._get_business_calendar())
            for company_id, policy in policies.items()
        }
        currencies = {company.id: company.currency_id for company in companies}
        missing = {(row[3], row[1]) for row in rows if row[7] and not row[2]}
        debtor_ids = self.env["credit.recovery.debtor"].sudo()._get_or_create(missing) if missing else {}
        memo = {}

        def stage_of(company_id, oldest_due, as_of):
            key = (company_id, oldest_due, as_of)
            if key not in memo:
                policy, rules, calendar = setups[company_id]
                memo[key] = stage_for_due_date(oldest_due, as_of, rules, policy.grace_days, calendar)
            return memo[key]

        columns = defaultdict(list)
        for move_id, company_id, debtor_id, partner_id, excluded, dispute, paused, is_doc in rows:
            debtor = (debtor_id or debtor_ids.get((partner_id, company_id))) if is_doc else None
            setup = setups.get(company_id)
            state = _recovery_state(
                installments.get(move_id, []) if is_doc else [],
                currency=currencies[company_id],
                tolerance=setup[0].tolerance_amount if setup else None,
                stage_of=(lambda due, as_of, company_id=company_id: stage_of(company_id, due, as_of))
                if setup and not excluded and dispute != "valid"
                else None,
                paused=paused,
                callback=callbacks.get(move_id),
                today=today,
            )
            columns["id"].append(move_id)
            columns["debtor"].append(debtor)
            for key, value in state.items():
                columns[key].append(value)
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move m
                   SET recovery_debtor_id = v.debtor, recovery_stage_id = v.stage, recovery_days_overdue = v.days,
                       recovery_amount_overdue = v.amount, recovery_oldest_due_date = v.oldest,
                       recovery_next_action_date = v.next, recovery_refresh_date = %(today)s
                  FROM (SELECT unnest(%(id)s::int[]) AS id, unnest(%(debtor)s::int[]) AS debtor,
                               unnest(%(stage)s::int[]) AS stage, unnest(%(days)s::int[]) AS days,
                               unnest(%(amount)s::numeric[]) AS amount, unnest(%(oldest)s::date[]) AS oldest,
                               unnest(%(next)s::date[]) AS next) v
                 WHERE m.id = v.id
                """,
                today=today,
                **columns,
            )
        )
        self.invalidate_model(["recovery_debtor_id", *RECOVERY_STATE_FIELDS])
        return self.env["credit.recovery.debtor"].browse({debtor for debtor in columns["debtor"] if debtor})

    @api.model
    def _cron_refresh_recovery_state(self):
        """Daily: days overdue, stages and next action dates of open invoices and their debtors."""
        done, remaining = self._recovery_refresh_batch()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            self.env["credit.recovery.debtor"]._recovery_refresh_history()

    @api.model
    def _recovery_schedule_refresh(self, companies):
        """Collection settings of ``companies`` changed: mark their invoices stale and let the
        refresh cron recompute them now, in batches, instead of in the settings' transaction."""
        if not companies:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE account_move SET recovery_refresh_date = NULL
                    WHERE (move_type IN %s OR recovery_agreement_id IS NOT NULL)
                      AND state = 'posted' AND company_id IN %s""",
                RECOVERY_MOVE_TYPES,
                tuple(companies.ids),
            )
        )
        self.invalidate_model(["recovery_refresh_date"])
        cron = self.env.ref("account_credit_recovery.ir_cron_refresh_recovery_state", raise_if_not_found=False)
        if cron:
            cron._trigger()

    def action_recovery_log_contact(self):
        partner = self.commercial_partner_id
        if len(partner) != 1:
            raise UserError(self.env._("Log a contact for the invoices of one customer at a time."))
        return self.env["credit.recovery.contact"]._action_log_contact(partner, self)

    def action_recovery_whatsapp(self):
        self.ensure_one()
        if not self.recovery_debtor_id:
            raise UserError(self.env._("Only posted customer invoices are in collection."))
        return self.env["credit.recovery.contact"]._action_whatsapp(self.recovery_debtor_id, self)

    def action_recovery_dispute(self):
        """Record that the customer disputes these invoices (pauses their collection)."""
        return self.env["credit.recovery.dispute"]._action_open(self, "raise")

    def action_recovery_resolve_dispute(self):
        return self.env["credit.recovery.dispute"]._action_open(self, "resolve")

    def _recovery_open_dispute(self, kind, note, user=None):
        """Put the invoices under dispute and ask the dispute manager to review them."""
        wrong = self.filtered(lambda move: move.state != "posted" or move.move_type not in RECOVERY_MOVE_TYPES)
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted customer invoices can be disputed: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        today = fields.Date.context_today(self)
        self.sudo().write(
            {
                "recovery_dispute_state": "open",
                "recovery_dispute_kind": kind,
                "recovery_dispute_note": note,
                "recovery_dispute_date": today,
                "recovery_dispute_resolution": False,
            }
        )
        policies = self.env["credit.recovery.policy"]._get_company_policies(self.company_id)
        activity_type = self.env.ref("account_credit_recovery.activity_type_dispute_review")
        for move in self.sudo():
            policy = policies.get(move.company_id.id)
            reviewer = (
                (policy and policy.dispute_manager_id) or move.recovery_debtor_id.user_id or user or self.env.user
            )
            move.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("Review the dispute of %(invoice)s", invoice=move.name),
                note=note,
                user_id=reviewer.id,
            )

    def action_recovery_negotiate(self):
        return self.env["credit.recovery.negotiation"]._action_open(self)

    def _recovery_check_negotiable(self, partner=None):
        """Refuse what cannot be negotiated together, with a message saying why."""
        if not self:
            raise UserError(self.env._("Select the overdue invoices to negotiate."))
        if len(self.commercial_partner_id) > 1 or (
            partner and self.commercial_partner_id != partner.commercial_partner_id
        ):
            raise UserError(self.env._("Negotiate the invoices of one customer at a time."))
        if len(self.company_id) > 1:
            raise UserError(self.env._("Negotiate the invoices of one company at a time."))
        if len(self.currency_id) > 1:
            raise UserError(self.env._("Negotiate invoices in one currency at a time."))
        wrong = self.filtered(lambda move: move.state != "posted" or move.move_type not in RECOVERY_MOVE_TYPES)
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted customer invoices can be negotiated: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        if not any(self.mapped("recovery_amount_overdue")):
            raise UserError(self.env._("Nothing is overdue on these invoices: there is nothing to negotiate yet."))

    def action_recovery_dossier(self):
        """Evidence dossier limited to the selected invoices (one customer at a time)."""
        debtor = self.recovery_debtor_id
        if len(debtor) != 1:
            raise UserError(self.env._("Select posted invoices of one customer to print their dossier."))
        return debtor.action_generate_dossier(self)

    def action_recovery_exclude(self):
        """Ask for the reason, then take the invoices out of collection."""
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_exclude")
        action["context"] = {"active_model": "account.move", "active_ids": self.ids}
        return action

    def action_recovery_include(self):
        """Put excluded invoices back into collection (Collection Managers)."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can put invoices back into collection."))
        self.sudo().write({"recovery_excluded": False, "recovery_exclusion_reason": False})
        return True

    def action_recovery_open_debtor(self):
        self.ensure_one()
        return self.recovery_debtor_id.get_formview_action()
