"""The payment model's history query, rewritten for speed (issue #24), reads the same rows as before.

The query before the rewrite joined every receivable line with every day and grouped (and the paid
installments with every day, twice); the rewrite cuts each line into the stretches of days on which
its residual is constant and joins those with the days once. Hypothesis draws small ledgers
(invoices in one or several installments, issued and due on random days, paid in one or two
payments on random days, some not at all); for each, both queries read the month ends of the year
and today, and must return the same rows, column by column. The column the rewrite added
(installments falling due in the 30 days after the day) is checked by hand.
"""

from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.credit_recovery_policy_score import history_month_ends
from ..models.credit_recovery_score import VOICE_CHANNELS
from ..tools.score import FEATURES, HORIZON_DAYS
from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)
UPCOMING = 2 + FEATURES.index("upcoming")

invoices = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "amount": st.integers(50, 3000),
        "issued_days_ago": st.integers(0, 420),
        "due_after": st.integers(0, 45),
        "split_terms": st.booleans(),
        "payments": st.lists(st.tuples(st.sampled_from([0.2, 0.5, 1.0]), st.integers(0, 400)), max_size=2),
    }
)
ledgers = st.lists(invoices, min_size=1, max_size=5)
SETTINGS = {
    "max_examples": 10,
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
    "phases": [Phase.explicit, Phase.generate],
}


