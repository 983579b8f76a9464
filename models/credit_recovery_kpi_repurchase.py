"""KPIs of the customer who buys again: *Customers recovered* (credit restored in the period) and
the *repurchase rate* (of them, who bought again within 90 days, and for how much)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import kpi


class CreditRecoveryKpi(models.AbstractModel):
    _inherit = "credit.recovery.kpi"

    @api.model
    def get_kpis(self, company_id, date_from, date_to):
        result = super().get_kpis(company_id, date_from, date_to)
        _company, user_id = self._check_scope(company_id)
        result.update(
            self._repurchase(company_id, fields.Date.to_date(date_from), fields.Date.to_date(date_to), user_id)
        )
        return result

    @api.model
    def _repurchase(self, company_id, date_from, date_to, user_id):
        """``customers_recovered``, ``repurchase_count``, ``repurchase_rate`` (``None`` without
        restorations) and ``repurchase_amount`` (company currency): the debtors whose credit was
        restored from ``date_from`` to ``date_to`` (their latest restoration), and their posted
        customer invoices (less refunds: no) and paid Point of Sale orders (when the app is
        installed) dated within 90 days of it (``tools.kpi.repurchase_rate``)."""
        self.env.flush_all()
        own = SQL("AND d.user_id = %s", user_id) if user_id else SQL()
        restorations = dict(
            self.env.execute_query(
                SQL(
                    """
                    SELECT c.debtor_id, MAX(c.date)
                      FROM credit_recovery_credit_change c
                      JOIN credit_recovery_debtor d ON d.id = c.debtor_id
                     WHERE c.company_id = %s AND c.restoration AND c.date BETWEEN %s AND %s %s
                     GROUP BY c.debtor_id
                    """,
                    company_id,
                    date_from,
                    date_to,
                    own,
                )
            )
        )
        purchases = []
        if restorations:
            purchases = self._repurchase_purchases(restorations, date_from, date_to)
        result = kpi.repurchase_rate(restorations, purchases)
        return {
            "customers_recovered": result.restored,
            "repurchase_count": result.bought,
            "repurchase_rate": result.rate,
            "repurchase_amount": result.amount,
        }

    @api.model
    def _repurchase_purchases(self, restorations, date_from, date_to):
        """``[(debtor, date, amount)]``: the restored debtors' posted customer invoices and, with the Point
        of Sale installed, their paid or invoiced orders not invoiced (an invoiced order is its invoice)."""
        window_end = date_to + timedelta(days=kpi.REPURCHASE_DAYS)
        debtor_ids = list(restorations)
        rows = list(
            self.env.execute_query(
                SQL(
                    """
                    SELECT d.id, m.invoice_date, m.amount_total_signed
                      FROM credit_recovery_debtor d
                      JOIN res_partner p ON p.commercial_partner_id = d.partner_id
                      JOIN account_move m ON m.partner_id = p.id AND m.company_id = d.company_id
                     WHERE d.id = ANY(%s) AND m.move_type = 'out_invoice' AND m.state = 'posted'
                       AND m.invoice_date BETWEEN %s AND %s
                    """,
                    debtor_ids,
                    date_from,
                    window_end,
                )
            )
        )
        if "pos.order" in self.env:
            self.env["pos.order"].flush_model(["partner_id", "company_id", "state", "date_order", "amount_total"])
            rows += self.env.execute_query(
                SQL(
                    """
                    SELECT d.id, (o.date_order AT TIME ZONE 'UTC')::date, o.amount_total
                      FROM credit_recovery_debtor d
                      JOIN res_partner p ON p.commercial_partner_id = d.partner_id
                      JOIN pos_order o ON o.partner_id = p.id AND o.company_id = d.company_id
                     WHERE d.id = ANY(%s) AND o.state IN ('paid', 'done') AND o.account_move IS NULL
                       AND o.date_order >= %s AND o.date_order < %s
                    """,
                    debtor_ids,
                    date_from,
                    window_end + timedelta(days=1),
                )
            )
        return rows

    @api.model
    def get_dashboard(self, company_id=None):
        result = super().get_dashboard(company_id)
        company = self.env["res.company"].browse(result.get("company_id") or company_id or self.env.company.id)
        today = fields.Date.context_today(self)
        month_start = today.replace(day=1)
        figures = self._repurchase(company.id, month_start, today, self._check_scope(company.id)[1])
        rate = figures["repurchase_rate"]
        rate_text = "—" if rate is None else "%.0f %%" % (rate * 100)
        domain = [("company_id", "=", company.id), ("restoration", "=", True), ("date", ">=", month_start)]
        result["cards"].append(
            {
                "key": "customers_recovered",
                "label": self.env._("Customers recovered this month"),
                "help": self.env._(
                    "Debtors whose credit was restored this month, and the repurchase rate: the share of them who "
                    "bought again (posted invoice or Point of Sale order) within 90 days, and the amount they bought."
                ),
                "value": self.env._(
                    "%(count)s · repurchase %(rate)s (%(amount)s)",
                    count=figures["customers_recovered"],
                    rate=rate_text,
                    amount=company.currency_id.format(figures["repurchase_amount"]),
                ),
                "action": self._list_action(
                    "credit.recovery.credit.change", self.env._("Customers recovered this month"), domain
                ),
            }
        )
        return result
