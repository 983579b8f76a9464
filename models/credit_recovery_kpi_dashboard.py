from datetime import timedelta
from itertools import pairwise

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from ..tools import kpi
from .common import ATTRIBUTION_DAYS, UNATTRIBUTED

TREND_WEEKS = 12


class CreditRecoveryKpi(models.AbstractModel):
    """The Collection dashboard: cards and graphs built from ``get_kpis`` and the aging
    snapshots, each card with the list it opens."""

    _inherit = "credit.recovery.kpi"

    @api.model
    def get_dashboard(self, company_id=None):
        """Cards and graphs of the Collection dashboard for the current company, month to date.

        Each card carries the window action that opens its list; agents see their debtors only. The
        figures are those of ``get_kpis`` (the same methods), only the ones shown computed.
        """
        company, user_id = self._check_scope(company_id or self.env.company.id)
        today = fields.Date.context_today(self)
        self.env.flush_all()
        # The KPIs the cards and graphs show, by get_kpis' own definitions (not the others: cure and
        # contact rates are not on the dashboard, and cost a scan each); the receivables of the month
        # and of the rolling 30 days in one scan.
        month_start, rolling_start = today.replace(day=1), today - timedelta(days=29)
        aging = self._ar_kpis(company.id, month_start, today, user_id, also_from=[rolling_start])
        kpis = {**aging[month_start], **self._recovery(company.id, month_start, today, user_id)}
        # DSO, roll rates and recovery over a rolling 30 days: month to date means nothing on the 1st.
        rolling = {
            **aging[rolling_start],
            **self._promise_and_agreement_rates(company.id, rolling_start, today, user_id),
            **self._recovery(company.id, rolling_start, today, user_id),
        }
        own = [("user_id", "=", user_id)] if user_id else []
        overdue_domain = [("company_id", "=", company.id), ("amount_overdue", ">", 0), *own]
        by_stage = self._dashboard_by_stage(overdue_domain)
        currency = company.currency_id
        cards = [
            {
                "key": "overdue",
                "label": self.env._("Overdue"),
                "help": self.env._(
                    "Amount past its due date today, of the debtors in collection (by stage in the table below)."
                ),
                "value": currency.format(sum(row["amount"] for row in by_stage)),
                "action": self._list_action("credit.recovery.debtor", self.env._("Overdue debtors"), overdue_domain),
            },
            *self._dashboard_work_cards(company, user_id, today),
            *self._dashboard_money_cards(company, kpis, own, today),
        ]
        return {
            "company": company.name,
            "currency_id": currency.id,
            "cards": cards,
            "by_stage": by_stage,
            "aging_trend": self._aging_trend(company.id, today, user_id),
            "roll_rates": self._roll_rate_rows(rolling["roll_rates"]),
            "stay_rates": self._stay_rate_rows(rolling["roll_rates"]),
            "recovery_by_channel": self._labelled(
                rolling["recovery_by_channel"],
                dict(self.env["credit.recovery.contact"]._fields["channel"]._description_selection(self.env)),
            ),
            "recovery_by_stage": self._labelled(
                rolling["recovery_by_stage"],
                {
                    "none": self.env._("No stage"),
                    **{str(stage.id): stage.display_name for stage in self.env["credit.recovery.stage"].search([])},
                },
            ),
            "kpis": {key: rolling[key] for key in ("dso", "dso_countback", "bpdso", "add", "promise_kept_rate")},
            "agencies": self._agency_kpis(company.id, today - timedelta(days=29), today, rolling, user_id),
        }

    def _dashboard_by_stage(self, overdue_domain):
        """``[{label, amount, count, action}]``: the overdue debtors of ``overdue_domain`` per stage."""
        return [
            {
                "label": stage.display_name if stage else self.env._("No stage"),
                "amount": amount,
                "count": count,
                "action": self._list_action(
                    "credit.recovery.debtor",
                    self.env._("Overdue debtors"),
                    [*overdue_domain, ("stage_id", "=", stage.id if stage else False)],
                ),
            }
            for stage, amount, count in self.env["credit.recovery.debtor"]._read_group(
                overdue_domain, ["stage_id"], ["amount_overdue:sum", "__count"], order="stage_id"
            )
        ]

    def _dashboard_work_cards(self, company, user_id, today):
        """The cards of the team's work: promises due today, promises broken this week, agreements to
        approve (``user_id``: of that agent's debtors)."""
        debtor_own = [("debtor_id.user_id", "=", user_id)] if user_id else []
        due_today = [("company_id", "=", company.id), ("state", "=", "open"), ("date", "=", today), *debtor_own]
        broken_week = [
            ("company_id", "=", company.id),
            ("state", "=", "broken"),
            ("closed_date", ">=", today - timedelta(days=today.weekday())),
            *debtor_own,
        ]
        to_approve = [("company_id", "=", company.id), ("state", "=", "to_approve"), *debtor_own]
        return [
            {
                "key": "promises_today",
                "label": self.env._("Promises due today"),
                "help": self.env._("Open promises to pay whose promised date is today: check the payment or call."),
                "value": self.env["credit.recovery.promise"].search_count(due_today),
                "action": self._list_action("credit.recovery.promise", self.env._("Promises due today"), due_today),
            },
            {
                "key": "promises_broken",
                "label": self.env._("Promises broken this week"),
                "help": self.env._(
                    "Promises marked broken since Monday: the amount promised was not paid by the date plus the "
                    "policy's tolerance days."
                ),
                "value": self.env["credit.recovery.promise"].search_count(broken_week),
                "action": self._list_action("credit.recovery.promise", self.env._("Broken promises"), broken_week),
            },
            {
                "key": "agreements",
                "label": self.env._("Agreements to approve"),
                "help": self.env._(
                    "Agreements beyond the limits of the debtor's profile, waiting for a manager's approval."
                ),
                "value": self.env["credit.recovery.agreement"].search_count(to_approve),
                "action": self._list_action(
                    "credit.recovery.agreement", self.env._("Agreements to approve"), to_approve
                ),
            },
        ]

    def _dashboard_money_cards(self, company, kpis, own, today):
        """The cards of the month's money: recovered by the team, and the CEI."""
        currency = company.currency_id
        month_start = today.replace(day=1)
        return [
            {
                "key": "recovered",
                "label": self.env._("Recovered this month"),
                "help": self.env._(
                    "Paid this month, after the due date, by the debtors the team contacted this month (calls, "
                    "messages and letters logged as outbound contacts). Payments of debtors not contacted this "
                    "month are not counted here; the CEI counts every payment."
                ),
                "value": currency.format(kpis["amount_collected"]),
                "action": self._list_action(
                    "credit.recovery.contact",
                    self.env._("Contacts this month"),
                    [("company_id", "=", company.id), ("date", ">=", month_start), *own],
                ),
            },
            {
                "key": "cei",
                "label": self.env._("CEI of the month"),
                "help": self.env._(
                    "Collection Effectiveness Index: of what could be collected this month (receivables on the "
                    "1st, plus the month's credit sales, minus what is not due yet), the share that was "
                    "collected, by any payment, whether or not the debtor was contacted."
                ),
                "value": "-" if kpis["cei"] is None else formatLang(self.env, kpis["cei"], digits=1) + " %",
                "action": self._list_action(
                    "credit.recovery.snapshot",
                    self.env._("Aging snapshots"),
                    [("company_id", "=", company.id), ("date", ">=", month_start)],
                    view_mode="pivot,graph,list",
                ),
            },
        ]

    def _roll_rate_rows(self, rates):
        """``[{label, rate}]`` of the roll rates in bucket order, with the buckets' names: the share
        of a bucket's amount that rolled into the next bucket. What stayed in its bucket is no roll
        rate: see ``_stay_rate_rows``."""
        names = dict(self.env["credit.recovery.snapshot"]._fields["bucket"]._description_selection(self.env))
        return [
            {"label": f"{names[source]} → {names[target]}", "rate": rates[f"{source}>{target}"]}
            for source, target in pairwise(kpi.BUCKET_CODES)
            if f"{source}>{target}" in rates
        ]

    def _stay_rate_rows(self, rates):
        """``[{label, rate}]`` in bucket order: the share of a bucket's amount still in the same bucket."""
        names = dict(self.env["credit.recovery.snapshot"]._fields["bucket"]._description_selection(self.env))
        return [
            {"label": names[code], "rate": rates[f"{code}>{code}"]}
            for code in kpi.BUCKET_CODES
            if f"{code}>{code}" in rates
        ]

    def _labelled(self, rows, labels):
        """``[{label, entered, collected, rate}]``, most collected first; the payments made with no
        contact before them last, under a label that says so."""
        names = {
            "none": self.env._("None"),
            UNATTRIBUTED: self.env._("No contact in the %(days)s days before", days=ATTRIBUTION_DAYS),
            **labels,
        }
        return [
            {"label": names.get(key, self.env._("None")), **values}
            for key, values in sorted(
                rows.items(), key=lambda item: (item[0] == UNATTRIBUTED, -(item[1]["collected"] or 0))
            )
        ]

    def _list_action(self, model, name, domain, view_mode="list,form"):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "views": [[False, mode] for mode in view_mode.split(",")],
            "domain": domain,
            "target": "current",
        }

    def _aging_trend(self, company_id, today, user_id):
        """``[{date, missing, bucket amounts}]`` of the last 12 weeks, one point a week (today and
        the same weekday before), oldest first. A week whose day has no snapshot is a point with
        ``missing`` set and zero amounts, never dropped: the chart keeps its 12 weeks."""
        rows = self.env.execute_query(
            SQL(
                """SELECT date, bucket, SUM(amount) FROM credit_recovery_snapshot
                    WHERE company_id = %s AND date > %s AND MOD(%s::date - date, 7) = 0
                      AND (%s::int IS NULL OR user_id = %s)
                    GROUP BY 1, 2 ORDER BY 1""",
                company_id,
                today - timedelta(weeks=TREND_WEEKS),
                today,
                user_id,
                user_id,
            )
        )
        points = {}
        for day, bucket, amount in rows:
            points.setdefault(day, dict.fromkeys(kpi.BUCKET_CODES, 0.0))[bucket] = amount
        days = [today - timedelta(weeks=weeks) for weeks in range(TREND_WEEKS - 1, -1, -1)]
        return [
            {
                "date": fields.Date.to_string(day),
                "missing": day not in points,
                **points.get(day, dict.fromkeys(kpi.BUCKET_CODES, 0.0)),
            }
            for day in days
        ]
