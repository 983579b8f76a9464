from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.ledger_sql import bucket_case_sql, open_lines_sql
from ..tools.sql import audit_columns, audit_values

BUCKET_SELECTION = [
    ("not_due", "Not due"),
    ("d1_30", "1-30 days"),
    ("d31_60", "31-60 days"),
    ("d61_90", "61-90 days"),
    ("d91_180", "91-180 days"),
    ("d180_plus", "Over 180 days"),
]


class CreditRecoveryPolicy(models.Model):
    _inherit = "credit.recovery.policy"

    snapshot_retention_months = fields.Integer(
        string="Keep Aging Snapshots (months)",
        default=24,
        help="Daily aging snapshots older than this are deleted by the collection run.",
    )
    score_weight_days_late = fields.Integer(string="Weight: Days Late", default=30)
    score_weight_promises_kept = fields.Integer(string="Weight: Promises Kept", default=15)
    score_weight_promises_broken = fields.Integer(string="Weight: Promises Broken", default=20)
    score_weight_recent_contact = fields.Integer(string="Weight: Contact in the Last 7 Days", default=10)
    score_weight_reached = fields.Integer(string="Weight: Last Contact Reached the Debtor", default=10)
    score_weight_profile = fields.Integer(string="Weight: Profile", default=10)
    score_weight_contactable = fields.Integer(string="Weight: Valid Mobile and E-mail", default=5)

    def _get_score_weights(self):
        """``{factor: points}`` of :func:`~..tools.kpi.payment_score` set on the policy."""
        self.ensure_one()
        return {
            "days_late": self.score_weight_days_late,
            "promises_kept": self.score_weight_promises_kept,
            "promises_broken": self.score_weight_promises_broken,
            "recent_contact": self.score_weight_recent_contact,
            "reached": self.score_weight_reached,
            "profile": self.score_weight_profile,
            "contactable": self.score_weight_contactable,
        }


