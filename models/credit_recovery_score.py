"""The payment model's debtor-month features, read from the company's own history in one query."""

import numpy as np

from odoo import api, models
from odoo.tools import SQL

from ..tools.score import FEATURES, HORIZON_DAYS

VOICE_CHANNELS = ("phone", "in_person")


class CreditRecoveryScore(models.AbstractModel):
    """Features of the payment model (``tools.score.FEATURES``) of a company's debtors at given
    days, and whether they paid something in the ``HORIZON_DAYS`` after each day.

    One set-based query per company: the installments open at each day come from the history alone,
    as the aging snapshots read it (a receivable debit line of a posted customer invoice or agreement
    entry, minus its partial reconciliations dated on or before the day), so that a fit on past month
    ends and the scoring of today read the same definition. A debtor has a row on a day when something
    of theirs was overdue at its end. No attribute of the person (sex, age, race, place of birth,
    address) is read.
    """

    _name = "credit.recovery.score"
    _description = "Payment Model Features"

    @api.model
    def _features(self, company_id, days, today, debtor_ids=None):
        """``(day, debtor, matrix, outcome)`` numpy arrays: one row per debtor and day of ``days``
        with something overdue, the columns of ``matrix`` in ``FEATURES`` order; ``outcome`` is 1 when
        the debtor paid something (a reconciliation dated) in the ``HORIZON_DAYS`` days after the
        day, 0 when not, ``nan`` while those days have not all passed at ``today``."""
        self.env.flush_all()
        rows = self.env.execute_query(self._features_sql(company_id, list(days), today, debtor_ids))
        if not rows:
            empty = np.zeros(0)
            return empty, empty, np.zeros((0, len(FEATURES))), empty
        day = np.array([row[0] for row in rows], dtype="datetime64[D]")
        debtor = np.array([row[1] for row in rows], dtype=np.int64)
        matrix = np.array([row[2 : 2 + len(FEATURES)] for row in rows], dtype=float)
        outcome = np.array([np.nan if row[-1] is None else float(row[-1]) for row in rows], dtype=float)
        return day, debtor, matrix, outcome

    def _debtor_filter(self, column, debtor_ids):
        """``column`` among ``debtor_ids`` (all when ``None``): a semi-join on the unnested array, which
        PostgreSQL hashes, rather than ``= ANY(array)``, which compares each row with every element."""
        if debtor_ids is None:
            return SQL("TRUE")
        alias, name = column.split(".")
        return SQL("%s IN (SELECT unnest(%s::int[]))", SQL.identifier(alias, name), list(debtor_ids))

    def _features_sql(self, company_id, days, today, debtor_ids):
        # Columns in FEATURES order; the caps keep a few extreme debtors from steering the fit.
        return SQL(
            """
            WITH days AS MATERIALIZED (SELECT DISTINCT unnest(%(days)s::date[]) AS day),
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
            paid AS MATERIALIZED (
                SELECT lines.id AS line_id, lines.debtor_id, lines.due, partial.max_date AS day, partial.amount
                  FROM account_partial_reconcile partial
                  JOIN lines ON lines.id = partial.debit_move_id
            ),
            steps AS MATERIALIZED (
                SELECT line_id, day, SUM(amount) AS amount FROM paid WHERE day IS NOT NULL GROUP BY line_id, day
            ),
            stretches AS (
                -- A line's residual is constant between its payment days: one row per stretch, the days
                -- [since, until) on which the line owes that residual.
                SELECT lines.debtor_id, lines.date, lines.due, lines.balance AS residual, '-infinity'::date AS since,
                       COALESCE(first_step.day, 'infinity') AS until
                  FROM lines
                  LEFT JOIN (SELECT line_id, MIN(day) AS day FROM steps GROUP BY line_id) first_step
                         ON first_step.line_id = lines.id
                 UNION ALL
                SELECT lines.debtor_id, lines.date, lines.due,
                       lines.balance - SUM(steps.amount) OVER (PARTITION BY steps.line_id ORDER BY steps.day),
                       steps.day,
                       COALESCE(LEAD(steps.day) OVER (PARTITION BY steps.line_id ORDER BY steps.day), 'infinity')
                  FROM steps
                  JOIN lines ON lines.id = steps.line_id
            ),
            debt AS (
                -- Open at the day: issued, not fully paid; overdue when due before it, upcoming when due
                -- within the horizon after it.
                SELECT days.day, stretches.debtor_id,
                       SUM(stretches.residual) FILTER (WHERE stretches.due < days.day) AS amount,
                       COUNT(*) FILTER (WHERE stretches.due < days.day) AS installments,
                       MIN(stretches.due) AS oldest,
                       COUNT(*) FILTER (WHERE stretches.due >= days.day) AS upcoming
                  FROM stretches
                  JOIN days ON days.day >= stretches.since AND days.day < stretches.until
                           AND stretches.date <= days.day AND stretches.due < days.day + %(horizon)s
                 WHERE stretches.residual > 0.0001
                 GROUP BY days.day, stretches.debtor_id
                HAVING MIN(stretches.due) < days.day
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
                   LEAST(debt.upcoming, 24),
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
            move_debtors=self._debtor_filter("move.recovery_debtor_id", debtor_ids),
            promise_debtors=self._debtor_filter("promise.debtor_id", debtor_ids),
            contact_debtors=self._debtor_filter("contact.debtor_id", debtor_ids),
            horizon=HORIZON_DAYS,
            today=today,
            voice=VOICE_CHANNELS,
            reached=self.env["credit.recovery.contact.outcome"]._reached_sql("contact", "outcome"),
        )
