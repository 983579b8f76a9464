from collections import defaultdict
from datetime import datetime

from odoo import fields, models
from odoo.tools import SQL

from ..tools import collection
from ..tools.collection import highest_stage_id
from ..tools.contact_rules import contact_moment, to_utc
from ..tools.sql import batch_insert, batch_update

PLAN_BATCH = 5000


class CreditRecoveryRun(models.Model):
    """The run's plan phase: which debtors are planned next, their stage actions skipped or
    grouped into one message per debtor, queued at the next moment the contact rules allow."""

    _inherit = "credit.recovery.run"

    def _plan_batch(self, limit=PLAN_BATCH):
        """Plan the stage actions of the next ``limit`` debtors: skipped, or grouped into one message each.

        Returns ``(debtors, stage changes, messages queued, last debtor id scanned)``.
        Set-based: a handful of queries per batch whatever the number of invoices.
        """
        self.ensure_one()
        debtor_ids, last_id = self._next_ids("plan", lambda after: self._lock_debtors_to_plan(limit, after_id=after))
        if not debtor_ids:
            return 0, 0, 0, last_id
        # Also marks the debtors as planned by this run (one write per debtor).
        self.env["credit.recovery.debtor"].browse(debtor_ids)._recovery_refresh_aggregates(self)
        today = fields.Date.context_today(self)
        Action = self.env["credit.recovery.action"]
        # Installments standing at a stage whose actions were never planned: reached today, or
        # since the last run (a payment, a posting). The unique (invoice, stage, installment due
        # date) index makes it once per installment: the ladder restarts for the next one.
        rows = Action._fetch_new_facts(debtor_ids)
        skipped, kept = Action._classify(rows, today)
        stages = {stage.id: stage for stage in self.policy_id.with_context(active_test=False).stage_ids}
        ladder = {stage_id: stage._ladder_key() for stage_id, stage in stages.items()}
        by_debtor = defaultdict(list)
        for row in kept:
            by_debtor[row["debtor_id"]].append(row)
        # A debtor's queued message absorbs the new actions: still one message per debtor.
        queued = {
            debtor_id: (dispatch_id, stage_id)
            for dispatch_id, debtor_id, stage_id in self.env.execute_query(
                SQL(
                    """SELECT id, debtor_id, stage_id FROM credit_recovery_dispatch
                        WHERE debtor_id = ANY(%s) AND state = 'queued'""",
                    list(by_debtor),
                )
            )
        }
        new_dispatches = []
        raise_stage = {}
        meeting = self.env["credit.recovery.stage"]._debtors_meeting_conditions(stages.values(), list(by_debtor))
        for debtor_id, debtor_rows in by_debtor.items():
            stage = stages[highest_stage_id(ladder, (row["stage_id"] for row in debtor_rows))]
            if not stage._has_actions():
                skipped[collection.SKIP_NO_ACTION].extend(debtor_rows)
            elif stage.id in meeting and debtor_id not in meeting[stage.id]:
                skipped[collection.SKIP_CONDITION].extend(debtor_rows)
            elif debtor_id in queued:
                dispatch_id, queued_stage = queued[debtor_id]
                for row in debtor_rows:
                    row["dispatch_id"] = dispatch_id
                if queued_stage in stages and highest_stage_id(ladder, (stage.id, queued_stage)) != queued_stage:
                    raise_stage[dispatch_id] = stage.id
            else:
                new_dispatches.append((debtor_id, stage.id))
        created = self._create_dispatches(new_dispatches)
        for debtor_id, _stage in new_dispatches:
            for row in by_debtor[debtor_id]:
                row["dispatch_id"] = created[debtor_id]
        if raise_stage:
            self.env.cr.execute(
                batch_update(
                    "credit_recovery_dispatch",
                    {dispatch_id: {"stage_id": stage_id} for dispatch_id, stage_id in raise_stage.items()},
                    {"stage_id": "int"},
                )
            )
        kept = [row for row in kept if row.get("dispatch_id")]
        reached = Action._insert_planned(kept, skipped, self, today)
        self.env.invalidate_all()
        return len(debtor_ids), reached, len(new_dispatches), last_id

    def _create_dispatches(self, new_dispatches):
        """Queue one message per ``(debtor, stage)`` at its next allowed moment; ``{debtor: dispatch id}``."""
        schedule = self._schedule_moments([debtor for debtor, _stage in new_dispatches])
        if not new_dispatches:
            return {}
        return dict(
            self.env.execute_query(
                batch_insert(
                    "credit_recovery_dispatch",
                    [
                        {"debtor_id": debtor, "stage_id": stage, "scheduled_at": schedule[debtor]}
                        for debtor, stage in new_dispatches
                    ],
                    {"debtor_id": "int", "stage_id": "int", "scheduled_at": "timestamp"},
                    uid=self.env.uid,
                    constants={"company_id": self.company_id.id, "run_id": self.id, "state": "queued"},
                    returning=SQL("debtor_id, id"),
                )
            )
        )

    def _lock_debtors_to_plan(self, limit, after_id=0, lock=True):
        """Ids of the next ``limit`` debtors this run has not planned, past ``after_id``, locked
        ``SKIP LOCKED`` (``lock=False``: only looked at): those with an invoice whose collection
        state was computed today, or standing at a stage whose actions were never planned (the
        facts :meth:`credit.recovery.action._fetch_new_facts` reads). The others have nothing to
        plan: the run leaves their rows alone (their days overdue follow when read, the window of
        their history slides in :meth:`_finish`)."""
        self.ensure_one()
        self.env.flush_all()
        return [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT d.id FROM credit_recovery_debtor d
                     WHERE d.company_id = %(company)s AND d.id > %(after)s
                       AND (d.planned_run_id IS NULL OR d.planned_run_id <> %(run)s)
                       AND EXISTS (SELECT 1 FROM account_move m
                                     JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                                    WHERE m.recovery_debtor_id = d.id
                                      AND (s.refresh_date = %(today)s
                                           OR (s.stage_id IS NOT NULL
                                               AND NOT EXISTS (SELECT 1 FROM credit_recovery_action a
                                                                WHERE a.move_id = m.id AND a.stage_id = s.stage_id
                                                                  AND a.due_date = s.oldest_due_date))))
                     ORDER BY d.id
                     LIMIT %(limit)s
                     %(lock)s
                    """,
                    company=self.company_id.id,
                    after=after_id,
                    run=self.id,
                    limit=limit,
                    today=fields.Date.context_today(self),
                    lock=SQL("FOR UPDATE OF d SKIP LOCKED") if lock else SQL(),
                )
            )
        ]

    def _schedule_moments(self, debtor_ids):
        """``{debtor_id: UTC moment}``: now, or the next moment the window and the caps allow."""
        if not debtor_ids:
            return {}
        policy = self.policy_id
        window = policy._get_contact_window()
        now = fields.Datetime.now()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT d.id, %s
                  FROM credit_recovery_debtor d
                  JOIN res_partner p ON p.id = d.partner_id
                  JOIN res_company c ON c.id = d.company_id
                  JOIN res_partner cp ON cp.id = c.partner_id
                 WHERE d.id = ANY(%s)
                """,
                self.env["res.partner"]._recovery_tz_sql(SQL("p.tz"), SQL("cp.tz")),
                debtor_ids,
            )
        )
        counts = self.env["credit.recovery.contact"]._outbound_counts_by_debtor(debtor_ids, now)
        # Most debtors share a time zone and have no recent contact: one decision each such group.
        memo = {}
        moments = {}
        for debtor_id, tz_name in rows:
            day_counts = counts.get(debtor_id, {})
            key = (tz_name, tuple(sorted(day_counts.items())))
            if key not in memo:
                caps = (policy.max_contacts_per_day, policy.max_contacts_per_week)
                decision = contact_moment(now, tz_name, window, day_counts, caps)
                memo[key] = decision.next_utc or to_utc(
                    datetime.combine(decision.local.date(), datetime.max.time()), tz_name
                )
            moments[debtor_id] = memo[key]
        return moments
