"""Each debtor's payment probability by the company's fitted model, stored with its factors'
contributions: computed for all the company's debtors right after a fit, then daily by a batched
cron, so that *Contact now* ranks without running the model's features query at each opening."""

import json

from odoo import api, fields, models
from odoo.tools import SQL

# Debtors scored per cron call: one features query each (about a second for 2,000 debtors).
SCORE_BATCH = 2000


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    score_probability = fields.Float(
        string="Stored Payment Probability",
        digits=(3, 4),
        readonly=True,
        copy=False,
        groups="account_credit_recovery.group_credit_recovery_manager",
        help="The company's payment model's probability that the debtor pays something within 30 days, as computed "
        "on the score date (empty when nothing of theirs was overdue then).",
    )
    score_date = fields.Date(
        string="Payment Score Date",
        readonly=True,
        copy=False,
        groups="account_credit_recovery.group_credit_recovery_manager",
        help="The day the stored payment probability was computed: after each fit of the payment model, then daily.",
    )
    score_contributions = fields.Json(
        string="Payment Score Factors",
        readonly=True,
        copy=False,
        groups="account_credit_recovery.group_credit_recovery_manager",
    )

    @api.model
    def _cron_refresh_payment_scores(self):
        """Daily: store the probabilities of the debtors not scored today (``_refresh_payment_scores``),
        a batch per call, with progress (the cron runner calls again while some remain)."""
        done, remaining = self._refresh_payment_scores(SCORE_BATCH)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _refresh_payment_scores(self, limit=SCORE_BATCH):
        """Store the probability of the next ``limit`` debtors of the companies with a fitted payment
        model not scored today, in id order, locked ``SKIP LOCKED`` (two workers never score the same
        debtors; a batch scored leaves the set, the next call takes the next ones); the debtors with
        nothing overdue and no stored probability are left alone. Returns ``(done, remaining)``."""
        self = self.sudo()  # noqa: PLW0642 - the cron's own step, whoever runs it
        today = fields.Date.context_today(self)
        policies = {
            policy.company_id.id: policy
            for policy in self.env["credit.recovery.policy"].search(
                [("company_id", "!=", False), ("score_model_state", "=", "fitted")]
            )
        }
        if not policies:
            return 0, 0
        self.env.flush_all()
        due = SQL(
            """SELECT id, company_id FROM credit_recovery_debtor
                WHERE company_id IN %s AND (score_date IS NULL OR score_date < %s)
                  AND (amount_overdue > 0 OR score_probability IS NOT NULL)""",
            tuple(policies),
            today,
        )
        batch = self.env.execute_query(SQL("%s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED", due, limit))
        by_company = {}
        for debtor_id, company_id in batch:
            by_company.setdefault(company_id, []).append(debtor_id)
        for company_id, debtor_ids in by_company.items():
            self.browse(debtor_ids)._store_payment_scores(policies[company_id], today)
        remaining = self.env.execute_query(SQL("SELECT COUNT(*) FROM (%s) due", due))[0][0] if batch else 0
        return len(batch), remaining

    def _store_payment_scores(self, policy, today, learnt=None):
        """Store on these debtors (of ``policy``'s company) the probability and contributions of its
        fitted model at ``today`` (``learnt``: already computed by ``_score_debtors``), an empty
        probability for those with nothing overdue; one query to score, one to write."""
        if not self:
            return
        if learnt is None:
            learnt = policy._score_debtors(self.ids, today)
        probabilities, contributions = [], []
        for debtor_id in self.ids:
            probability, parts, _logit = learnt.get(debtor_id, (None, None, None))
            probabilities.append(probability)
            contributions.append(
                json.dumps([[code, round(value, 4)] for code, value in parts]) if parts is not None else None
            )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE credit_recovery_debtor debtor
                      SET score_probability = scored.probability, score_contributions = scored.parts::jsonb,
                          score_date = %s
                     FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::float[]) AS probability,
                                  unnest(%s::text[]) AS parts) scored
                    WHERE debtor.id = scored.id""",
                today,
                self.ids,
                probabilities,
                contributions,
            )
        )
        self.invalidate_recordset(["score_probability", "score_contributions", "score_date"])

    @api.model
    def _clear_payment_scores(self, company_id):
        """Forget the stored probabilities of ``company_id``'s debtors (its model is no longer fitted)."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE credit_recovery_debtor
                      SET score_probability = NULL, score_contributions = NULL, score_date = NULL
                    WHERE company_id = %s AND score_date IS NOT NULL""",
                company_id,
            )
        )
        self.invalidate_model(["score_probability", "score_contributions", "score_date"])
