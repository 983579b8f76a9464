from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sql import audit_columns, audit_values
from .common import RECOVERY_MOVE_TYPES, STATE_FIELDS

REFRESH_BATCH = 5000


class AccountMove(models.Model):
    """The daily refresh engine of the invoices' collection state (``credit.recovery.invoice``,
    next door): which states are stale, the set-based batch that recomputes them from the
    invoices' open installments, the cron and the install-time creation.

    It lives on ``account.move`` (the cron, the run and the settings call it there) because it
    reads the invoices; what it writes is ``credit.recovery.invoice`` and the debtors' aggregates.
    """

    _inherit = "account.move"

    @api.model
    def _recovery_open_installments(self, move_ids):
        """``{move_id: [(date_maturity, residual)]}`` of the unpaid receivable lines, one query.

        Shared by the compute (a few invoices) and the daily refresh (5,000 at a time): plain
        SQL, since building records for 100,000 grouped rows cost the refresh a second."""
        if not move_ids:
            return {}
        self.env["account.move.line"].flush_model(
            ["move_id", "account_id", "reconciled", "date_maturity", "amount_residual"]
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
                ids=list(move_ids),
            )
        ):
            installments[move_id].append((due, residual))
        return installments

    @api.model
    def _recovery_refresh_domain(self):
        """Invoices whose collection state must be recomputed today."""
        return [("recovery_invoice_id", "any", self.env["credit.recovery.invoice"]._stale_domain())]

    @api.model
    def _recovery_refresh_batch(self, limit=REFRESH_BATCH, companies=None, aggregate=True):
        """Recompute, set-based, the collection state of the next ``limit`` stale invoices.

        The daily refresh touches the invoices whose state changes today or that an event marked
        stale (``credit.recovery.invoice._stale_domain``), thousands on a busy day, so it bypasses
        the per-record compute: one query reads the batch's open installments, the states come from the
        same calculation as the compute's (``credit.recovery.invoice._state_calculator``,
        stages memoised per due date), and one UPDATE writes the batch back. The debtors'
        aggregates follow (``aggregate``), unless the caller (the collection run) computes them
        per debtor batch afterwards. Rows are locked with ``SKIP LOCKED`` so that the refresh
        cron and a collection run's refresh phase, which may run at the same time, share the work
        instead of doing it twice.
        Returns ``(done, remaining)``.
        """
        state_ids = self._recovery_lock_stale_states(companies, limit=limit)
        if state_ids:
            debtors = self._recovery_refresh_states(state_ids)
            if aggregate:
                debtors._recovery_refresh_aggregates()
        # A full batch means there may be more: call again (counting them would cost a scan).
        return len(state_ids), (limit if len(state_ids) == limit else 0)

    @api.model
    def _recovery_lock_stale_states(self, companies=None, after_id=0, limit=REFRESH_BATCH, lock=True):
        """Ids of the next ``limit`` stale collection states (of ``companies``) past ``after_id``,
        in id order, locked ``FOR UPDATE SKIP LOCKED`` (``lock=False``: only looked at, rows
        locked by another worker included)."""
        self.env.flush_all()
        State = self.env["credit.recovery.invoice"].sudo()
        domain = State._stale_domain()
        if companies is not None:
            domain = [*domain, ("company_id", "in", companies.ids)]
        if after_id:
            domain = [*domain, ("id", ">", after_id)]
        query = State._search(domain, order="id", limit=limit).select()
        if lock:
            query = SQL("%s FOR UPDATE SKIP LOCKED", query)
        return [row[0] for row in self.env.execute_query(query)]

    @api.model
    def _recovery_refresh_states(self, state_ids):
        """Set-based refresh of the collection states ``state_ids`` (locked by the caller);
        returns their debtors. See :meth:`_recovery_refresh_batch`."""
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT s.id, m.id, m.company_id, m.recovery_debtor_id, m.commercial_partner_id, m.recovery_excluded,
                       m.recovery_dispute_state, m.recovery_paused_since,
                       m.state = 'posted' AND (m.move_type IN %(types)s OR m.recovery_agreement_id IS NOT NULL)
                  FROM unnest(%(ids)s::int[]) AS batch(id)
                  JOIN credit_recovery_invoice s ON s.id = batch.id
                  JOIN account_move m ON m.id = s.move_id
                """,
                types=RECOVERY_MOVE_TYPES,
                ids=state_ids,
            )
        )
        move_ids = [row[1] for row in rows]
        # Callback dates the agents set on contact logs, else the promised dates (few invoices have one).
        callbacks = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT rel.move_id, MIN(COALESCE(c.next_action_date, c.promise_date))
                      FROM credit_recovery_contact_move_rel rel
                      JOIN credit_recovery_contact c ON c.id = rel.contact_id
                     WHERE rel.move_id = ANY(%(ids)s) AND COALESCE(c.next_action_date, c.promise_date) >= %(today)s
                     GROUP BY rel.move_id
                    """,
                    ids=move_ids,
                    today=today,
                )
            )
        )
        installments = self._recovery_open_installments(move_ids)
        State = self.env["credit.recovery.invoice"]
        calculate = State._state_calculator(self.env["res.company"].browse({row[2] for row in rows}), today)
        missing = {(row[4], row[2]) for row in rows if row[8] and not row[3]}
        debtor_ids = self.env["credit.recovery.debtor"].sudo()._get_or_create(missing) if missing else {}
        columns = defaultdict(list)
        relinked = defaultdict(list)
        debtors = set()
        for state_id, move_id, company_id, debtor_id, partner_id, excluded, dispute, paused, is_doc in rows:
            debtor = (debtor_id or debtor_ids.get((partner_id, company_id))) if is_doc else None
            if debtor != debtor_id:
                relinked["id"].append(move_id)
                relinked["debtor"].append(debtor)
            if debtor:
                debtors.add(debtor)
            state = calculate(
                company_id,
                installments.get(move_id, []) if is_doc else [],
                excluded=excluded,
                dispute=dispute,
                paused=paused,
                callback=callbacks.get(move_id),
            )
            columns["id"].append(state_id)
            columns["stage"].append(state.stage_id)
            columns["amount"].append(state.amount_overdue)
            columns["oldest"].append(state.oldest_due_date)
            columns["next"].append(state.next_action_date)
            columns["change"].append(state.change_date)
        self.env.cr.execute(
            SQL(
                """
                UPDATE credit_recovery_invoice s
                   SET stage_id = v.stage, amount_overdue = v.amount, oldest_due_date = v.oldest,
                       next_action_date = v.next, next_change_date = v.change, refresh_date = %(today)s
                  FROM (SELECT unnest(%(id)s::int[]) AS id, unnest(%(stage)s::int[]) AS stage,
                               unnest(%(amount)s::numeric[]) AS amount, unnest(%(oldest)s::date[]) AS oldest,
                               unnest(%(next)s::date[]) AS next, unnest(%(change)s::date[]) AS change) v
                 WHERE s.id = v.id
                """,
                today=today,
                **columns,
            )
        )
        if relinked:
            # Invoices posted before the addon was installed, or moved to draft: their debtor link.
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE account_move m SET recovery_debtor_id = v.debtor
                      FROM (SELECT unnest(%(id)s::int[]) AS id, unnest(%(debtor)s::int[]) AS debtor) v
                     WHERE m.id = v.id
                    """,
                    **relinked,
                )
            )
            self.invalidate_model(["recovery_debtor_id"])
        State.invalidate_model(STATE_FIELDS)
        return self.env["credit.recovery.debtor"].browse(debtors)

    @api.model
    def _recovery_init_states(self):
        """Install time: a collection state for every posted invoice (left stale, so that the
        refresh computes them in batches), in one statement instead of the ORM row by row."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH created AS (
                    INSERT INTO credit_recovery_invoice (move_id, company_id, %(audit_columns)s)
                    SELECT id, company_id, %(audit_values)s
                      FROM account_move
                     WHERE state = 'posted' AND (move_type IN %(types)s OR recovery_agreement_id IS NOT NULL)
                    ON CONFLICT (move_id) DO NOTHING
                    RETURNING id, move_id
                )
                UPDATE account_move m SET recovery_invoice_id = created.id FROM created WHERE m.id = created.move_id
                """,
                audit_columns=audit_columns(),
                audit_values=audit_values(self.env.uid),
                types=RECOVERY_MOVE_TYPES,
            )
        )
        self.invalidate_model(["recovery_invoice_id"])

    @api.model
    def _cron_refresh_recovery_state(self):
        """Daily: stages, amounts and next action dates of the invoices whose state changes today
        (or that an event marked stale) and their debtors; days overdue follow when read."""
        done, remaining = self._recovery_refresh_batch()
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            Debtor = self.env["credit.recovery.debtor"]
            Debtor._recovery_refresh_history()
            Debtor._recovery_flag_first_payment_defaults()
            Debtor._recovery_refresh_segments()

    @api.model
    def _recovery_schedule_refresh(self, companies):
        """Collection settings of ``companies`` changed: mark their invoices stale and let the
        refresh cron recompute them now, in batches, instead of in the settings' transaction."""
        if not companies:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE credit_recovery_invoice s SET refresh_date = NULL
                     FROM account_move m
                    WHERE m.id = s.move_id AND m.state = 'posted' AND s.company_id IN %s
                      AND (m.payment_state IN ('not_paid', 'partial') OR s.stage_id IS NOT NULL)""",
                tuple(companies.ids),
            )
        )
        self.env["credit.recovery.invoice"].invalidate_model(["refresh_date"])
        cron = self.env.ref("account_credit_recovery.ir_cron_refresh_recovery_state", raise_if_not_found=False)
        if cron:
            cron._trigger()