class CreditRecoverySnapshot(models.Model):
    """Aging of a company's receivables at the end of one day, per bucket, stage, profile and
    responsible: the history the aging trend and the roll rates are read from.

    Written by the collection run's last step (one ``INSERT … SELECT`` per company and day),
    rebuilt from the invoices' history for a day that has none, never edited.
    The stage is the one whose trigger (days after the due date) the invoice's oldest open
    installment had reached that day, calendar days (the grace period is not replayed); profile and
    responsible are the debtor's when the snapshot is written (they have no history).
    """

    _name = "credit.recovery.snapshot"
    _description = "Aging Snapshot"
    _order = "date desc, company_id, bucket"
    _rec_name = "date"

    date = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    bucket = fields.Selection(BUCKET_SELECTION, string="Aging Bucket", required=True, readonly=True)
    stage_id = fields.Many2one("credit.recovery.stage", readonly=True, ondelete="set null")
    profile_id = fields.Many2one("credit.recovery.profile", readonly=True, ondelete="set null")
    user_id = fields.Many2one("res.users", string="Collection Responsible", readonly=True, ondelete="set null")
    amount = fields.Monetary(readonly=True, aggregator="sum")
    installment_count = fields.Integer(string="Installments", readonly=True, aggregator="sum")
    debtor_count = fields.Integer(
        string="Debtors", readonly=True, aggregator="sum", help="Debtors of the row (a debtor may be in several rows)."
    )
    is_rebuilt = fields.Boolean(readonly=True, help="Rebuilt later from the invoices' history.")

    @api.model_create_multi
    def create(self, vals_list):
        """Snapshots are written by the collection run only (``_write_day``, in SQL): no RPC caller
        creates or changes one, whatever its rights (the access rules give none either)."""
        if not self.env.su:
            raise AccessError(self.env._("Aging snapshots are written by the collection run; they cannot be created."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("Aging snapshots are a record of the past; they cannot be changed."))
        return super().write(vals)

    @api.model
    def _write_day(self, company, day, rebuilt=False):
        """Replace the snapshot of ``company`` on ``day``: one set-based ``INSERT … SELECT``."""
        company.ensure_one()
        self.env.flush_all()
        policy = self.env["credit.recovery.policy"]._get_company_policies(company).get(company.id)
        days = SQL("(%s::date - dues.due)", day)
        self.env.cr.execute(
            SQL("DELETE FROM credit_recovery_snapshot WHERE company_id = %s AND date = %s", company.id, day)
        )
        self.env.cr.execute(
            SQL(
                """
                WITH open_lines AS (%(lines)s),
                oldest AS (
                    SELECT move_id, MIN(due) AS due FROM open_lines GROUP BY move_id
                ),
                -- One stage look-up per distinct oldest due date (a few hundred), not per invoice:
                -- materialized, or PostgreSQL inlines it and looks the stage up once per row.
                due_stage AS MATERIALIZED (
                    SELECT dues.due,
                           (SELECT stage.id FROM credit_recovery_stage stage
                             WHERE stage.policy_id = %(policy)s AND stage.trigger_days <= %(days)s
                             ORDER BY stage.trigger_days DESC, stage.id LIMIT 1) AS stage_id
                      FROM (SELECT DISTINCT due FROM oldest) dues
                ),
                staged AS (
                    SELECT oldest.move_id, due_stage.stage_id FROM oldest JOIN due_stage USING (due)
                )
                INSERT INTO credit_recovery_snapshot
                       (date, company_id, bucket, stage_id, profile_id, user_id, amount, installment_count,
                        debtor_count, is_rebuilt, %(audit_columns)s)
                SELECT %(day)s, %(company)s, %(bucket)s AS bucket, staged.stage_id, debtor.profile_id, debtor.user_id,
                       ROUND(SUM(open_lines.residual)::numeric, 2), COUNT(*), COUNT(DISTINCT open_lines.debtor_id),
                       %(rebuilt)s, %(audit_values)s
                  FROM open_lines
                  JOIN credit_recovery_debtor debtor ON debtor.id = open_lines.debtor_id
                  JOIN staged ON staged.move_id = open_lines.move_id
                 GROUP BY 3, staged.stage_id, debtor.profile_id, debtor.user_id
                """,
                lines=open_lines_sql(company.id, day),
                policy=policy.id if policy else None,
                days=days,
                day=day,
                company=company.id,
                bucket=bucket_case_sql(SQL("(%s::date - open_lines.due)", day)),
                rebuilt=rebuilt,
                audit_columns=audit_columns(),
                audit_values=audit_values(self.env.uid),
            )
        )
        self.invalidate_model()

    @api.model
    def _rebuild_missing(self, company, date_from, date_to):
        """Write the snapshots missing between two days from the invoices' history (first install,
        a day the run did not finish). Returns the days rebuilt."""
        self.env.cr.execute(
            SQL(
                """SELECT day::date FROM generate_series(%s::date, %s::date, interval '1 day') day
                    WHERE NOT EXISTS (SELECT 1 FROM credit_recovery_snapshot s
                                       WHERE s.company_id = %s AND s.date = day::date)""",
                date_from,
                date_to,
                company.id,
            )
        )
        days = [row[0] for row in self.env.cr.fetchall()]
        for day in days:
            self._write_day(company, day, rebuilt=True)
        return days

    @api.model
    def _purge(self, company):
        """Delete the snapshots older than the policy's retention."""
        policy = self.env["credit.recovery.policy"]._get_company_policies(company).get(company.id)
        months = policy.snapshot_retention_months if policy else 24
        if months <= 0:
            return
        limit = fields.Date.context_today(self) - relativedelta(months=months)
        self.env.cr.execute(
            SQL("DELETE FROM credit_recovery_snapshot WHERE company_id = %s AND date < %s", company.id, limit)
        )

    @api.model
    def _daily_snapshot(self, company):
        """The run's last step: today's snapshot, yesterday's if the run skipped it (a company with
        an earlier snapshot: on the first run there is no trend to fill yet), the purge."""
        snapshots = self.sudo()
        today = fields.Date.context_today(self)
        yesterday = today - relativedelta(days=1)
        snapshots._write_day(company, today)
        if snapshots.search_count([("company_id", "=", company.id), ("date", "<", yesterday)], limit=1):
            snapshots._rebuild_missing(company, yesterday, yesterday)
        snapshots._purge(company)