def reference_sql(score, company_id, days, today, debtor_ids):
    """The history query as it was before the rewrite (``credit.recovery.score._features_sql``)."""
    return SQL(
        """
        WITH days AS (SELECT DISTINCT unnest(%(days)s::date[]) AS day),
        moves AS MATERIALIZED (
            SELECT move.id, move.recovery_debtor_id AS debtor_id, move.invoice_date,
                   (move.move_type = 'out_invoice' AND move.recovery_agreement_id IS NULL) AS is_sale
              FROM account_move move
             WHERE move.company_id = %(company)s AND move.state = 'posted' AND move.recovery_debtor_id IS NOT NULL
               AND (move.move_type = 'out_invoice' OR move.recovery_agreement_id IS NOT NULL)
               AND %(move_debtors)s
        ),
        lines AS (
            SELECT line.id, moves.debtor_id, line.date, line.balance,
                   COALESCE(line.date_maturity, line.date) AS due,
                   (moves.is_sale AND COALESCE(line.date_maturity, line.date) > moves.invoice_date
                    AND row_number() OVER (PARTITION BY line.move_id
                                           ORDER BY COALESCE(line.date_maturity, line.date), line.id) = 1
                   ) AS first_of_sale
              FROM moves
              JOIN account_move_line line ON line.move_id = moves.id
             WHERE line.parent_state = 'posted' AND line.balance > 0
               AND line.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
        ),
        paid AS (
            SELECT lines.id AS line_id, lines.debtor_id, lines.due, partial.max_date AS day, partial.amount
              FROM account_partial_reconcile partial
              JOIN lines ON lines.id = partial.debit_move_id
        ),
        open_lines AS (
            SELECT days.day, lines.debtor_id, lines.due,
                   lines.balance - COALESCE(SUM(paid.amount) FILTER (WHERE paid.day <= days.day), 0) AS residual
              FROM lines
              JOIN days ON lines.date <= days.day AND lines.due < days.day
              LEFT JOIN paid ON paid.line_id = lines.id
             GROUP BY days.day, lines.id, lines.debtor_id, lines.due, lines.balance
        ),
        debt AS (
            SELECT day, debtor_id, SUM(residual) AS amount, COUNT(*) AS installments, MIN(due) AS oldest
              FROM open_lines WHERE residual > 0.0001 GROUP BY day, debtor_id
        ),
        first_day AS (SELECT debtor_id, MIN(date) AS day FROM lines GROUP BY debtor_id),
        fpd_lines AS (
            SELECT lines.debtor_id, lines.due + 30 AS day
              FROM lines
              LEFT JOIN paid ON paid.line_id = lines.id AND paid.day <= lines.due + 30
             WHERE lines.first_of_sale
             GROUP BY lines.id, lines.debtor_id, lines.due, lines.balance
            HAVING lines.balance - COALESCE(SUM(paid.amount), 0) > 0.0001
        ),
        fpd AS (SELECT debtor_id, MIN(day) AS day FROM fpd_lines GROUP BY debtor_id),
        late AS (
            SELECT days.day, paid.debtor_id, COUNT(DISTINCT paid.line_id) AS episodes
              FROM paid JOIN days ON paid.day <= days.day AND paid.day > days.day - 365 AND paid.day > paid.due
             GROUP BY days.day, paid.debtor_id
        ),
        outcome AS (
            SELECT DISTINCT days.day, paid.debtor_id
              FROM paid JOIN days ON paid.day > days.day AND paid.day <= days.day + %(horizon)s
        ),
        promises AS (
            SELECT days.day, promise.debtor_id,
                   COUNT(*) FILTER (WHERE promise.state = 'kept') AS kept,
                   COUNT(*) FILTER (WHERE promise.state = 'broken') AS broken
              FROM credit_recovery_promise promise
              JOIN days ON promise.closed_date <= days.day AND promise.closed_date > days.day - 365
             WHERE promise.company_id = %(company)s AND promise.state IN ('kept', 'broken')
               AND %(promise_debtors)s
             GROUP BY days.day, promise.debtor_id
        ),
        contacts AS (
            SELECT days.day, contact.debtor_id,
                   COUNT(*) FILTER (WHERE contact.direction = 'outbound'
                                      AND contact.date::date > days.day - 30) AS outbound,
                   COUNT(*) FILTER (WHERE contact.direction = 'outbound' AND contact.date::date > days.day - 30
                                      AND COALESCE(%(reached)s, FALSE)) AS reached,
                   COUNT(*) FILTER (WHERE contact.direction = 'inbound'
                                      AND contact.date::date > days.day - 30) AS inbound,
                   (array_agg(contact.channel ORDER BY contact.date DESC, contact.id DESC))[1] AS channel
              FROM credit_recovery_contact contact
              LEFT JOIN credit_recovery_contact_outcome outcome ON outcome.id = contact.outcome_id
              JOIN days ON contact.date::date <= days.day AND contact.date::date > days.day - 90
             WHERE contact.company_id = %(company)s AND contact.state = 'logged' AND contact.debtor_id IS NOT NULL
               AND contact.direction <> 'internal' AND %(contact_debtors)s
             GROUP BY days.day, contact.debtor_id
        ),
        severity AS (SELECT GREATEST(MAX(sequence), 1) AS top FROM credit_recovery_profile)
        SELECT debt.day, debt.debtor_id,
               LEAST(debt.day - debt.oldest, 365),
               LN(1 + debt.amount)::float,
               LEAST(debt.installments, 24),
               COALESCE(profile.sequence, 0)::float / severity.top,
               LEAST(COALESCE(promises.kept, 0), 5),
               LEAST(COALESCE(promises.broken, 0), 5),
               LEAST(COALESCE(contacts.outbound, 0), 10),
               LEAST(COALESCE(contacts.reached, 0), 10),
               LEAST(COALESCE(contacts.inbound, 0), 10),
               COALESCE(contacts.channel IN %(voice)s, FALSE)::int,
               COALESCE(contacts.channel NOT IN %(voice)s, FALSE)::int,
               LEAST(COALESCE(late.episodes, 0), 24),
               LEAST((debt.day - first_day.day) / 30.0, 120)::float,
               (fpd.day IS NOT NULL AND fpd.day <= debt.day)::int,
               CASE WHEN debt.day + %(horizon)s > %(today)s THEN NULL
                    WHEN outcome.debtor_id IS NOT NULL THEN 1 ELSE 0 END
          FROM debt
          JOIN credit_recovery_debtor debtor ON debtor.id = debt.debtor_id
          CROSS JOIN severity
          LEFT JOIN credit_recovery_profile profile ON profile.id = debtor.profile_id
          LEFT JOIN first_day ON first_day.debtor_id = debt.debtor_id
          LEFT JOIN fpd ON fpd.debtor_id = debt.debtor_id
          LEFT JOIN late ON late.day = debt.day AND late.debtor_id = debt.debtor_id
          LEFT JOIN outcome ON outcome.day = debt.day AND outcome.debtor_id = debt.debtor_id
          LEFT JOIN promises ON promises.day = debt.day AND promises.debtor_id = debt.debtor_id
          LEFT JOIN contacts ON contacts.day = debt.day AND contacts.debtor_id = debt.debtor_id
         ORDER BY debt.day, debt.debtor_id
        """,
        days=days,
        company=company_id,
        move_debtors=score._debtor_filter("move.recovery_debtor_id", debtor_ids),
        promise_debtors=score._debtor_filter("promise.debtor_id", debtor_ids),
        contact_debtors=score._debtor_filter("contact.debtor_id", debtor_ids),
        horizon=HORIZON_DAYS,
        today=today,
        voice=VOICE_CHANNELS,
        reached=score.env["credit.recovery.contact.outcome"]._reached_sql("contact", "outcome"),
    )


