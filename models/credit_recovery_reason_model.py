from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import reason_text

# The labelled logs a fit reads at most: the latest (a year of a large team's notes).
MAX_LABELLED = 20000
# A company's model older than this is fitted again by the monthly cron.
REFIT_AFTER = timedelta(days=25)
# Companies fitted per cron call (the cron comes back for the others).
FIT_BATCH = 5


class CreditRecoveryReasonModel(models.Model):
    """The company's reasons read from text: word counts per non-payment reason, learnt from its
    own logs whose reason an agent chose, confirmed or corrected (``tools.reason_text``).

    One per company, fitted monthly (and by a manager's button). Below ``MIN_LABELLED``
    labelled logs (or with fewer than two reasons given ``MIN_PER_REASON`` times) it holds no
    weights and nothing is suggested. Its quality is measured on the latest fifth of the
    labelled logs, held out of a first fit, before the weights kept are fitted on all of them.
    """

    _name = "credit.recovery.reason.model"
    _description = "Reasons Read From Text"
    _rec_name = "company_id"
    _order = "company_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    state = fields.Selection(
        [("insufficient", "Not enough labelled logs"), ("ready", "Suggesting")],
        required=True,
        default="insufficient",
        readonly=True,
    )
    fitted_on = fields.Datetime(readonly=True)
    labelled_count = fields.Integer(
        string="Labelled Logs",
        readonly=True,
        help="Logs with a text whose non-payment reason an agent chose, confirmed or corrected: what the fit "
        "learns from.",
    )
    min_labelled = fields.Integer(
        string="Minimum Labelled Logs",
        compute="_compute_min_labelled",
        help="Below this many labelled logs nothing is suggested.",
    )
    held_out_count = fields.Integer(
        string="Held-out Logs", readonly=True, help="The latest labelled logs, left out of a first fit to measure it."
    )
    held_out_accuracy = fields.Float(
        string="Right on Held-out Logs",
        readonly=True,
        help="Share of the held-out logs whose reason the first fit suggested right (a suggestion not made "
        "counts as wrong).",
    )
    reason_ids = fields.Many2many(
        "credit.recovery.nonpayment.reason",
        "credit_recovery_reason_model_reason_rel",
        "model_id",
        "reason_id",
        string="Reasons Learnt",
        readonly=True,
        help="Reasons given often enough to be learnt; the others are never suggested.",
    )
    vocabulary_size = fields.Integer(string="Words Known", readonly=True)
    weights = fields.Json(readonly=True, copy=False, help="Word counts per reason (naive Bayes), as JSON.")

    _sql_constraints = [
        ("company_unique", "unique(company_id)", "A company has one model of reasons read from text."),
    ]

    def _compute_min_labelled(self):
        self.min_labelled = reason_text.MIN_LABELLED

    def action_fit(self):
        """Fit again now (Collection Managers)."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can fit the reasons read from text."))
        self.check_access("read")
        self.sudo()._fit_companies(self.company_id)
        return True

    @api.model
    def action_open_company_model(self):
        """The current company's model, created empty when it was never fitted."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can fit the reasons read from text."))
        record = self.sudo()._get_or_create(self.env.company)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": record.id,
            "views": [(False, "form")],
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _cron_fit(self):
        """Monthly: fit the models older than ``REFIT_AFTER``, ``FIT_BATCH`` companies a call."""
        self = self.sudo()  # noqa: PLW0642 - the cron's own step, whoever runs it
        # The companies with logs: the others have nothing to learn from.
        companies = self.env["res.company"].browse(
            company.id
            for [company] in self.env["credit.recovery.contact"]._read_group([("state", "=", "logged")], ["company_id"])
        )
        fresh = self.search([("fitted_on", ">", fields.Datetime.now() - REFIT_AFTER)]).company_id
        due = companies - fresh
        self._fit_companies(due[:FIT_BATCH])
        self.env["ir.cron"]._notify_progress(done=len(due[:FIT_BATCH]), remaining=max(len(due) - FIT_BATCH, 0))

    @api.model
    def _get_or_create(self, company):
        return self.search([("company_id", "=", company.id)], limit=1) or self.create({"company_id": company.id})

    @api.model
    def _fit_companies(self, companies):
        """Fit the model of each of ``companies`` on its labelled logs; returns the models."""
        Reason = self.env["credit.recovery.nonpayment.reason"].sudo()
        records = self.browse()
        for company in companies:
            result = reason_text.fit_with_holdout(self._labelled_samples(company))
            model = result["model"]
            record = self._get_or_create(company)
            record.write(
                {
                    "state": "ready" if model else "insufficient",
                    "fitted_on": fields.Datetime.now(),
                    "labelled_count": result["labelled"],
                    "held_out_count": result["held_out"],
                    "held_out_accuracy": result["accuracy"] or 0.0,
                    "reason_ids": [fields.Command.set(Reason.browse(map(int, model["labels"])).exists().ids)]
                    if model
                    else [fields.Command.clear()],
                    "vocabulary_size": model["vocabulary"] if model else 0,
                    "weights": model or False,
                }
            )
            records |= record
        return records

    @api.model
    def _labelled_samples(self, company):
        """``[(text, reason id as a string)]`` of the company's labelled logs, oldest first: the
        reason an agent chose on the log, else the one confirmed or corrected from its text. A
        log a manager corrected gives way to its correction; archived reasons are left out."""
        self.env["credit.recovery.contact"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT contact.notes, COALESCE(contact.reason_id, contact.text_reason_id)
                  FROM credit_recovery_contact contact
                  JOIN credit_recovery_nonpayment_reason reason
                    ON reason.id = COALESCE(contact.reason_id, contact.text_reason_id)
                 WHERE contact.company_id = %(company)s
                   AND contact.state = 'logged'
                   AND NOT COALESCE(contact.is_automatic, FALSE)
                   AND reason.active
                   AND NULLIF(btrim(contact.notes), '') IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM credit_recovery_contact fix WHERE fix.correction_of_id = contact.id)
                 ORDER BY contact.date DESC, contact.id DESC
                 LIMIT %(limit)s
                """,
                company=company.id,
                limit=MAX_LABELLED,
            )
        )
        return [(notes, str(reason_id)) for notes, reason_id in reversed(rows)]

    @api.model
    def _weights_by_company(self, companies):
        """``{company id: weights}`` of the ``companies`` whose model suggests."""
        records = self.sudo().search([("company_id", "in", companies.ids), ("state", "=", "ready")])
        return {record.company_id.id: record.weights for record in records}
