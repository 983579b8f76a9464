import time
from collections import defaultdict
from datetime import datetime

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import collection
from ..tools.contact_rules import decide_contact

PLAN_BATCH = 5000


class CreditRecoveryRun(models.Model):
    """One collection run of a company: stage assignment, then one message per debtor.

    A run is processed in batches by the "collection run" cron, possibly by several
    workers at once: rows are taken with ``FOR UPDATE SKIP LOCKED`` and every batch
    commits on its own, so a run killed half-way resumes where it stopped. Messages are
    queued (``credit.recovery.dispatch``) for the next moment the contact window and the
    caps allow; the delivery cron sends them.
    """

    _name = "credit.recovery.run"
    _description = "Collection Run"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    policy_id = fields.Many2one("credit.recovery.policy", required=True, readonly=True, check_company=True)
    date = fields.Date(required=True, readonly=True, index=True, default=fields.Date.context_today)
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "Run now")], required=True, default="cron", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Started By", readonly=True, default=lambda self: self.env.user)
    state = fields.Selection(
        [("refresh", "Assigning stages"), ("plan", "Planning messages"), ("done", "Done")],
        required=True,
        default="refresh",
        readonly=True,
        index=True,
    )
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    ended_at = fields.Datetime(readonly=True)
    batch_ids = fields.One2many("credit.recovery.run.batch", "run_id", readonly=True)
    dispatch_ids = fields.One2many("credit.recovery.dispatch", "run_id", string="Messages", readonly=True)
    skipped_action_ids = fields.One2many(
        "credit.recovery.action",
        "run_id",
        string="Skipped Actions",
        domain=[("state", "=", "skipped")],
        readonly=True,
    )
    invoice_count = fields.Integer(string="Invoices Evaluated", compute="_compute_stats")
    stage_change_count = fields.Integer(string="Stage Changes", compute="_compute_stats")
    debtor_count = fields.Integer(string="Debtors Planned", compute="_compute_stats")
    dispatch_count = fields.Integer(string="Messages Queued", compute="_compute_stats")
    email_count = fields.Integer(string="Emails Sent", compute="_compute_stats")
    sms_count = fields.Integer(string="SMS Sent", compute="_compute_stats")
    activity_count = fields.Integer(string="Activities", compute="_compute_stats")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_stats")
    error_count = fields.Integer(string="Errors", compute="_compute_stats")
    skip_summary = fields.Text(string="Skipped by Reason", compute="_compute_stats")
    duration = fields.Float(string="Processing Time (s)", compute="_compute_stats", digits=(12, 1))

    def init(self):
        # One daily run per company, however many cron workers start it at the same time.
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS credit_recovery_run_daily_uniq
                   ON credit_recovery_run (company_id, date) WHERE trigger = 'cron'"""
            )
        )

    @api.depends("company_id", "date", "trigger")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.company_id.name or ''} – {fields.Date.to_string(run.date) or ''}"

    def _compute_stats(self):
        batches = defaultdict(lambda: defaultdict(float))
        for run, phase, count, seconds in self.env["credit.recovery.run.batch"]._read_group(
            [("run_id", "in", self.ids)],
            ["run_id", "phase"],
            ["record_count:sum", "duration:sum"],
        ):
            batches[run.id][phase] = count
            batches[run.id]["duration"] += seconds
        dispatches = defaultdict(lambda: defaultdict(int))
        for run, state, count, emails, sms, activities in self.env["credit.recovery.dispatch"]._read_group(
            [("run_id", "in", self.ids)],
            ["run_id", "state"],
            ["__count", "email_sent:sum", "sms_sent:sum", "activity_count:sum"],
        ):
            values = dispatches[run.id]
            values["count"] += count
            values[state] += count
            values["email"] += emails
            values["sms"] += sms
            values["activity"] += activities
        reached = dict(
            self.env["credit.recovery.action"]._read_group([("run_id", "in", self.ids)], ["run_id"], ["__count"])
        )
        skipped = defaultdict(dict)
        for run, reason, count in self.env["credit.recovery.action"]._read_group(
            [("run_id", "in", self.ids), ("state", "=", "skipped")],
            ["run_id", "skip_reason"],
            ["__count"],
        ):
            skipped[run.id][reason] = count
        labels = dict(self.env["credit.recovery.action"]._fields["skip_reason"]._description_selection(self.env))
        for run in self:
            run.invoice_count = int(batches[run.id]["refresh"])
            run.debtor_count = int(batches[run.id]["plan"])
            run.stage_change_count = reached.get(run, 0)
            run.duration = batches[run.id]["duration"]
            run.dispatch_count = dispatches[run.id]["count"]
            run.email_count = dispatches[run.id]["email"]
            run.sms_count = dispatches[run.id]["sms"]
            run.activity_count = dispatches[run.id]["activity"]
            run.error_count = dispatches[run.id]["error"]
            run.skipped_count = sum(skipped[run.id].values())
            run.skip_summary = "\n".join(
                f"{labels.get(reason, reason)}: {count}" for reason, count in sorted(skipped[run.id].items())
            )

    def action_open_dispatches(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_credit_recovery.action_credit_recovery_dispatch"
        )
        action["domain"] = [("run_id", "=", self.id)]
        return action

    def action_open_skipped(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_action")
        action["domain"] = [("run_id", "=", self.id), ("state", "=", "skipped")]
        action["context"] = {"search_default_group_skip_reason": 1}
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _start(self, policies, trigger="cron"):
        """A new run for each of ``policies`` (a manager's "Run now", or the daily cron)."""
        return self.sudo().create(
            [
                {
                    "company_id": policy.company_id.id,
                    "policy_id": policy.id,
                    "trigger": trigger,
                    "user_id": self.env.uid,
                }
                for policy in policies
            ]
        )

    @api.model
    def _cron_run_collection(self):
        """Daily and on demand: process one batch of the oldest unfinished run.

        Starts today's run of every company with an active policy that has none yet.
        The cron framework calls again while ``remaining`` is not zero, committing
        between calls; no commit happens here.
        """
        today = fields.Date.context_today(self)
        policies = self.env["credit.recovery.policy"].sudo().search([("active", "=", True)])
        started = self.sudo().search([("date", "=", today), ("trigger", "=", "cron")]).company_id
        self._start(policies.filtered(lambda policy: policy.company_id not in started))
        runs = self.sudo().search([("state", "!=", "done")], order="id")
        done = 0
        for run in runs:
            done = run._process_batch()
            if done:
                break
        remaining = self.sudo().search_count([("state", "!=", "done")])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    def _process_batch(self):
        """One batch of the run's current phase; returns the number of records processed.

        A phase with nothing left moves the run to the next phase (and returns 0), so a
        worker that finds nothing to do never blocks another one still busy.
        """
        self.ensure_one()
        # The batch's queries are short set-based reads: PostgreSQL's JIT compilation, which
        # their estimated cost triggers, took longer than the queries (3.7 s of a 27 s run).
        # SET LOCAL: only this batch's transaction.
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        if self.state == "refresh":
            started = time.perf_counter()
            Move = self.env["account.move"].sudo()
            done, _remaining = Move._recovery_refresh_batch(companies=self.company_id, aggregate=False)
            if done:
                self._log_batch("refresh", done, time.perf_counter() - started)
                return done
            # Every open invoice's state was just rewritten: without fresh statistics the planner
            # takes the planning queries for near-empty ones (a nested loop costing minutes).
            self.env.cr.execute(SQL("ANALYZE credit_recovery_invoice"))
            self.state = "plan"
            return 0
        if self.state == "plan":
            started = time.perf_counter()
            debtors, changes, dispatches = self._plan_batch()
            if debtors:
                self._log_batch("plan", debtors, time.perf_counter() - started, changes, dispatches)
                return debtors
            self._finish()
        return 0

    def _log_batch(self, phase, count, seconds, changes=0, dispatches=0):
        self.env["credit.recovery.run.batch"].sudo().create(
            {
                "run_id": self.id,
                "phase": phase,
                "record_count": count,
                "stage_changes": changes,
                "dispatch_count": dispatches,
                "duration": seconds,
            }
        )

    def _finish(self):
        """Last step: the 12-month history slides, credit-bureau removals are due."""
        debtors = self.env["credit.recovery.debtor"].sudo()
        debtors._recovery_refresh_history(self.company_id, refreshed_today=True)
        debtors.search(
            [("company_id", "=", self.company_id.id), ("bureau_state", "=", "listed"), ("amount_overdue", "=", 0)]
        ).filtered(lambda debtor: not debtor.open_invoice_ids)._bureau_start_removal()
        self.write({"state": "done", "ended_at": fields.Datetime.now()})

    def _plan_batch(self, limit=PLAN_BATCH):
        """Plan the stage actions of the next ``limit`` debtors: skipped, or grouped into one message each.

        Returns ``(debtors, stage changes, messages queued)``. Set-based: a handful of
        queries per batch whatever the number of invoices.
        """
        self.ensure_one()
        debtor_ids = self._lock_debtors_to_plan(limit)
        if not debtor_ids:
            return 0, 0, 0
        # Also marks the debtors as planned by this run (one write per debtor).
        self.env["credit.recovery.debtor"].browse(debtor_ids)._recovery_refresh_aggregates(self)
        today = fields.Date.context_today(self)
        Action = self.env["credit.recovery.action"]
        # Invoices standing at a stage whose actions were never planned: reached today, or since
        # the last run (a payment, a posting). The unique (invoice, stage) index makes it once.
        rows = Action._fetch_new_facts(debtor_ids)
        skipped, kept = Action._classify(rows, today)
        stages = {stage.id: stage for stage in self.policy_id.with_context(active_test=False).stage_ids}
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
        stage_keys = {stage_id: _stage_key(stage) for stage_id, stage in stages.items()}
        new_dispatches = []
        raise_stage = {}
        for debtor_id, debtor_rows in by_debtor.items():
            stage = stages[max((row["stage_id"] for row in debtor_rows), key=stage_keys.__getitem__)]
            if not stage._has_actions():
                skipped[collection.SKIP_NO_ACTION].extend(debtor_rows)
            elif debtor_id in queued:
                dispatch_id, queued_stage = queued[debtor_id]
                for row in debtor_rows:
                    row["dispatch_id"] = dispatch_id
                if queued_stage in stages and stage_keys[stage.id] > stage_keys[queued_stage]:
                    raise_stage[dispatch_id] = stage.id
            else:
                new_dispatches.append((debtor_id, stage.id))
        created = self._create_dispatches(new_dispatches)
        for debtor_id, _stage in new_dispatches:
            for row in by_debtor[debtor_id]:
                row["dispatch_id"] = created[debtor_id]
        if raise_stage:
            self.env.cr.execute(
                SQL(
                    """UPDATE credit_recovery_dispatch d SET stage_id = v.stage
                         FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::int[]) AS stage) v
                        WHERE d.id = v.id""",
                    list(raise_stage),
                    list(raise_stage.values()),
                )
            )
        reached = Action._insert_planned(kept, skipped, self, today)
        self.env.invalidate_all()
        return len(debtor_ids), reached, len(new_dispatches)

    def _create_dispatches(self, new_dispatches):
        """Queue one message per ``(debtor, stage)`` at its next allowed moment; ``{debtor: dispatch id}``."""
        schedule = self._schedule_moments([debtor for debtor, _stage in new_dispatches])
        if not new_dispatches:
            return {}
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    INSERT INTO credit_recovery_dispatch
                           (debtor_id, company_id, run_id, stage_id, scheduled_at, state,
                            create_uid, create_date, write_uid, write_date)
                    SELECT unnest(%(debtors)s::int[]), %(company)s, %(run)s, unnest(%(stages)s::int[]),
                           unnest(%(moments)s::timestamp[]), 'queued',
                           %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                    RETURNING debtor_id, id
                    """,
                    debtors=[debtor for debtor, _stage in new_dispatches],
                    stages=[stage for _debtor, stage in new_dispatches],
                    moments=[schedule[debtor] for debtor, _stage in new_dispatches],
                    company=self.company_id.id,
                    run=self.id,
                    uid=self.env.uid,
                )
            )
        )

    def _lock_debtors_to_plan(self, limit):
        """Ids of the next ``limit`` debtors in collection this run has not planned, locked."""
        self.ensure_one()
        self.env.flush_all()
        debtor_ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """
                    SELECT d.id FROM credit_recovery_debtor d
                     WHERE d.company_id = %(company)s
                       AND (d.planned_run_id IS NULL OR d.planned_run_id <> %(run)s)
                       AND (d.stage_id IS NOT NULL
                            OR EXISTS (SELECT 1 FROM account_move m
                                         JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                                        WHERE m.recovery_debtor_id = d.id AND s.refresh_date = %(today)s))
                     ORDER BY d.id
                     LIMIT %(limit)s
                       FOR UPDATE OF d SKIP LOCKED
                    """,
                    company=self.company_id.id,
                    run=self.id,
                    limit=limit,
                    today=fields.Date.context_today(self),
                )
            )
        ]
        return debtor_ids

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
                SELECT d.id, COALESCE(p.tz, cp.tz, 'UTC')
                  FROM credit_recovery_debtor d
                  JOIN res_partner p ON p.id = d.partner_id
                  JOIN res_company c ON c.id = d.company_id
                  JOIN res_partner cp ON cp.id = c.partner_id
                 WHERE d.id = ANY(%s)
                """,
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
                try:
                    tz = pytz.timezone(tz_name)
                except pytz.UnknownTimeZoneError:
                    tz = pytz.utc
                local_now = pytz.utc.localize(now).astimezone(tz).replace(tzinfo=None)
                decision = decide_contact(
                    local_now,
                    window,
                    day_counts,
                    policy.max_contacts_per_day,
                    policy.max_contacts_per_week,
                )
                moment = decision.next_moment or datetime.combine(local_now.date(), datetime.max.time())
                memo[key] = tz.localize(moment).astimezone(pytz.utc).replace(tzinfo=None)
            moments[debtor_id] = memo[key]
        return moments


def _stage_key(stage):
    return (stage.sequence, stage.trigger_days, stage.id)
