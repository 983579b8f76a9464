from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from ..tools import kpi
from .credit_recovery_kpi import ATTRIBUTION_DAYS, UNATTRIBUTED


class CreditRecoveryKpi(models.AbstractModel):
    """The Collection dashboard: cards and graphs built from ``get_kpis`` and the aging
    snapshots, each card with the list it opens."""

    _inherit = "credit.recovery.kpi"

    @api.model
    def get_dashboard(self, company_id=None):
        """Cards and graphs of the Collection dashboard for the current company, month to date.

        Each card carries the window action that opens its list; agents see their debtors only.
        """
        company, user_id = self._check_scope(company_id or self.env.company.id)
        today = fields.Date.context_today(self)
        month_start = today.replace(day=1)
        week_start = today - timedelta(days=today.weekday())
        kpis = self.get_kpis(company.id, month_start, today)
        # DSO, roll rates and recovery over a rolling 30 days: month to date means nothing on the 1st.
        rolling = self.get_kpis(company.id, today - timedelta(days=29), today)
        own = [("user_id", "=", user_id)] if user_id else []
        debtor_own = [("debtor_id.user_id", "=", user_id)] if user_id else []
        Debtor = self.env["credit.recovery.debtor"]
        overdue_domain = [("company_id", "=", company.id), ("amount_overdue", ">", 0), *own]
        by_stage = [
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
            for stage, amount, count in Debtor._read_group(
                overdue_domain, ["stage_id"], ["amount_overdue:sum", "__count"], order="stage_id"
            )
        ]
        due_today = [("company_id", "=", company.id), ("state", "=", "open"), ("date", "=", today), *debtor_own]
        broken_week = [
            ("company_id", "=", company.id),
            ("state", "=", "broken"),
            ("closed_date", ">=", week_start),
            *debtor_own,
        ]
        to_approve = [("company_id", "=", company.id), ("state", "=", "to_approve"), *debtor_own]
        currency = company.currency_id
        cards = [
            {
                "key": "overdue",
                "label": self.env._("Overdue"),
                "value": currency.format(sum(row["amount"] for row in by_stage)),
                "action": self._list_action("credit.recovery.debtor", self.env._("Overdue debtors"), overdue_domain),
            },
            {
                "key": "promises_today",
                "label": self.env._("Promises due today"),
                "value": self.env["credit.recovery.promise"].search_count(due_today),
                "action": self._list_action("credit.recovery.promise", self.env._("Promises due today"), due_today),
            },
            {
                "key": "promises_broken",
                "label": self.env._("Promises broken this week"),
                "value": self.env["credit.recovery.promise"].search_count(broken_week),
                "action": self._list_action("credit.recovery.promise", self.env._("Broken promises"), broken_week),
            },
            {
                "key": "agreements",
                "label": self.env._("Agreements to approve"),
                "value": self.env["credit.recovery.agreement"].search_count(to_approve),
                "action": self._list_action(
                    "credit.recovery.agreement", self.env._("Agreements to approve"), to_approve
                ),
            },
            {
                "key": "recovered",
                "label": self.env._("Recovered this month"),
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
                "value": "-" if kpis["cei"] is None else formatLang(self.env, kpis["cei"], digits=1) + " %",
                "action": self._list_action(
                    "credit.recovery.snapshot",
                    self.env._("Aging snapshots"),
                    [("company_id", "=", company.id), ("date", ">=", month_start)],
                    view_mode="pivot,graph,list",
                ),
            },
        ]
        return {
            "company": company.name,
            "currency_id": currency.id,
            "cards": cards,
            "by_stage": by_stage,
            "aging_trend": self._aging_trend(company.id, today, user_id),
            "roll_rates": self._roll_rate_rows(rolling["roll_rates"]),
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
        }

    def _roll_rate_rows(self, rates):
        """``[{label, rate}]`` of the roll rates in bucket order, with the buckets' names."""
        names = dict(self.env["credit.recovery.snapshot"]._fields["bucket"]._description_selection(self.env))
        order = {code: index for index, code in enumerate(kpi.BUCKET_CODES)}
        pairs = sorted((key.split(">") for key in rates), key=lambda pair: (order[pair[0]], order[pair[1]]))
        return [
            {"label": f"{names[source]} → {names[target]}", "rate": rates[f"{source}>{target}"]}
            for source, target in pairs
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
        """``[{date, bucket amounts}]`` of the last 12 weeks' snapshots, one point a week."""
        rows = self.env.execute_query(
            SQL(
                """SELECT date, bucket, SUM(amount) FROM credit_recovery_snapshot
                    WHERE company_id = %s AND date > %s AND MOD(%s::date - date, 7) = 0
                      AND (%s::int IS NULL OR user_id = %s)
                    GROUP BY 1, 2 ORDER BY 1""",
                company_id,
                today - timedelta(weeks=12),
                today,
                user_id,
                user_id,
            )
        )
        points = {}
        for day, bucket, amount in rows:
            points.setdefault(day, dict.fromkeys(kpi.BUCKET_CODES, 0.0))[bucket] = amount
        return [{"date": fields.Date.to_string(day), **amounts} for day, amounts in points.items()]
