from collections import defaultdict
from datetime import timedelta

from odoo import api, models
from odoo.tools import SQL


class CreditRecoveryContact(models.Model):
    """What the collection engine counts before it plans or sends a message (the run's schedule,
    the delivery, the team's worklist): outbound contacts per debtor and local day, set-based.

    The counts are of contact logs, so the method stays on ``credit.recovery.contact``; it
    lives here, next to the dispatch code that asks for it.
    """

    _inherit = "credit.recovery.contact"

    @api.model
    def _outbound_counts_by_debtor(self, debtor_ids, now):
        """``{debtor_id: {local date: n}}`` of outbound contacts around ``now`` (one query).

        The e-mail and the SMS of one collection message count as one contact.
        """
        if not debtor_ids:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                SELECT d.id, (c.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                       COUNT(DISTINCT COALESCE(-c.dispatch_id, c.id))
                  FROM credit_recovery_debtor d
                  JOIN res_partner p ON p.id = d.partner_id
                  JOIN res_company co ON co.id = d.company_id
                  JOIN res_partner cp ON cp.id = co.partner_id
                  JOIN credit_recovery_contact c ON c.partner_id = d.partner_id
                 WHERE d.id = ANY(%(debtors)s) AND c.direction = 'outbound' AND c.correction_of_id IS NULL
                   AND c.date >= %(since)s AND c.date <= %(until)s
                 GROUP BY 1, 2
                """,
                tz=self.env["res.partner"]._recovery_tz_sql(SQL("p.tz"), SQL("cp.tz")),
                debtors=list(debtor_ids),
                since=now - timedelta(days=8),
                until=now + timedelta(days=8),
            )
        )
        counts = defaultdict(dict)
        for debtor_id, day, count in rows:
            counts[debtor_id][day] = count
        return counts
