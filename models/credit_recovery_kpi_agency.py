"""The dashboard's figures per collection agency, beside the in-house ones, by the same definitions.

In-house (``credit_recovery_kpi._recovery``) an installment *enters* collection when the team works
its debtor in the period: what was open at the period's opening past its due date (or fell due
unpaid in it); it is *collected* by the payments of the period after its due date, an agreement
settling invoices being no payment. For an agency, working the debtor is holding it: an assignment
whose window (from its start to its recall plus the commission tail) meets the period. *Assigned*
is then what its installments (those handed over, and the items of an agreement signed while
assigned) still owed when the agency held them in the period: open the day before the later of
the period's start and the assignment's start (an agreement made after that day is carried by the
invoices it settles, as in-house). *Recovered* is every reconciliation of those installments in
the period and in the window with anything but an agreement entry (the in-house rule); a payment
is credited to one agency, the one whose assignment started last, as its commission is. So
recovered ≤ assigned and the rates compare. *Commission*: the commission lines of the period
(reversals included). *Complaints*: disputes opened on the agency's debtors' invoices while
assigned; in-house, those opened on debtors no agency held that day.
"""

from odoo import models
from odoo.tools import SQL

from ..tools import kpi
from ..tools.ledger_sql import installments_sql


class CreditRecoveryKpi(models.AbstractModel):
    _inherit = "credit.recovery.kpi"

    def _agency_kpis(self, company_id, date_from, date_to, in_house, user_id=None):
        """``[{agency_id, label, assigned_count, assigned_amount, recovered, rate, commission,
        complaints, action}]``, one row per agency of the company and the in-house row last
        (``agency_id`` ``False``; its amounts those of ``in_house``, a ``get_kpis`` result of the
        same period). Managers only (``user_id`` set: an agent's view, no agency figures)."""
        if user_id:
            return []
        self.env.flush_all()
        rows = self.env.execute_query_dict(self._agency_kpis_sql(company_id, date_from, date_to))
        figures = {}
        in_house_complaints = 0
        for row in rows:
            if row["agency_id"] is None:
                in_house_complaints = row["complaints"]
                continue
            figures[row["agency_id"]] = row
        agencies = (
            self.env["credit.recovery.agency"]
            .sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company_id), "|", ("active", "=", True), ("id", "in", list(figures))])
        )
        result = []
        for agency in agencies:
            row = figures.get(agency.id, {})
            assigned, recovered = row.get("assigned_amount") or 0.0, row.get("recovered") or 0.0
            result.append(
                {
                    "agency_id": agency.id,
                    "label": agency.name,
                    "assigned_count": row.get("assigned_count") or 0,
                    "assigned_amount": assigned,
                    "recovered": recovered,
                    "rate": kpi.percent(recovered, assigned),
                    "commission": row.get("commission") or 0.0,
                    "complaints": row.get("complaints") or 0,
                    "action": self._list_action(
                        "credit.recovery.agency.commission",
                        self.env._("Commission of %(agency)s", agency=agency.name),
                        [("agency_id", "=", agency.id)],
                        view_mode="list,pivot",
                    ),
                }
            )
        result.append(
            {
                "agency_id": False,
                "label": self.env._("In-house"),
                "assigned_count": None,
                "assigned_amount": in_house["amount_entered"],
                "recovered": in_house["amount_collected"],
                "rate": in_house["recovery_rate"],
                "commission": None,
                "complaints": in_house_complaints,
                "action": False,
            }
        )
        return result

    def _agency_kpis_sql(self, company_id, date_from, date_to):
        """One row per agency (``assigned_count``, ``assigned_amount``, ``recovered``,
        ``commission``, ``complaints``) and one with ``agency_id`` NULL: the in-house complaints."""
        return SQL(
            """
            WITH assigned AS (
                SELECT assignment.id AS assignment_id, assignment.agency_id, assignment.debtor_id,
                       assignment.company_id, assignment.date_start, assignment.recalled_on,
                       agency.commission_tail_days AS tail,
                       GREATEST(%(date_from)s::date, assignment.date_start) - 1 AS cutoff
                  FROM credit_recovery_agency_assignment assignment
                  JOIN credit_recovery_agency agency ON agency.id = assignment.agency_id
                 WHERE assignment.company_id = %(company)s AND assignment.date_start <= %(date_to)s
                   AND (assignment.recalled_on IS NULL
                        OR assignment.recalled_on + agency.commission_tail_days >= %(date_from)s)
            ),
            installments AS (%(installments)s),
            entered AS (
                SELECT assigned.agency_id, SUM(CASE WHEN installments.line_date > assigned.cutoff THEN 0
                       ELSE installments.balance - COALESCE((
                            SELECT SUM(partial.amount) FROM account_partial_reconcile partial
                             WHERE partial.debit_move_id = installments.line_id
                               AND partial.max_date <= assigned.cutoff), 0) END) AS amount,
                       COUNT(DISTINCT assigned.debtor_id) AS debtors
                  FROM installments JOIN assigned USING (assignment_id)
                 GROUP BY 1
            ),
            paid AS (
                SELECT DISTINCT ON (partial.id) assigned.agency_id, partial.amount
                  FROM installments JOIN assigned USING (assignment_id)
                  JOIN account_partial_reconcile partial ON partial.debit_move_id = installments.line_id
                  JOIN account_move_line paid_by ON paid_by.id = partial.credit_move_id
                  JOIN account_move paying ON paying.id = paid_by.move_id
                 WHERE paying.recovery_agreement_id IS NULL
                   AND partial.max_date BETWEEN %(date_from)s AND %(date_to)s
                   AND partial.max_date >= assigned.date_start
                   AND (assigned.recalled_on IS NULL OR partial.max_date <= assigned.recalled_on + assigned.tail)
                 ORDER BY partial.id, assigned.date_start DESC, assigned.assignment_id DESC
            ),
            recovered AS (SELECT agency_id, SUM(amount) AS amount FROM paid GROUP BY 1),
            commission AS (
                SELECT agency_id, SUM(amount) AS amount FROM credit_recovery_agency_commission
                 WHERE company_id = %(company)s AND state != 'cancelled'
                   AND payment_date BETWEEN %(date_from)s AND %(date_to)s
                 GROUP BY 1
            ),
            complaints AS (
                SELECT assigned.agency_id, COUNT(DISTINCT move.id) AS n
                  FROM assigned JOIN account_move move ON move.recovery_debtor_id = assigned.debtor_id
                 WHERE move.recovery_dispute_date BETWEEN GREATEST(%(date_from)s::date, assigned.date_start)
                       AND LEAST(%(date_to)s::date, COALESCE(assigned.recalled_on, %(date_to)s::date))
                 GROUP BY 1
            ),
            agencies AS (
                SELECT agency_id FROM entered UNION SELECT agency_id FROM recovered
                 UNION SELECT agency_id FROM commission UNION SELECT agency_id FROM complaints
            )
            SELECT agencies.agency_id, COALESCE(entered.debtors, 0) AS assigned_count,
                   COALESCE(entered.amount, 0) AS assigned_amount, COALESCE(recovered.amount, 0) AS recovered,
                   COALESCE(commission.amount, 0) AS commission, COALESCE(complaints.n, 0) AS complaints
              FROM agencies
              LEFT JOIN entered USING (agency_id) LEFT JOIN recovered USING (agency_id)
              LEFT JOIN commission USING (agency_id) LEFT JOIN complaints USING (agency_id)
             UNION ALL
            SELECT NULL, NULL, NULL, NULL, NULL, COUNT(*)
              FROM account_move move
             WHERE move.company_id = %(company)s AND move.recovery_debtor_id IS NOT NULL
               AND move.recovery_dispute_date BETWEEN %(date_from)s AND %(date_to)s
               AND NOT EXISTS (
                    SELECT 1 FROM credit_recovery_agency_assignment assignment
                     WHERE assignment.debtor_id = move.recovery_debtor_id
                       AND assignment.date_start <= move.recovery_dispute_date
                       AND (assignment.recalled_on IS NULL OR assignment.recalled_on >= move.recovery_dispute_date))
            """,
            company=company_id,
            date_from=date_from,
            date_to=date_to,
            installments=installments_sql(),
        )
