"""The payment model learnt per company: fitted monthly (and on demand) on the policy, shown on its
*Analytics* tab, read by *Contact now*."""

import logging
import time
from datetime import timedelta

import numpy as np
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

from ..tools import score

_logger = logging.getLogger(__name__)

# Month ends looked back at by the fit: a year of outcomes once the latest month's 30 days passed.
HISTORY_MONTHS = 13
MODEL_STATES = [
    ("none", "Not fitted yet"),
    ("insufficient", "History too short: hand weights"),
    ("fitted", "Fitted: learnt probability"),
]


def history_month_ends(today, months=HISTORY_MONTHS, horizon=score.HORIZON_DAYS):
    """The month ends of the ``months`` months before ``today``'s whose ``horizon`` days after have
    all passed by ``today`` (their outcome is known), oldest first."""
    first = today.replace(day=1)
    ends = [first - relativedelta(months=back) - timedelta(days=1) for back in range(months - 1, -1, -1)]
    return [end for end in ends if end + timedelta(days=horizon) <= today]


class CreditRecoveryPolicy(models.Model):
    _inherit = "credit.recovery.policy"

    score_min_history = fields.Integer(
        string="Minimum History (debtor-months)",
        default=500,
        help="Below this many debtor-months with a known outcome, the payment model is not fitted and "
        "Contact now keeps the hand weights.",
    )
    score_model = fields.Json(string="Fitted Payment Model", readonly=True, copy=False)
    score_model_state = fields.Selection(
        MODEL_STATES, string="Payment Model Status", default="none", readonly=True, copy=False
    )
    score_model_date = fields.Datetime(string="Fitted On", readonly=True, copy=False)
    score_model_rows = fields.Integer(
        string="History Used (debtor-months)",
        readonly=True,
        copy=False,
        help="Debtor-months with something overdue at the month's end and a known outcome (paid something "
        "within 30 days or not).",
    )
    score_model_from = fields.Date(string="History From", readonly=True, copy=False)
    score_model_to = fields.Date(string="History To", readonly=True, copy=False)
    score_model_auc = fields.Float(string="AUC (hold-out)", digits=(3, 3), readonly=True, copy=False)
    score_model_brier = fields.Float(string="Brier Score (hold-out)", digits=(3, 4), readonly=True, copy=False)
    score_model_report = fields.Html(string="Fit Quality", compute="_compute_score_model_report", sanitize=False)

    @api.depends("score_model", "score_model_state", "score_model_rows", "score_min_history")
    def _compute_score_model_report(self):
        for policy in self:
            policy.score_model_report = policy._score_model_report_html()

    def action_fit_score_model(self):
        """*Fit now*: learn the company's payment model from its history (managers)."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can fit the payment model."))
        self.check_access("write")
        for policy in self:
            today = fields.Date.context_today(policy)
            policy.sudo()._fit_score_model(today)
            policy.sudo()._refresh_debtor_scores(today)
        return True

    @api.model
    def _cron_fit_score_models(self):
        """Monthly: fit the model of each active policy not fitted since the month began, one
        company per call (locked ``SKIP LOCKED``: two workers never fit the same), with progress."""
        month_start = fields.Datetime.to_datetime(fields.Date.context_today(self).replace(day=1))
        self.env.flush_all()
        due = SQL(
            """SELECT id FROM credit_recovery_policy
                WHERE active AND company_id IS NOT NULL
                  AND (score_model_date IS NULL OR score_model_date < %s)
                ORDER BY id""",
            month_start,
        )
        locked = self.env.execute_query(SQL("%s LIMIT 1 FOR UPDATE SKIP LOCKED", due))
        if locked:
            policy = self.sudo().browse(locked[0][0])
            today = fields.Date.context_today(policy)
            policy._fit_score_model(today)
            policy._refresh_debtor_scores(today)
            self.env.flush_all()
        remaining = len(self.env.execute_query(due))
        self.env["ir.cron"]._notify_progress(done=len(locked), remaining=remaining)

    def _fit_score_model(self, today):
        """Fit this policy's company model on the month ends of the last year (``history_month_ends``)
        and store it with its hold-out quality; below ``score_min_history`` debtor-months with an
        outcome, or without both outcomes in the older months, store that the hand weights stay."""
        self.ensure_one()
        days = history_month_ends(today)
        started = time.perf_counter()
        day, _debtor, matrix, outcome = self.env["credit.recovery.score"]._features(self.company_id.id, days, today)
        read = time.perf_counter() - started
        known = ~np.isnan(outcome)
        day, matrix, outcome = day[known], matrix[known], outcome[known]
        vals = {
            "score_model_date": fields.Datetime.now(),
            "score_model_rows": len(outcome),
            "score_model_from": days[0] if days else False,
            "score_model_to": days[-1] if days else False,
        }
        model = None
        if len(outcome) >= max(self.score_min_history, 1):
            try:
                model = score.fit(matrix, outcome, day)
            except ValueError:
                _logger.info("Payment model of %s: one outcome only in the older months", self.company_id.name)
            except ImportError as error:
                raise UserError(
                    self.env._("The payment model needs the Python package scikit-learn (make install installs it).")
                ) from error
        if model:
            model["history"] = {"from": str(days[0]), "to": str(days[-1]), "rows": len(outcome)}
            model["seconds"] = {"history": round(read, 2), "fit": round(time.perf_counter() - started - read, 2)}
            vals.update(
                score_model=model,
                score_model_state="fitted",
                score_model_auc=model["metrics"]["auc"] or 0.0,
                score_model_brier=model["metrics"]["brier"] or 0.0,
            )
        else:
            vals.update(score_model=False, score_model_state="insufficient", score_model_auc=0.0, score_model_brier=0.0)
        self.write(vals)
        return model

    def _get_score_model(self):
        """The fitted model (a dict), or ``None`` when the hand weights apply."""
        self.ensure_one()
        return self.score_model if self.score_model_state == "fitted" and self.score_model else None

    def _refresh_debtor_scores(self, today):
        """Right after a fit: store the fitted model's probability of every debtor of this policy's
        company at ``today`` (one features query for all, one update), or forget the stored ones when
        the history was too short. The daily cron (``credit.recovery.debtor._cron_refresh_payment_scores``)
        keeps them fresh."""
        self.ensure_one()
        Debtor = self.env["credit.recovery.debtor"].sudo()
        if not self._get_score_model():
            Debtor._clear_payment_scores(self.company_id.id)
            return
        learnt = self._score_debtors(None, today)
        self.env.flush_all()
        stored = self.env.execute_query(
            SQL(
                """SELECT id FROM credit_recovery_debtor
                    WHERE company_id = %s AND (amount_overdue > 0 OR score_probability IS NOT NULL)""",
                self.company_id.id,
            )
        )
        Debtor.browse(sorted(set(learnt) | {row[0] for row in stored}))._store_payment_scores(self, today, learnt)

    def _score_debtors(self, debtor_ids, today):
        """``{debtor: (probability, [(feature, contribution)], logit)}`` of the fitted model for the
        debtors ``debtor_ids`` (all when ``None``) of this policy's company with something overdue at
        ``today`` (one query, numpy; scikit-learn is not needed to score)."""
        model = self._get_score_model()
        if not model or (debtor_ids is not None and not debtor_ids):
            return {}
        _day, debtors, matrix, _outcome = self.env["credit.recovery.score"]._features(
            self.company_id.id, [today], today, debtor_ids
        )
        matrix = score.columns(matrix, model)
        logits = score.logits(matrix, model)
        return {
            int(debtor): (float(score.sigmoid(logit)), score.contributions(row, model), float(logit))
            for debtor, row, logit in zip(debtors, matrix, logits, strict=True)
        }

    def _score_why(self, parts, day=None, today=None):
        """The *Why* of a learnt score: each factor's contribution to the logit, largest first (those
        under 0.005 left out), and the day they were computed when it is not ``today``."""
        labels = self._score_feature_labels()
        parts = sorted((part for part in parts if abs(part[1]) >= 0.005), key=lambda part: -abs(part[1]))
        why = ", ".join(f"{labels[code]} {value:+.2f}" for code, value in parts)
        if day and today and day != today:
            why = self.env._("%(factors)s (computed on %(date)s)", factors=why, date=format_date(self.env, day))
        return why

    def _score_feature_labels(self):
        return {
            "days_late": self.env._("days late"),
            "amount": self.env._("amount"),
            "installments": self.env._("installments"),
            "profile": self.env._("profile"),
            "promises_kept": self.env._("promises kept"),
            "promises_broken": self.env._("promises broken"),
            "contacts": self.env._("contacts"),
            "reached": self.env._("reached"),
            "replies": self.env._("replies"),
            "channel_voice": self.env._("last contact by call"),
            "channel_message": self.env._("last contact by message"),
            "late_episodes": self.env._("past late payments"),
            "tenure": self.env._("tenure"),
            "fpd": self.env._("first-payment default"),
            "upcoming": self.env._("installments due soon"),
        }

    def _score_model_report_html(self):
        """What the *Analytics* tab says of the model: the hold-out's calibration table, or why the
        hand weights stay."""
        self.ensure_one()
        if self.score_model_state == "none":
            return Markup("<p>%s</p>") % self.env._(
                "Not fitted yet: Contact now uses the hand weights. The model is fitted on the 1st of each month, "
                "or now with Fit now."
            )
        if self.score_model_state == "insufficient" or not self.score_model:
            return Markup("<p class='text-warning'>%s</p>") % self.env._(
                "History too short: %(rows)s debtor-months with an outcome, %(minimum)s needed. Contact now "
                "uses the hand weights below.",
                rows=self.score_model_rows,
                minimum=self.score_min_history,
            )
        model = self.score_model
        metrics = model.get("metrics", {})
        head = Markup("<p>%s</p>") % self.env._(
            "Learnt on %(train)s debtor-months, tested on the latest months (%(test)s debtor-months, %(rate)s %% paid "
            "something within 30 days). Predicted vs observed per decile of the test:",
            train=metrics.get("train_rows"),
            test=metrics.get("test_rows"),
            rate=metrics.get("base_rate"),
        )
        header = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Decile"),
            self.env._("Debtor-months"),
            self.env._("Predicted (%)"),
            self.env._("Observed (%)"),
        )
        body = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%.1f</td><td>%.1f</td></tr>")
            % (row["decile"], row["rows"], row["predicted"], row["observed"])
            for row in model.get("calibration", [])
        )
        return head + Markup("<table class='table table-sm o_score_calibration'>%s%s</table>") % (header, body)
