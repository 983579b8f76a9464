from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.contact_rules import decide_contact
from ..tools.kpi import ScoreFactors, payment_score

# Promises counted by the score: those closed in the last 12 months.
SCORE_HISTORY_DAYS = 365


class CreditRecoveryWorklist(models.Model):
    """*Contact now*: the debtors an agent may call right now, ranked by expected recovery.

    Expected recovery = amount the agent may claim today x payment score. The claimable amount
    follows the run's skip rules (``credit.recovery.action._claims_by_debtor``: disputes, promises,
    agreements, exclusions, prescription); debtors who asked not to be contacted, refused calls, or
    whom the contact window or the caps do not allow now (``tools.contact_rules``) are left out.
    The score is additive points per factor (``tools.kpi.payment_score``), weights on the policy,
    shown on each row. Rows are built for the user who opens the list and replaced each time (a
    regular model rather than a wizard: the list is a page of the app, with its own record rule).
    """

    _name = "credit.recovery.worklist"
    _description = "Contact Now"
    _order = "rank"
    _rec_name = "debtor_id"

    rank = fields.Integer(readonly=True)
    debtor_id = fields.Many2one("credit.recovery.debtor", readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="debtor_id.partner_id", string="Customer")
    phone = fields.Char(related="debtor_id.phone")
    phone_link = fields.Html(related="debtor_id.phone_link", string="Phone")
    stage_id = fields.Many2one(related="debtor_id.stage_id")
    profile_id = fields.Many2one(related="debtor_id.profile_id")
    days_overdue = fields.Integer(related="debtor_id.days_overdue")
    last_contact_date = fields.Datetime(related="debtor_id.last_contact_date")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_claimable = fields.Monetary(string="Amount to Claim", readonly=True)
    score = fields.Integer(string="Payment Score (%)", readonly=True)
    expected_recovery = fields.Monetary(readonly=True)
    reasons = fields.Char(string="Why", readonly=True, help="Points of each factor of the payment score.")

    @api.model_create_multi
    def create(self, vals_list):
        """Rows are built by ``_rebuild`` only: the ranking is the server's, not the caller's."""
        if not self.env.su:
            raise AccessError(self.env._("The Contact now list is built by the server; open it from the menu."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("The Contact now list is built by the server; open it from the menu."))
        return super().write(vals)

    @api.model
    def action_open(self):
        """Rebuild the current user's list and open it."""
        self._rebuild()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Contact now"),
            "res_model": self._name,
            "view_mode": "list",
            "domain": [("create_uid", "=", self.env.uid)],
            "context": {"create": False, "delete": False},
            "help": Markup("<p class='o_view_nocontent_smiling_face'>%s</p><p>%s</p>")
            % (
                self.env._("Nobody to contact right now"),
                self.env._(
                    "Your debtors in collection were all contacted today (the policy's daily cap), or the "
                    "contact window is closed, or none may be contacted (disputes, promises, agreements, "
                    "opt-outs). Open the list again later: it is ranked afresh each time."
                ),
            ),
        }

    def action_open_debtor(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.recovery.debtor",
            "res_id": self.debtor_id.id,
            "view_mode": "form",
        }

    @api.model
    def _rebuild(self, now=None):
        """Replace the current user's rows; returns them."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_agent"):
            raise AccessError(self.env._("Only collection agents and managers have a worklist."))
        vals_list = self._prepare_rows(now or fields.Datetime.now())
        # Checked above; sudo keeps the user as the rows' creator (the record rule's key).
        self.sudo().search([("create_uid", "=", self.env.uid)]).unlink()
        return self.sudo().create(vals_list).sudo(False)

    @api.model
    def _prepare_rows(self, now):
        """Row values, ranked, of the debtors the user may contact at ``now``."""
        domain = [("company_id", "in", self.env.companies.ids), ("amount_overdue", ">", 0)]
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            domain.append(("user_id", "=", self.env.uid))
        debtors = self.env["credit.recovery.debtor"].search(domain)
        debtors = debtors.filtered(
            lambda debtor: (
                not debtor.partner_id.recovery_do_not_contact
                and not debtor.partner_id._recovery_channel_opted_out("phone")
            )
        )
        claims = self.env["credit.recovery.action"].sudo()._claims_by_debtor(debtors.ids)
        debtors = debtors.filtered(lambda debtor: claims.get(debtor.id))
        policies = self.env["credit.recovery.policy"]._get_company_policies(debtors.company_id)
        counts = self.env["credit.recovery.contact"].sudo()._outbound_counts_by_debtor(debtors.ids, now)
        history = self._score_history(debtors.ids, now)
        max_severity = self.env["credit.recovery.profile"].sudo()._read_group([], [], ["sequence:max"])[0][0] or 1
        labels = self._factor_labels()
        windows, rows = {}, []
        for debtor in debtors:
            policy = policies.get(debtor.company_id.id)
            if not policy:
                continue
            if policy.id not in windows:
                windows[policy.id] = policy._get_contact_window()
            tz = pytz.timezone(debtor.partner_id._recovery_tz())
            local_now = pytz.utc.localize(now).astimezone(tz).replace(tzinfo=None)
            decision = decide_contact(
                local_now,
                windows[policy.id],
                counts.get(debtor.id, {}),
                policy.max_contacts_per_day,
                policy.max_contacts_per_week,
            )
            if not decision.allowed:
                continue
            kept, broken, reached = history.get(debtor.id, (0, 0, False))
            last = debtor.last_contact_date
            factors = ScoreFactors(
                days_overdue=debtor.days_overdue,
                promises_kept=kept,
                promises_broken=broken,
                days_since_contact=(now - last).days if last else None,
                last_contact_reached=reached,
                profile_severity=round(100 * (debtor.profile_id.sequence or 0) / max_severity),
                contactable=not debtor.no_valid_phone and bool(debtor.email),
            )
            score, points = payment_score(factors, policy._get_score_weights())
            amount = sum(claims[debtor.id].values())
            rows.append(
                {
                    "debtor_id": debtor.id,
                    "company_id": debtor.company_id.id,
                    "amount_claimable": amount,
                    "score": round(score * 100),
                    "expected_recovery": amount * score,
                    "reasons": ", ".join(f"{labels[code]} {value:+g}" for code, value in points),
                }
            )
        rows.sort(key=lambda row: (-row["expected_recovery"], row["debtor_id"]))
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        return rows

    def _score_history(self, debtor_ids, now):
        """``{debtor_id: (promises kept, promises broken, last contact reached)}``, two queries."""
        if not debtor_ids:
            return {}
        self.env.flush_all()
        since = (now - timedelta(days=SCORE_HISTORY_DAYS)).date()
        history = {}
        for debtor_id, kept, broken in self.env.execute_query(
            SQL(
                """SELECT debtor_id, COUNT(*) FILTER (WHERE state = 'kept'), COUNT(*) FILTER (WHERE state = 'broken')
                     FROM credit_recovery_promise
                    WHERE debtor_id = ANY(%s) AND closed_date >= %s GROUP BY 1""",
                list(debtor_ids),
                since,
            )
        ):
            history[debtor_id] = (kept, broken, False)
        for debtor_id, reached in self.env.execute_query(
            SQL(
                """SELECT DISTINCT ON (contact.debtor_id) contact.debtor_id, COALESCE(outcome.reached, FALSE)
                     FROM credit_recovery_contact contact
                     LEFT JOIN credit_recovery_contact_outcome outcome ON outcome.id = contact.outcome_id
                    WHERE contact.debtor_id = ANY(%s) AND contact.state = 'logged'
                    ORDER BY contact.debtor_id, contact.date DESC, contact.id DESC""",
                list(debtor_ids),
            )
        ):
            kept, broken, _reached = history.get(debtor_id, (0, 0, False))
            history[debtor_id] = (kept, broken, reached)
        return history

    def _factor_labels(self):
        return {
            "days_late": self.env._("days late"),
            "promises_kept": self.env._("promises kept"),
            "promises_broken": self.env._("promises broken"),
            "recent_contact": self.env._("contacted this week"),
            "reached": self.env._("reached last time"),
            "profile": self.env._("profile"),
            "contactable": self.env._("valid mobile and e-mail"),
        }
