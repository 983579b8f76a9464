from odoo import api, fields, models

from .common import DELIVERY_BATCH

# Batches of one run (or of the delivery) in flight at a time: as many job runners' workers can share it.
DEFAULT_SLOTS = 4
# A slot whose rows are all locked by another worker looks again this many seconds later.
WAIT_RETRY_SECONDS = 10
PARAM_ENABLED = "account_credit_recovery.use_queue_job"
PARAM_SLOTS = "account_credit_recovery.queue_job_slots"
PARAM_CHANNEL = "account_credit_recovery.queue_job_channel"


class CreditRecoveryQueueJob(models.AbstractModel):
    """Optional: the collection run's and the delivery's batches as OCA ``queue_job`` jobs.

    Without ``queue_job`` (the model is not in the registry) nothing here runs and the crons
    do the batches themselves, one Odoo server at a time (Odoo's cron lock). With it, the crons
    only enqueue jobs and the job runners of every server carry them out: each job is one
    batch, taken ``FOR UPDATE SKIP LOCKED`` exactly as a cron call takes it, so two jobs never
    process the same row, and it enqueues the next batch of its *slot* before it ends. A slot's
    identity key (``account_credit_recovery:run:<run>:<slot>``,
    ``account_credit_recovery:deliver:<slot>``) lets at most one batch of it wait in the queue:
    a cron fired again, or on another server, adds nothing while the slots are busy. The number
    of slots bounds how many workers share one run (system parameter
    ``account_credit_recovery.queue_job_slots``, 4 by default); setting
    ``account_credit_recovery.use_queue_job`` to ``0`` keeps the crons doing the work even with
    ``queue_job`` installed (no job runner configured, for instance).

    Not a dependency of the manifest: ``queue_job`` needs its job runner configured on the
    servers (``server_wide_modules``), which a single-server installation does not need.
    """

    _name = "credit.recovery.queue.job"
    _description = "Collection Batches as Queue Jobs"

    @api.model
    def _is_enabled(self):
        """Whether the batches go through ``queue_job``: installed, and not switched off."""
        if "queue.job" not in self.env.registry:
            return False
        return self.env["ir.config_parameter"].sudo().get_param(PARAM_ENABLED, "1") not in ("0", "False", "false")

    def _slots(self):
        try:
            return max(1, int(self.env["ir.config_parameter"].sudo().get_param(PARAM_SLOTS, DEFAULT_SLOTS)))
        except ValueError:
            return DEFAULT_SLOTS

    def _delay(self, identity_key, description, eta=None):
        params = self.env["ir.config_parameter"].sudo()
        return self.sudo().with_delay(
            identity_key=identity_key,
            description=description,
            channel=params.get_param(PARAM_CHANNEL) or None,
            eta=eta,
        )

    # ------------------------------------------------------------------
    # Collection run
    # ------------------------------------------------------------------

    @api.model
    def _enqueue_runs(self, runs):
        """Called by the run cron: when enabled, enqueue a batch per slot of each unfinished run
        of ``runs`` and return True (the jobs do the work); else False, and the cron does it."""
        if not self._is_enabled():
            return False
        for run in runs.filtered(lambda run: run.state in ("refresh", "plan")):
            for slot in range(self._slots()):
                self._enqueue_run_batch(run, slot)
        return True

    def _enqueue_run_batch(self, run, slot, eta=None):
        self._delay(
            f"account_credit_recovery:run:{run.id}:{slot}",
            self.env._("Collection run %(run)s: next batch", run=run.name),
            eta=eta,
        )._job_run_batch(run.id, slot)

    @api.model
    def _job_run_batch(self, run_id, slot):
        """Job: carry run ``run_id`` one batch further (``credit.recovery.run._advance``), then
        enqueue the slot's next batch while the run is unfinished. Its rows all locked by other
        workers, the slot looks again a few seconds later: the phase may be changing."""
        run = self.env["credit.recovery.run"].sudo().browse(run_id).exists()
        if not run or run.state not in ("refresh", "plan"):
            return "run over"
        done = run._advance()
        if run.state in ("refresh", "plan"):
            self._enqueue_run_batch(run, slot, eta=None if done else WAIT_RETRY_SECONDS)
        return f"{done} records, run {run.state}"

    # ------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------

    @api.model
    def _enqueue_deliveries(self, limit=DELIVERY_BATCH):
        """Called by the delivery cron: when enabled, enqueue a delivery batch per slot if
        messages are due, and return True; else False, and the cron delivers them itself."""
        if not self._is_enabled():
            return False
        due = [("state", "=", "queued"), ("scheduled_at", "<=", fields.Datetime.now())]
        if self.env["credit.recovery.dispatch"].sudo().search_count(due, limit=1):
            for slot in range(self._slots()):
                self._enqueue_delivery_batch(slot, limit)
        return True

    def _enqueue_delivery_batch(self, slot, limit):
        self._delay(
            f"account_credit_recovery:deliver:{slot}",
            self.env._("Collection messages: next delivery batch"),
        )._job_deliver_batch(slot, limit)

    @api.model
    def _job_deliver_batch(self, slot, limit=DELIVERY_BATCH):
        """Job: deliver the next ``limit`` due messages, then enqueue the slot's next batch while
        full batches are left (the others are due later: the cron enqueues them then)."""
        done, remaining = self.env["credit.recovery.dispatch"].sudo()._deliver_batch(limit=limit)
        if remaining:
            self._enqueue_delivery_batch(slot, limit)
        return f"{done} messages, {remaining} due"