@tagged("post_install", "-at_install")
class TestScoreHistoryQuery(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer | cls.env["res.partner"].create([{"name": "João Souza"}, {"name": "Ana Lima"}])

    def _post_ledger(self, ledger):
        for row in sorted(ledger, key=lambda row: -row["issued_days_ago"]):
            issued = TODAY - timedelta(days=row["issued_days_ago"])
            invoice = self.create_invoice(
                row["amount"],
                issued,
                due_date=issued + timedelta(days=row["due_after"]),
                partner=self.customers[row["customer"]],
                payment_term=self.pay_terms_split if row["split_terms"] else None,
            )
            left = invoice.amount_total
            for share, after in row["payments"]:
                amount = round(min(left, invoice.amount_total * share), 2)
                if amount >= 0.01:
                    self.pay(invoice, amount, min(issued + timedelta(days=after), TODAY))
                    left -= amount

    @settings(**SETTINGS)
    @given(ledger=ledgers)
    def test_rewritten_query_reads_the_same_rows(self, ledger):
        score = self.env["credit.recovery.score"]
        days = [*history_month_ends(TODAY), TODAY]
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT score_history")
        try:
            self._post_ledger(ledger)
            self.env.flush_all()
            before = self.env.execute_query(reference_sql(score, self.company.id, days, TODAY, None))
            after = self.env.execute_query(score._features_sql(self.company.id, days, TODAY, None))
            self.assertTrue(after or not before)
            self.assertEqual(before, [row[:UPCOMING] + row[UPCOMING + 1 :] for row in after], f"ledger {ledger}")
            # The added column by hand: open installments of the debtor due in [day, day + 30).
            lines = self.env.execute_query(
                SQL(
                    """SELECT move.recovery_debtor_id, line.id, line.date, COALESCE(line.date_maturity, line.date),
                              line.balance
                         FROM account_move_line line JOIN account_move move ON move.id = line.move_id
                        WHERE move.company_id = %s AND move.move_type = 'out_invoice' AND move.state = 'posted'
                          AND line.balance > 0 AND line.account_id IN (
                              SELECT id FROM account_account WHERE account_type = 'asset_receivable')""",
                    self.company.id,
                )
            )
            partials = self.env.execute_query(
                SQL("SELECT debit_move_id, max_date, amount FROM account_partial_reconcile")
            )
            for row in after:
                day, debtor = row[0], row[1]
                upcoming = 0
                for line_debtor, line_id, issued, due, balance in lines:
                    paid = sum(amount for debit, paid_on, amount in partials if debit == line_id and paid_on <= day)
                    if line_debtor == debtor and issued <= day <= due < day + timedelta(days=HORIZON_DAYS):
                        upcoming += balance - paid > 0.0001
                self.assertEqual(row[UPCOMING], upcoming, f"installments due soon of {debtor} at {day}")
        finally:
            self.env.invalidate_all()
            self.env.cr.execute("ROLLBACK TO SAVEPOINT score_history")
            self.env.invalidate_all()
