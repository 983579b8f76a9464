from odoo import fields, models


class CreditRecoveryRunBatch(models.Model):
    """One batch of a collection run, written by the worker that processed it.

    Counters live here rather than on the run, one row per batch, so that two transactions
    working on one run never update the same row (Odoo runs a cron in one worker at a time;
    the engine does not rely on it: see tests/test_engine_concurrency.py). ``last_id`` is the highest row id the batch's
    keyset scan reached: the next batch of the phase starts after it, so later
    batches never walk again past the rows already done.
    """

    _name = "credit.recovery.run.batch"
    _description = "Collection Run Batch"
    _order = "id"

    run_id = fields.Many2one("credit.recovery.run", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    phase = fields.Selection([("refresh", "Stage assignment"), ("plan", "Planning")], required=True, readonly=True)
    record_count = fields.Integer(string="Records", readonly=True)
    stage_changes = fields.Integer(readonly=True)
    dispatch_count = fields.Integer(string="Messages Queued", readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(12, 3), readonly=True)
    last_id = fields.Integer(string="Scanned up to", readonly=True)
