import logging
import time
from collections import defaultdict
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

_logger = logging.getLogger(__name__)
# A run with no batch for this long is flagged as stalled on the run list.
STALL_AFTER = timedelta(hours=1)
# A worker that finds the rows left locked by another one calls the cron back this soon.
WAIT_RETRY = timedelta(minutes=1)
# The run's phase change found the run row locked or changed by another worker.
_RACE_ERRORS = (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure)


class CreditRecoveryRun(models.Model):
    """One collection run of a company: stage assignment, then one message per debtor.

    A run is a pipeline of two phases processed in batches by the "collection run" cron:
    each cron call carries the run forward until it has done one batch of real work or
    the run is done (a phase change is never reported as "nothing done", which Odoo's
    cron runner would read as "finished for today"). Every batch commits on its own, so
    a run killed half-way resumes where it stopped. Rows are taken with ``FOR UPDATE
    SKIP LOCKED`` behind a keyset cursor (the run's batches record how far they got),
    and a phase ends only when no row of it is left, locked by another worker or not:
    a slow worker never loses debtors. Messages are queued
    (``credit.recovery.dispatch``) for the next moment the contact window and the caps
    allow; the delivery cron sends them.
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
        [
            ("refresh", "Assigning stages"),
            ("plan", "Planning messages"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="refresh",
        readonly=True,
        index=True,
    )
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    ended_at = fields.Datetime(readonly=True)
    cancel_reason = fields.Text(readonly=True)
    last_progress_at = fields.Datetime(
        string="Last Progress",
        compute="_compute_progress",
        help="When the run last processed a batch (or started).",
    )
    is_stalled = fields.Boolean(
        string="Stalled",
        compute="_compute_progress",
        search="_search_is_stalled",
        help="Unfinished, and no batch processed for an hour.",
    )
    stall_reason = fields.Text(compute="_compute_progress")
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
    @api.depends_context("lang")
    def _compute_name(self):
        for run in self:
            run.name = f"{run.company_id.name or ''} – {format_date(self.env, run.date) if run.date else ''}"

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

    @api.depends("state", "started_at")
    def _compute_progress(self):
        last = dict(
            self.env["credit.recovery.run.batch"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["create_date:max"]
            )
        )
        now = fields.Datetime.now()
        cron = self.env.ref("account_credit_recovery.ir_cron_run_collection", raise_if_not_found=False)
        for run in self:
            run.last_progress_at = max(filter(None, (last.get(run), run.started_at)), default=False)
            running = run.state in ("refresh", "plan")
            run.is_stalled = bool(running and run.last_progress_at and now - run.last_progress_at > STALL_AFTER)
            run.stall_reason = run._get_stall_reason(cron.sudo() if cron else None) if run.is_stalled else False

    def _get_stall_reason(self, cron):
        """Why a run has not progressed, in words a manager can act on."""
        self.ensure_one()
        since = fields.Datetime.context_timestamp(self, self.last_progress_at)
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        when = since.strftime(f"{lang.date_format} {lang.time_format}")
        if not cron or not cron.active:
            return self.env._(
                "No batch since %(when)s: the scheduled action “Credit Recovery: collection run” is disabled. "
                "Resume the run to enable it again.",
                when=when,
            )
        if cron.failure_count:
            return self.env._(
                "No batch since %(when)s: the scheduled action failed %(count)s time(s) in a row (see the server "
                "log). Resume the run to try again, or cancel it.",
                when=when,
                count=cron.failure_count,
            )
        return self.env._(
            "No batch since %(when)s: no cron worker has picked the run up. Resume the run to call the cron "
            "again, or cancel it.",
            when=when,
        )

    def _search_is_stalled(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        limit = fields.Datetime.now() - STALL_AFTER
        query = SQL(
            """(SELECT r.id FROM credit_recovery_run r
                 WHERE r.state IN ('refresh', 'plan')
                   AND GREATEST(r.started_at, (SELECT MAX(b.create_date) FROM credit_recovery_run_batch b
                                                WHERE b.run_id = r.id)) < %s)""",
            limit,
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", query)]

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

    def action_resume(self):
        """Call the run cron again for a run that stopped progressing (Collection Managers)."""
        self._check_run_manager()
        runs = self.filtered(lambda run: run.state in ("refresh", "plan"))
        if not runs:
            raise UserError(self.env._("Only a run still in progress can be resumed."))
        self._trigger_cron(enable=True)
        return True

    def action_cancel(self):
        """Stop an unfinished run for good (Collection Managers); the messages it queued stay queued."""
        self._check_run_manager()
        wrong = self.filtered(lambda run: run.state not in ("refresh", "plan"))
        if wrong:
            raise UserError(
                self.env._(
                    "These runs are already over and cannot be cancelled: %(runs)s.",
                    runs=", ".join(wrong.mapped("name")),
                )
            )
        for run in self.sudo():
            reason = run.stall_reason or self.env._("No reason given.")
            run.write(
                {
                    "state": "cancelled",
                    "ended_at": fields.Datetime.now(),
                    "cancel_reason": self.env._(
                        "Cancelled by %(user)s during “%(phase)s”. %(reason)s",
                        user=self.env.user.name,
                        phase=dict(run._fields["state"]._description_selection(self.env))[run.state],
                        reason=reason,
                    ),
                }
            )
        return True

    def _check_run_manager(self):
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can resume or cancel a collection run."))

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _trigger_cron(self, at=None, enable=False):
        """Ask Odoo's cron runner to process the runs (now, or ``at``); ``enable`` turns a
        disabled run cron back on (a manager resuming a run, checked by the caller)."""
        cron = self.env.ref("account_credit_recovery.ir_cron_run_collection", raise_if_not_found=False)
        if not cron:
            return
        cron = cron.sudo()
        if enable and not cron.active:
            cron.active = True
        cron._trigger(at)

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
        """Daily and on demand: carry the oldest unfinished run one batch further.

        Starts today's run of every company with an active policy that has none yet. One
        call moves a run through as many phase changes as needed to do one batch of real
        work (or to finish it): ``done`` is never 0 while work remains, since Odoo's cron
        runner reads that as "finished" and waits for the next day. The runner calls again
        while ``remaining`` is not zero, committing between calls; no commit happens here.
        A run whose remaining rows are all locked by another worker waits: the cron is
        called back a minute later.
        """
        today = fields.Date.context_today(self)
        policies = self.env["credit.recovery.policy"].sudo().search([("active", "=", True)])
        started = self.sudo().search([("date", "=", today), ("trigger", "=", "cron")]).company_id
        self._start(policies.filtered(lambda policy: policy.company_id not in started))
        runs = self.sudo().search([("state", "in", ("refresh", "plan"))], order="id")
        if self.env["credit.recovery.queue.job"]._enqueue_runs(runs):
            return  # OCA queue_job installed: its job runners, on every server, do the batches
        done = 0
        waiting = self.browse()
        for run in runs:
            done = run._advance()
            if done:
                break
            if run.state in ("refresh", "plan"):
                waiting |= run
        remaining = self.sudo().search_count([("state", "in", ("refresh", "plan")), ("id", "not in", waiting.ids)])
        if waiting:
            self._trigger_cron(fields.Datetime.now() + WAIT_RETRY)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining if done else 0)

    def _advance(self):
        """Process the run until one batch of real work is done or the run is over.

        Returns the number of records processed (a finished run counts as one), or 0 when
        the rows left are locked by another worker: the phase then waits for them.
        """
        self.ensure_one()
        # The batch's queries are short set-based reads: PostgreSQL's JIT compilation, which
        # their estimated cost triggers, took longer than the queries (3.7 s of a 27 s run).
        # SET LOCAL: only this batch's transaction.
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        while self.state in ("refresh", "plan"):
            started = time.perf_counter()
            if self.state == "refresh":
                done, last_id = self._refresh_batch()
                if done:
                    self._log_batch("refresh", done, time.perf_counter() - started, last_id=last_id)
                    return done
                if self._refresh_pending() or not self._move_to("plan"):
                    return 0
                # The states whose day came were just rewritten (every open one, on the first run):
                # without fresh statistics the planner takes the planning queries for near-empty
                # ones (a nested loop costing minutes).
                self.env.cr.execute(SQL("ANALYZE credit_recovery_invoice"))
            else:
                debtors, changes, dispatches, last_id = self._plan_batch()
                if debtors:
                    self._log_batch(
                        "plan", debtors, time.perf_counter() - started, changes, dispatches, last_id=last_id
                    )
                    return debtors
                if self._plan_pending() or not self._move_to("done"):
                    return 0
                self._finish()
                return 1
        return 0

    def _move_to(self, state):
        """Move the run to its next phase, unless another worker is doing it (returns False)."""
        self.ensure_one()
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.execute_query(
                    SQL("SELECT id FROM credit_recovery_run WHERE id = %s FOR UPDATE NOWAIT", self.id)
                )
        except _RACE_ERRORS:  # pylint: disable=catching-non-exception
            _logger.info("Collection run %s: another worker is changing its phase", self.id)
            return False
        self.write({"state": state, "ended_at": fields.Datetime.now() if state == "done" else False})
        return True

    def _cursor(self, phase):
        """How far the keyset scan of ``phase`` got: the highest id its batches recorded."""
        self.ensure_one()
        self.env["credit.recovery.run.batch"].flush_model(["run_id", "phase", "last_id"])
        return self.env.execute_query(
            SQL(
                "SELECT COALESCE(MAX(last_id), 0) FROM credit_recovery_run_batch WHERE run_id = %s AND phase = %s",
                self.id,
                phase,
            )
        )[0][0]

    def _next_ids(self, phase, select):
        """Ids for the next batch of ``phase``: ``select(after_id)`` locks rows past the keyset
        cursor; once the scan reaches the end, one pass from the start takes the rows a batch
        that rolled back left behind. Returns ``(ids, highest id scanned)``."""
        cursor = self._cursor(phase)
        ids = select(cursor)
        if ids:
            return ids, max(ids)
        if cursor:
            ids = select(0)
        return ids, cursor

    def _refresh_batch(self):
        """Refresh the collection state of the next batch of this company's stale invoices;
        returns ``(invoices refreshed, last id)``."""
        Move = self.env["account.move"].sudo()
        ids, last_id = self._next_ids(
            "refresh", lambda after: Move._recovery_lock_stale_states(self.company_id, after_id=after)
        )
        if ids:
            Move._recovery_refresh_states(ids)
        return len(ids), last_id

    def _refresh_pending(self):
        """Whether stale invoices are left, locked by another worker or not (no lock taken)."""
        return bool(self.env["account.move"].sudo()._recovery_lock_stale_states(self.company_id, limit=1, lock=False))

    def _plan_pending(self):
        """Whether debtors are left to plan, locked by another worker or not (no lock taken)."""
        return bool(self._lock_debtors_to_plan(1, lock=False))

    def _log_batch(self, phase, count, seconds, changes=0, dispatches=0, *, last_id=0):
        self.env["credit.recovery.run.batch"].sudo().create(
            {
                "run_id": self.id,
                "phase": phase,
                "record_count": count,
                "stage_changes": changes,
                "dispatch_count": dispatches,
                "duration": seconds,
                "last_id": last_id,
            }
        )

    def _finish(self):
        """Last step: the 12-month history slides, credit-bureau removals are due, the day's aging snapshot."""
        debtors = self.env["credit.recovery.debtor"].sudo()
        debtors._recovery_refresh_history(self.company_id, planned_run=self)
        debtors.search(
            [("company_id", "=", self.company_id.id), ("bureau_state", "=", "listed"), ("amount_overdue", "=", 0)]
        )._bureau_start_removal()
        # Analytics (issue 14): today's aging snapshot, written once the day's state is final.
        self.env["credit.recovery.snapshot"]._daily_snapshot(self.company_id)
