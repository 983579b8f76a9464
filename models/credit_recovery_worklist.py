from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.contact_rules import contact_moment
from ..tools.kpi import ScoreFactors, payment_score
from ..tools.late_fees import last_prescribed_due
from ..tools.ranking import best_by_bound
from ..tools.timezone import contact_timezone
from .common import CLAIM_AMOUNT

# Promises counted by the score: those closed in the last 12 months.
SCORE_HISTORY_DAYS = 365
# Rows built per opening (a page of the list); *Load more* builds one page more.
PAGE = 80


class CreditRecoveryWorklist(models.Model):
    """*Contact now*: the debtors an agent may call right now, ranked by expected recovery.

    Expected recovery = amount the agent may claim today x payment score. The claimable amount
    follows the run's skip rules (``credit.recovery.action._claims_by_debtor``: disputes, promises,
    agreements, exclusions, prescription); debtors who asked not to be contacted, refused calls, have
    no valid phone number (an e-mail-only debtor is the e-mails' to reach), or whom the contact
    window or the caps do not allow now (``tools.contact_rules``) are left out. The score is the
    probability of paying something within 30 days learnt from the company's history (the policy's
    payment model, stored on each debtor after a fit and daily, not computed at each opening), or,
    below a minimum history, additive points per factor (``tools.kpi.payment_score``, weights on
    the policy), or a manager's override; each row shows why. The
    ranking runs over all the user's debtors at each opening, set-based; rows are built for the
    best page only (``PAGE``, *Load more* for the next), for the user who opens the list,
    and replaced each time (a regular model rather than a wizard: the list is a page of the app,
    with its own record rule).
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
    reasons = fields.Char(
        string="Why",
        readonly=True,
        help="Each factor's contribution to the payment score: to the learnt model's logit (log-odds), or the hand "
        "weights' points while the history is too short, or a manager's override and its reason.",
    )

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
    def action_open(self, limit=PAGE):
        """Rank the current user's debtors and open the best ``limit`` of them (a page when the
        caller gives no positive number)."""
        if not isinstance(limit, int) or limit < 1:
            limit = PAGE
        self._rebuild(limit=limit)
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
                    "opt-outs, no valid phone number). Open the list again later: it is ranked afresh each time."
                ),
            ),
        }

    def action_load_more(self):
        """Rank again with one page more than the user has now, and reload the list in place (the
        list's header button: the rows selected, if any, do not matter; the new rows are on the
        list's next page)."""
        shown = self.search_count([("create_uid", "=", self.env.uid)])
        self._rebuild(limit=(shown // PAGE + 1) * PAGE)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_open_debtor(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "credit.recovery.debtor",
            "res_id": self.debtor_id.id,
            "view_mode": "form",
        }

    @api.model
    def _rebuild(self, now=None, limit=PAGE):
        """Replace the current user's rows by the best ``limit`` ones (all of them when ``None``);
        returns them."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_agent"):
            raise AccessError(self.env._("Only collection agents and managers have a worklist."))
        vals_list = self._prepare_rows(now or fields.Datetime.now(), limit)
        # Checked above; sudo keeps the user as the rows' creator (the record rule's key).
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM credit_recovery_worklist WHERE create_uid = %s", self.env.uid))
        self.invalidate_model()
        return self.sudo().create(vals_list).sudo(False)

    @api.model
    def _prepare_rows(self, now, limit=None):
        """Row values of the best ``limit`` debtors the user may call at ``now``, ranked.

        Set-based: one query selects the candidates (the user's debtors, record rules applied, with
        a valid phone and no opt-out) with what the score needs and an upper bound of their
        claimable amount; the contact rules run on plain tuples, memoised (most debtors share a time
        zone and an empty count); the scores and the exact claimable amounts of the rows the ranking
        needs come from ``_rank``; only the rows shown are built.
        """
        domain = [("company_id", "in", self.env.companies.ids), ("amount_overdue", ">", 0)]
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            domain.append(("user_id", "=", self.env.uid))
        visible = self.env["credit.recovery.debtor"]._search(domain)
        today = fields.Date.context_today(self)
        candidates = self._fetch_candidates(visible, today)
        if not candidates:
            return []
        ids = [row[0] for row in candidates]
        companies = self.env["res.company"].browse({row[1] for row in candidates})
        policies = self.env["credit.recovery.policy"]._get_company_policies(companies)
        counts = self.env["credit.recovery.contact"].sudo()._outbound_counts_by_debtor(ids, now)
        company_tz, user_tz = self.env.company.partner_id.tz, self.env.user.tz
        windows, open_now = {}, {}
        allowed_rows = []
        for row in candidates:
            debtor_id, company_id, partner_tz = row[:3]
            policy = policies.get(company_id)
            if not policy:
                continue
            if company_id not in windows:  # one policy per company
                windows[company_id] = policy._get_contact_window()
            tz = contact_timezone(partner_tz, company_tz, user_tz)
            day_counts = counts.get(debtor_id)
            if day_counts or (company_id, tz) not in open_now:
                caps = (policy.max_contacts_per_day, policy.max_contacts_per_week)
                allowed = contact_moment(now, tz, windows[company_id], day_counts or {}, caps).allowed
                if not day_counts:
                    open_now[company_id, tz] = allowed
            else:
                allowed = open_now[company_id, tz]
            if allowed:
                allowed_rows.append(row)
        ranked = self._rank(allowed_rows, policies, now, today, limit)
        return [
            {
                "rank": rank,
                "debtor_id": debtor_id,
                "company_id": company_id,
                "amount_claimable": amount,
                "score": round(probability * 100),
                "expected_recovery": amount * probability,
                "reasons": reasons,
            }
            for rank, (_key, debtor_id, company_id, amount, probability, reasons) in enumerate(
                ranked[:limit] if limit else ranked, start=1
            )
        ]

    def _rank(self, rows, policies, now, today, limit=None):
        """``[(sort key, debtor, company, amount, probability, why)]`` of the best ``limit`` rows (all
        when ``None``) by expected recovery, amount to claim x probability, best first, with their *Why*.
        The probability is, in this order: a manager's override (its reason is the *Why*);
        the company's fitted payment model (``_learnt_scores``: each factor's contribution to the
        logit is the *Why*); the hand weights (``tools.kpi.payment_score``: each factor's points)
        when the company's history is too short.

        Every row is scored, but the amount to claim is computed (``_claimable_amounts``) only for the
        rows its upper bound (the rows' last column, ``_fetch_candidates``) cannot leave out: ranked by
        bound x probability, the rows are taken best first until the ``limit``-th exact expected recovery
        is above what any row left may reach (``tools.ranking.best_by_bound``). The page is the one the
        exact amounts of all the rows give (``test_analytics_worklist``); a row without anything to claim
        is left out, as before."""
        learnt = self._learnt_scores(rows, policies, today)
        hand_ids = [row[0] for row in rows if row[0] not in learnt and not row[7]]
        history = self._score_history(hand_ids, now)
        max_severity = self.env["credit.recovery.profile"].sudo()._read_group([], [], ["sequence:max"])[0][0] or 1
        labels = self._factor_labels()
        weights, scores = {}, {}
        scored, bounds = {}, []
        for (
            debtor_id,
            company_id,
            _tz,
            days_overdue,
            last,
            sequence,
            contactable,
            overridden,
            override,
            reason,
            _stored,
            _stored_on,
            bound,
        ) in rows:
            if overridden:
                probability = override / 100.0
                why = self.env._("manager override: %(reason)s", reason=reason or "")
            elif debtor_id in learnt:
                probability, why = learnt[debtor_id][0], None  # the Why of the rows shown, below
            else:
                if company_id not in weights:
                    weights[company_id] = policies[company_id]._get_score_weights()
                kept, broken, reached = history.get(debtor_id, (0, 0, False))
                factors = ScoreFactors(
                    days_overdue=days_overdue or 0,
                    promises_kept=kept,
                    promises_broken=broken,
                    days_since_contact=(now - last).days if last else None,
                    last_contact_reached=reached,
                    profile_severity=round(100 * (sequence or 0) / max_severity),
                    contactable=contactable,
                )
                if (company_id, factors) not in scores:
                    scores[company_id, factors] = payment_score(factors, weights[company_id])
                probability, points = scores[company_id, factors]
                why = ", ".join(f"{labels[code]} {value:+g}" for code, value in points)
            scored[debtor_id] = (company_id, probability, why)
            bounds.append((-bound * probability, debtor_id))
        amounts = {}

        def exact(debtor_ids):
            amounts.update(self._claimable_amounts(debtor_ids, today))
            return {
                debtor_id: -amounts[debtor_id] * scored[debtor_id][1]
                for debtor_id in debtor_ids
                if debtor_id in amounts
            }

        ranked = [
            (key, debtor_id, scored[debtor_id][0], amounts[debtor_id], *scored[debtor_id][1:])
            for key, debtor_id in best_by_bound(bounds, exact, limit or None)
        ]
        parts = self._learnt_parts([row[1] for row in ranked if row[5] is None], learnt)
        for index, (key, debtor_id, company_id, amount, probability, why) in enumerate(ranked):
            if why is None:
                learnt_why = policies[company_id]._score_why(parts.get(debtor_id, []), learnt[debtor_id][1], today)
                ranked[index] = (key, debtor_id, company_id, amount, probability, learnt_why)
        return ranked

    def _learnt_scores(self, rows, policies, today):
        """``{debtor: (probability, day computed, [(feature, contribution)] or None)}`` of the rows'
        debtors (not overridden) whose company has a fitted payment model.

        The probability stored on the debtor (``score_probability``, computed after each fit and
        daily: ``credit_recovery_debtor_score_stored``) is used when it was computed since the model
        was fitted; an empty one computed today means nothing of theirs was overdue for the model
        (the hand weights then apply, as they did). The others (new in collection since the last
        refresh, or the model fitted since) are scored now (``_score_debtors``, one query for them);
        when they are more than a page, the daily refresh is started at once for the next opening.
        """
        learnt, missing = {}, 0
        for company_id in {row[1] for row in rows}:
            policy = policies[company_id]
            if not policy._get_score_model():
                continue
            fitted_on = fields.Date.context_today(self, policy.score_model_date) if policy.score_model_date else None
            stale = []
            for row in rows:
                if row[1] != company_id or row[7]:
                    continue
                probability, day = row[10], row[11]
                if day and (not fitted_on or day >= fitted_on) and (probability is not None or day >= today):
                    if probability is not None:
                        learnt[row[0]] = (probability, day, None)
                else:
                    stale.append(row[0])
            for debtor_id, (probability, parts, _logit) in policy._score_debtors(stale, today).items():
                learnt[debtor_id] = (probability, today, parts)
            missing += len(stale)
        if missing > PAGE:
            self.env.ref("account_credit_recovery.ir_cron_refresh_payment_scores").sudo()._trigger()
        return learnt

    def _learnt_parts(self, debtor_ids, learnt):
        """``{debtor: [(feature, contribution)]}`` of ``debtor_ids``: those scored now, and the stored
        ones read for these rows only (one query)."""
        parts = {debtor_id: learnt[debtor_id][2] for debtor_id in debtor_ids if learnt[debtor_id][2] is not None}
        stored = [debtor_id for debtor_id in debtor_ids if debtor_id not in parts]
        if stored:
            self.env.flush_all()
            for debtor_id, contributions in self.env.execute_query(
                SQL("SELECT id, score_contributions FROM credit_recovery_debtor WHERE id = ANY(%s)", stored)
            ):
                parts[debtor_id] = [tuple(part) for part in contributions or []]
        return parts

    def _fetch_candidates(self, visible, today=None):
        """``[(debtor, company, partner tz, days overdue, last contact, profile sequence, contactable,
        score overridden, override (%), override reason, stored probability, its date, upper bound of
        the amount to claim)]`` of the debtors of the query ``visible`` who may be called: neither *do
        not contact* nor *no collection calls*, and a valid phone number (a debtor reachable by e-mail
        only is the e-mail's, not the call list's). Whether they have something to claim today, and
        how much, is ``_claimable_amounts``'s, for the rows the ranking needs only.

        The bound is never below the amount to claim: the debtor's stored amount overdue (the sum of
        its invoices' positive amounts overdue, every invoice counted, none skipped) plus, for the
        invoices at a stage with nothing overdue (a stage before the due date), what ``CLAIM_AMOUNT``
        gives them when positive (one partial index finds those invoices). One query, reading
        neither the invoices nor their journal items for the others. Days overdue as of ``today``
        (default: the user's today).
        """
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        return self.env.execute_query(
            SQL(
                """
                WITH early AS MATERIALIZED (
                    SELECT m.recovery_debtor_id AS debtor_id, SUM(GREATEST(%(amount)s, 0)) AS amount
                      FROM credit_recovery_invoice s
                      JOIN account_move m ON m.id = s.move_id
                     WHERE s.stage_id IS NOT NULL AND (s.amount_overdue <= 0 OR s.amount_overdue IS NULL)
                     GROUP BY m.recovery_debtor_id
                )
                SELECT debtor.id, debtor.company_id, partner.tz, %(days)s, debtor.last_contact_date,
                       profile.sequence, %(contactable)s, COALESCE(debtor.score_overridden, FALSE),
                       debtor.score_override, debtor.score_override_reason, debtor.score_probability,
                       debtor.score_date, GREATEST(COALESCE(debtor.amount_overdue, 0), 0) + COALESCE(early.amount, 0)
                  FROM credit_recovery_debtor debtor
                  JOIN res_partner partner ON partner.id = debtor.partner_id
                  LEFT JOIN credit_recovery_profile profile ON profile.id = debtor.profile_id
                  LEFT JOIN early ON early.debtor_id = debtor.id
                 WHERE debtor.id IN %(visible)s
                   AND NOT COALESCE(partner.recovery_do_not_contact, FALSE)
                   AND NOT COALESCE(partner.recovery_optout_phone, FALSE)
                   AND NOT COALESCE(partner.recovery_no_valid_phone, TRUE)
                """,
                contactable=self.env["res.partner"]._recovery_contactable_sql("partner"),
                # Days overdue are computed when read, from the oldest unpaid due date.
                days=self.env["credit.recovery.invoice"]._days_overdue_sql(SQL("debtor.oldest_due_date"), today),
                visible=visible.subselect(),
                amount=CLAIM_AMOUNT,
            )
        )

    def _claimable_amounts(self, debtor_ids, today):
        """``{debtor: amount}``: what may be claimed ``today`` from those of ``debtor_ids`` who have
        something to claim (an invoice at a stage that no skip rule stops).

        The sum of what ``credit.recovery.action._claims_by_debtor`` claims (its amounts,
        ``CLAIM_AMOUNT``, and the skip rules of ``tools.collection.skip_reason`` that apply to an
        invoice at its current stage: prescribed, excluded, disputed, paused by a promise, under an
        active agreement), computed in SQL for these debtors at once; the tests prove both equal
        (``test_analytics_worklist``).
        """
        if not debtor_ids:
            return {}
        self.env.flush_all()
        return dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT m.recovery_debtor_id, SUM(%(amount)s)
                      FROM account_move m
                      JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                     WHERE m.recovery_debtor_id = ANY(%(debtors)s) AND s.stage_id IS NOT NULL
                       AND NOT COALESCE(m.recovery_excluded, FALSE)
                       AND COALESCE(m.recovery_dispute_state, '') NOT IN ('open', 'valid')
                       AND m.recovery_paused_since IS NULL
                       AND (s.oldest_due_date IS NULL OR s.oldest_due_date > %(prescribed_until)s)
                       AND (m.recovery_agreement_id IS NOT NULL
                            OR NOT EXISTS (SELECT 1 FROM credit_recovery_agreement g
                                            WHERE g.debtor_id = m.recovery_debtor_id AND g.state = 'active'))
                     GROUP BY m.recovery_debtor_id
                    """,
                    debtors=list(debtor_ids),
                    amount=CLAIM_AMOUNT,
                    prescribed_until=last_prescribed_due(today),
                )
            )
        )

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
                """SELECT DISTINCT ON (contact.debtor_id) contact.debtor_id, COALESCE(%s, FALSE)
                     FROM credit_recovery_contact contact
                     LEFT JOIN credit_recovery_contact_outcome outcome ON outcome.id = contact.outcome_id
                    WHERE contact.debtor_id = ANY(%s) AND contact.state = 'logged'
                      AND contact.direction <> 'internal'
                    ORDER BY contact.debtor_id, contact.date DESC, contact.id DESC""",
                self.env["credit.recovery.contact.outcome"]._reached_sql("contact", "outcome"),
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
