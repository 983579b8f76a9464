from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

from ..tools.collection import agreement_awaits_payment, credit_status, payments_to_restore, select_profile
from ..tools.sql import array_literal

HISTORY_DAYS = 365


class CreditRecoveryDebtor(models.Model):
    """The debtor's aggregates of its invoices' collection state (amount, oldest unpaid due date,
    stage, next action), its recurrence, credit status and profile: the stored computes, and their
    set-based twin for the daily refresh, which apply the same rules. Days overdue change every
    day: they are not stored but follow from ``oldest_due_date`` when read (the invoice's rule,
    ``credit.recovery.invoice._days_overdue_sql``), so the daily refresh writes only the debtors
    whose stored facts changed."""

    _inherit = "credit.recovery.debtor"

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        # Days overdue are computed when read: searching, sorting (``_order``), grouping and the
        # raw SQL of other files (``_field_to_sql(alias, "days_overdue")``) use the same expression.
        if fname == "days_overdue":
            return self.env["credit.recovery.invoice"]._days_overdue_sql(
                super()._field_to_sql(alias, "oldest_due_date", query, flush)
            )
        return super()._field_to_sql(alias, fname, query, flush)

    @api.depends("oldest_due_date")
    def _compute_days_overdue(self):
        today = fields.Date.context_today(self)
        for debtor in self:
            oldest = debtor.oldest_due_date
            debtor.days_overdue = max((today - oldest).days, 0) if oldest else 0

    def _search_days_overdue(self, operator, value):
        if operator not in ("=", "!=", "<", "<=", ">", ">=", "in", "not in"):
            return NotImplemented
        query = self._where_calc([])
        query.add_where(self._condition_to_sql(self._table, "days_overdue", operator, value, query))
        return [("id", "in", query)]

    @api.depends(
        "invoice_ids.recovery_amount_overdue",
        "invoice_ids.recovery_oldest_due_date",
        "invoice_ids.recovery_stage_id",
        "invoice_ids.recovery_next_action_date",
        "callback_date",
    )
    def _compute_collection_state(self):
        Move = self.env["account.move"]
        debtor_ids = self._origin.ids
        overdue = {
            debtor.id: (amount, oldest, count)
            for debtor, amount, oldest, count in Move._read_group(
                [("recovery_debtor_id", "in", debtor_ids), ("recovery_amount_overdue", ">", 0)],
                ["recovery_debtor_id"],
                ["recovery_amount_overdue:sum", "recovery_oldest_due_date:min", "__count"],
            )
        }
        staged = {}
        for debtor, stage, next_date in Move._read_group(
            [("recovery_debtor_id", "in", debtor_ids), ("recovery_stage_id", "!=", False)],
            ["recovery_debtor_id", "recovery_stage_id"],
            ["recovery_next_action_date:min"],
        ):
            best_stage, best_date = staged.get(debtor.id, (stage.browse(), False))
            if not best_stage or stage._ladder_key() > best_stage._ladder_key():
                best_stage = stage
            if next_date and (not best_date or next_date < best_date):
                best_date = next_date
            staged[debtor.id] = (best_stage, best_date)
        for debtor in self:
            amount, oldest, count = overdue.get(debtor._origin.id, (0.0, False, 0))
            stage, next_date = staged.get(debtor._origin.id, (False, False))
            debtor.amount_overdue = amount
            debtor.oldest_due_date = oldest
            debtor.overdue_invoice_count = count
            debtor.stage_id = stage
            if debtor.callback_date and (not next_date or debtor.callback_date < next_date):
                next_date = debtor.callback_date
            debtor.next_action_date = next_date

    @api.depends("invoice_ids.payment_state", "invoice_ids.recovery_amount_overdue")
    def _compute_overdue_episodes(self):
        episodes = self._get_overdue_episodes()
        for debtor in self:
            debtor.overdue_episodes = episodes.get(debtor._origin.id, 0)

    @api.depends("promise_ids.state", "promise_ids.closed_date", "agreement_ids.state", "agreement_ids.broken_date")
    def _compute_broken_commitments(self):
        since = fields.Date.context_today(self) - timedelta(days=HISTORY_DAYS)
        for debtor in self:
            promises = debtor.promise_ids.filtered(
                lambda promise: promise.state == "broken" and promise.closed_date >= since
            )
            agreements = debtor.agreement_ids.filtered(
                lambda agreement: agreement.state == "broken" and agreement.broken_date >= since
            )
            debtor.broken_commitments = len(promises) + len(agreements)

    def _broken_in_window(self):
        """``{debtor_id: n}``: promises to pay and agreements of these debtors broken in the last 12
        months, as :meth:`_compute_broken_commitments` counts them (two grouped queries)."""
        since = fields.Date.context_today(self) - timedelta(days=HISTORY_DAYS)
        counts = defaultdict(int)
        for model, date_field in (
            ("credit.recovery.promise", "closed_date"),
            ("credit.recovery.agreement", "broken_date"),
        ):
            for debtor, count in (
                self.env[model]
                .sudo()
                ._read_group(
                    [("debtor_id", "in", self.ids), ("state", "=", "broken"), (date_field, ">=", since)],
                    ["debtor_id"],
                    ["__count"],
                )
            ):
                counts[debtor.id] += count
        return counts

    @api.depends("overdue_episodes", "broken_commitments", "company_id")
    def _compute_profile_computed_id(self):
        rules = self._get_profile_rules_by_company({debtor.company_id.id for debtor in self})
        for debtor in self:
            profile_id = select_profile(rules[debtor.company_id.id], debtor.overdue_episodes, debtor.broken_commitments)
            debtor.profile_computed_id = profile_id or False

    @api.depends("profile_computed_id", "profile_override_id")
    def _compute_profile_id(self):
        for debtor in self:
            debtor.profile_id = debtor.profile_override_id or debtor.profile_computed_id

    @api.depends(
        "amount_overdue",
        "overdue_episodes",
        "agreement_ids.state",
        "agreement_ids.line_ids.move_line_id.reconciled",
    )
    def _compute_credit_status(self):
        payments = self._get_agreement_payments()
        for debtor in self:
            overdue = debtor.currency_id.compare_amounts(debtor.amount_overdue, 0.0) > 0
            pending = payments.get(debtor._origin.id, (False, None))[0]
            debtor.credit_status = credit_status(overdue, debtor.overdue_episodes, pending)

    def _compute_agreement_next_payment(self):
        """What the customer pays next on an active agreement (while the credit waits for it)."""
        for debtor in self:
            line = (
                debtor.agreement_ids.filtered(lambda agreement: agreement.state in ("active", "broken"))
                .line_ids.filtered(lambda line: not line.paid)
                .sorted(lambda line: (line.date_due, line.sequence))[:1]
            )
            debtor.agreement_next_payment = (
                self.env._(
                    "%(amount)s due %(date)s (%(agreement)s, %(payment)s)",
                    amount=format_amount(self.env, line.amount_residual, line.currency_id),
                    date=format_date(self.env, line.date_due),
                    agreement=line.agreement_id.name,
                    payment=line.name,
                )
                if line
                else False
            )

    @api.model
    def _get_profile_rules_by_company(self, company_ids):
        """``{company_id: [ProfileRule]}`` of ``company_ids``: the active profiles of the company
        and the shared ones, read once for the whole batch (there are a handful)."""
        profiles = self.env["credit.recovery.profile"].sudo().search([("active", "=", True)])
        return {
            company_id: profiles.filtered(
                lambda p, company_id=company_id: p.company_id.id in (False, company_id)
            )._get_profile_rules()
            for company_id in company_ids
        }

    def _get_agreement_payments(self):
        """``{debtor_id: (awaiting payment, restored on)}`` from the debtors' agreements (one query).

        *Awaiting payment*: an active (or broken) agreement has not received the payments its
        company's policy asks for before the credit comes back (``tools.collection``:
        ``agreement_awaits_payment``). *Restored on*: the day the latest agreement received the last
        of those payments (the date of the payment, not of its recording), or ``None``. A payment is
        an installment's receivable item reconciled, as ``credit.recovery.agreement.line.paid``.
        """
        debtor_ids = [debtor_id for debtor_id in self._origin.ids if debtor_id]
        if not debtor_ids:
            return {}
        self.env["account.move.line"].flush_model(["reconciled"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "max_date"])
        self.env["credit.recovery.agreement.line"].flush_model(["agreement_id", "move_line_id"])
        self.env["credit.recovery.agreement"].flush_model(["debtor_id", "company_id", "state"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT agreement.debtor_id, agreement.company_id, agreement.state, COUNT(line.id),
                       ARRAY_REMOVE(ARRAY_AGG(
                           (SELECT MAX(partial.max_date) FROM account_partial_reconcile partial
                             WHERE partial.debit_move_id = item.id)
                       ) FILTER (WHERE item.reconciled), NULL)
                  FROM credit_recovery_agreement agreement
                  JOIN credit_recovery_agreement_line line ON line.agreement_id = agreement.id
                  LEFT JOIN account_move_line item ON item.id = line.move_line_id
                 WHERE agreement.debtor_id = ANY(%(debtors)s) AND agreement.state IN ('active', 'broken', 'done')
                 GROUP BY agreement.id
                 ORDER BY agreement.id
                """,
                debtors=debtor_ids,
            )
        )
        companies = self.env["res.company"].browse({row[1] for row in rows})
        policies = self.env["credit.recovery.policy"]._get_company_policies(companies)
        result = {}
        for debtor_id, company_id, state, count, paid_on in rows:
            policy = policies.get(company_id)
            rule = (policy.credit_restore_on, policy.credit_restore_installments) if policy else ("first_payment", 1)
            pending, restored_on = result.get(debtor_id, (False, None))
            required = payments_to_restore(count, *rule)
            paid_dates = sorted(paid_on or [])
            if state != "done" and agreement_awaits_payment(len(paid_dates), count, *rule):
                pending = True
            elif required and len(paid_dates) >= required:
                restored_on = max(filter(None, (restored_on, paid_dates[required - 1])))
            result[debtor_id] = (pending, restored_on)
        return result

    def _get_overdue_episodes(self):
        """``{debtor_id: n}``: invoices with an installment due in the last 12 months that was
        paid after its due date or is still unpaid past it (one query)."""
        if not self._origin.ids:
            return {}
        self.env["account.move.line"].flush_model(["amount_residual", "reconciled", "date_maturity", "move_id"])
        self.env["account.move"].flush_model(["recovery_debtor_id"])
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.recovery_debtor_id, COUNT(DISTINCT move.id)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE move.recovery_debtor_id IN %(debtors)s
                   AND account.account_type = 'asset_receivable'
                   AND line.debit > 0
                   AND line.date_maturity >= %(since)s
                   AND line.date_maturity < %(today)s
                   AND (
                        (NOT line.reconciled AND line.amount_residual > 0)
                        OR EXISTS (
                            SELECT 1 FROM account_partial_reconcile partial
                             WHERE partial.debit_move_id = line.id AND partial.max_date > line.date_maturity
                        )
                   )
                 GROUP BY move.recovery_debtor_id
                """,
                debtors=tuple(self._origin.ids),
                since=today - timedelta(days=HISTORY_DAYS),
                today=today,
            )
        )
        return dict(rows)

    def _recovery_refresh_aggregates(self, run=None):
        """Set-based twin of the debtor's stored computes, for the daily refresh.

        One query reads the aggregates of the debtors' invoices (their stored collection
        state), one more their recurrence (:meth:`_get_overdue_episodes`); credit status
        and profile follow from the same rules as the computes (``tools.collection``:
        ``credit_status``, ``select_profile``); one
        UPDATE writes the rows that changed. Thousands of debtors go through neither the
        ORM's recompute nor the chatter's tracking (the run records what changed).
        """
        if not self:
            return
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                WITH aggregate AS (
                    SELECT m.recovery_debtor_id AS id,
                           SUM(s.amount_overdue) FILTER (WHERE s.amount_overdue > 0) AS amount,
                           MIN(s.oldest_due_date) FILTER (WHERE s.amount_overdue > 0) AS oldest,
                           COUNT(*) FILTER (WHERE s.amount_overdue > 0) AS count,
                           (array_agg(s.stage_id ORDER BY %(ladder)s)
                                FILTER (WHERE s.stage_id IS NOT NULL))[1] AS stage,
                           MIN(s.next_action_date) FILTER (WHERE s.stage_id IS NOT NULL) AS next_date
                      FROM unnest(%(ids)s::int[]) AS batch(id)
                      JOIN account_move m ON m.recovery_debtor_id = batch.id
                      JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                      LEFT JOIN credit_recovery_stage st ON st.id = s.stage_id
                     GROUP BY m.recovery_debtor_id
                )
                SELECT d.id, d.company_id, COALESCE(a.amount, 0), a.oldest, %(days)s, COALESCE(a.count, 0), a.stage,
                       LEAST(a.next_date, d.callback_date), COALESCE(d.broken_commitments, 0), d.profile_override_id
                  FROM unnest(%(ids)s::int[]) AS batch(id)
                  JOIN credit_recovery_debtor d ON d.id = batch.id
                  LEFT JOIN aggregate a ON a.id = d.id
                """,
                ids=self.ids,
                days=self.env["credit.recovery.invoice"]._days_overdue_sql(SQL("a.oldest")),
                ladder=self.env["credit.recovery.stage"]._ladder_order_sql("st"),
            )
        )
        episodes = self._get_overdue_episodes()
        payments = self._get_agreement_payments()
        rules = self._get_profile_rules_by_company({row[1] for row in rows})
        values = defaultdict(list)
        for debtor_id, company_id, amount, oldest, days, count, stage, next_date, broken, override in rows:
            recurrence = episodes.get(debtor_id, 0)
            computed = select_profile(rules[company_id], recurrence, broken)
            for key, value in (
                ("id", debtor_id),
                ("amount", amount),
                ("oldest", oldest),
                ("days", days),
                ("count", count),
                ("stage", stage),
                ("next", next_date),
                ("episodes", recurrence),
                ("status", credit_status(amount > 0, recurrence, payments.get(debtor_id, (False, None))[0])),
                ("computed", computed),
                ("profile", override or computed),
            ):
                values[key].append(value)
        self._recovery_refresh_write(values, run)

    def _recovery_refresh_write(self, values, run=None, extra=None):
        """The refresh's one UPDATE of the debtors: ``values`` holds one list per column (``id``, ``amount``,
        ``oldest``, ``count``, ``stage``, ``next``, ``episodes``, ``status``, ``computed``, ``profile``), in the
        order of ``values["id"]``, and ``days`` (days overdue today, read by the credit limits, not stored);
        only the rows that change are written.

        ``extra`` (the credit limits following collection, ``credit_recovery_debtor_credit.py``): more
        columns written in the same pass, ``{"changed": [bool per row], "columns": {column: (SQL type,
        [value per row])}}``, taken for the rows whose ``changed`` is true: a second UPDATE of rows this
        transaction already rewrote would write them again and re-check every foreign key of each.
        """
        extra = extra or {"changed": [False] * len(values["id"]), "columns": {}}
        names = sorted(extra["columns"])
        assignments = SQL("").join(
            SQL(
                ", %s = CASE WHEN v.extra_changed THEN v.%s ELSE d.%s END",
                SQL.identifier(name),
                SQL.identifier(f"x_{name}"),
                SQL.identifier(name),
            )
            for name in names
        )
        arrays = SQL("").join(
            SQL(
                ", unnest(%s::%s[]) AS %s",
                extra["columns"][name][1],
                SQL(extra["columns"][name][0]),
                SQL.identifier(f"x_{name}"),
            )
            for name in names
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE credit_recovery_debtor d
                   SET amount_overdue = v.amount, oldest_due_date = v.oldest, overdue_invoice_count = v.count,
                       stage_id = v.stage, next_action_date = v.next, overdue_episodes = v.episodes,
                       credit_status = v.status, profile_computed_id = v.computed, profile_id = v.profile,
                       planned_run_id = COALESCE(%(run)s, d.planned_run_id) %(assignments)s
                  FROM (SELECT unnest(%(id)s::int[]) AS id, unnest(%(amount)s::numeric[]) AS amount,
                               unnest(%(oldest)s::date[]) AS oldest, unnest(%(count)s::int[]) AS count,
                               unnest(%(stage)s::int[]) AS stage, unnest(%(next)s::date[]) AS next,
                               unnest(%(episodes)s::int[]) AS episodes, unnest(%(status)s::varchar[]) AS status,
                               unnest(%(computed)s::int[]) AS computed, unnest(%(profile)s::int[]) AS profile,
                               unnest(%(changed)s::bool[]) AS extra_changed %(arrays)s) v
                 WHERE d.id = v.id
                   AND (v.extra_changed
                        OR (d.planned_run_id, d.amount_overdue, d.oldest_due_date, d.overdue_invoice_count, d.stage_id,
                            d.next_action_date, d.overdue_episodes, d.credit_status, d.profile_computed_id,
                            d.profile_id)
                           IS DISTINCT FROM (COALESCE(%(run)s, d.planned_run_id), v.amount, v.oldest, v.count, v.stage,
                                             v.next, v.episodes, v.status, v.computed, v.profile))
                """,
                run=run.id if run else None,
                assignments=assignments,
                arrays=arrays,
                changed=array_literal(extra["changed"], "bool"),
                **{column: value for column, value in values.items() if column != "days"},
            )
        )
        self.invalidate_recordset(
            [
                "planned_run_id",
                "amount_overdue",
                "oldest_due_date",
                "days_overdue",
                "overdue_invoice_count",
                "stage_id",
                "next_action_date",
                "overdue_episodes",
                "credit_status",
                "profile_computed_id",
                "profile_id",
                *names,
            ]
        )

    @api.model
    def _recovery_refresh_history(self, companies=None, planned_run=None):
        """Daily: the 12-month window slides, so recompute recurrence and broken commitments (and
        hence profiles and credit status) where they change; days overdue are not stored
        (computed when read). Only the rows that change are written.

        ``planned_run``: the debtors that run planned were just recomputed by its plan phase;
        only the others (paid but late in the last 12 months, or overdue before their first
        stage while none of their invoices' state changed) are left, and of them only those whose
        recurrence the window changes go through the aggregates again. Without ``planned_run``
        (the refresh cron alone) every debtor in the domain does.
        """
        company_domain = [("company_id", "in", companies.ids)] if companies is not None else []
        broken = self.search([*company_domain, ("broken_commitments", ">", 0)])
        # Recomputed (by the ORM's compute) only where a commitment left the window: a recompute
        # writes the row even when the count stays.
        counts = broken._broken_in_window()
        left = broken.filtered(lambda debtor: debtor.broken_commitments != counts[debtor.id])
        self.env.add_to_compute(self._fields["broken_commitments"], left)
        left.modified(["broken_commitments"])
        self.env.flush_all()
        domain = ["|", "|", ("overdue_episodes", ">", 0), ("amount_overdue", ">", 0), ("broken_commitments", ">", 0)]
        if planned_run is not None:
            domain = ["&", "|", ("planned_run_id", "=", False), ("planned_run_id", "!=", planned_run.id), *domain]
        # The stored recurrence only (fetched with the ids): the filter below reads nothing else.
        debtors = self.search_fetch([*company_domain, *domain], ["overdue_episodes"], order="id")
        for start in range(0, len(debtors), 5000):
            batch = debtors[start : start + 5000]
            # After a run, the others' invoices' states did not change today (they would have been
            # planned): what the sliding window changes is the recurrence, and what follows from it
            # (credit status, profile, credit limit). Only the debtors whose recurrence changes go
            # through the aggregates again; the segments (the hardship window slides too) for all,
            # one UPDATE. Without a run (the refresh cron alone), any of them may have had a state
            # refreshed today: all go through the aggregates (and their credit limits follow).
            if planned_run is None:
                batch._recovery_refresh_aggregates()
            else:
                episodes = batch._get_overdue_episodes()
                batch.filtered(
                    lambda debtor, episodes=episodes: debtor.overdue_episodes != episodes.get(debtor.id, 0)
                )._recovery_refresh_aggregates()
            batch._recovery_refresh_segments()
