from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools import kpi
from ..tools.ledger_sql import bucket_case_sql, open_lines_sql
from .common import ATTRIBUTION_DAYS, UNATTRIBUTED

# Months of credit sales the countback DSO may walk back through.
COUNTBACK_MONTHS = 24


class CreditRecoveryKpi(models.AbstractModel):
    """The collection KPIs of a company over a period: one calculation shared by the dashboard,
    exports and tests. Sums are set-based SQL; the formulas are the pure ones of ``tools.kpi``."""

    _name = "credit.recovery.kpi"
    _description = "Collection KPIs"

    @api.model
    def get_kpis(self, company_id, date_from, date_to):
        """``{kpi: value}`` of ``company_id`` from ``date_from`` to ``date_to`` (both included).

        Managers get the company's figures; agents the figures of the debtors they are responsible
        for and of their own contacts. The company must be one of the user's.
        """
        company, user_id = self._check_scope(company_id)
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        self.env.flush_all()
        result = {
            "company_id": company.id,
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            **self._ar_kpis(company.id, date_from, date_to, user_id),
        }
        result.update(self._promise_and_agreement_rates(company.id, date_from, date_to, user_id))
        result.update(self._recovery(company.id, date_from, date_to, user_id))
        result.update(self._cure_rates(company.id, date_from, date_to, user_id))
        result.update(self._contact_rates(company.id, date_from, date_to, user_id))
        return result

    def _ar_kpis(self, company_id, date_from, date_to, user_id, also_from=()):
        """The KPIs of the receivables of the period (AR at both ends and per bucket, credit sales,
        DSO, countback DSO, best possible DSO, ADD, CEI, roll rates): one scan (``_ar_and_sales``),
        the formulas of ``tools.kpi``. Shared by ``get_kpis`` and the dashboard. With ``also_from``,
        ``{date_from: KPIs}`` of the periods from each of those days (and ``date_from``) to
        ``date_to``, in the same scan."""
        periods = {}
        for start, aging in self._ar_and_sales(company_id, [date_from, *also_from], date_to, user_id).items():
            days = (date_to - start).days + 1
            sales, months = aging["sales"], aging["months"]
            dso = kpi.dso_standard(aging["closing_ar"], sales, days)
            bpdso = kpi.best_possible_dso(aging["closing_current_ar"], sales, days)
            periods[start] = {
                "opening_ar": aging["opening_ar"],
                "closing_ar": aging["closing_ar"],
                "closing_current_ar": aging["closing_current_ar"],
                "closing_by_bucket": aging["closing_by_bucket"],
                "credit_sales": sales,
                "dso": dso,
                "dso_countback": kpi.dso_countback(aging["closing_ar"], months),
                "bpdso": bpdso,
                "add": kpi.average_days_delinquent(dso, bpdso),
                "cei": kpi.cei(aging["opening_ar"], sales, aging["closing_ar"], aging["closing_current_ar"]),
                "roll_rates": {
                    f"{source}>{target}": rate
                    for (source, target), rate in kpi.roll_rates(aging["flows"], aging["opening_by_bucket"]).items()
                },
            }
        return periods if also_from else periods[date_from]

    @api.model
    def _check_scope(self, company_id):
        """``(company, user id or None)``: whose figures the current user may see."""
        user = self.env.user
        if not user.has_group("account_credit_recovery.group_credit_recovery_agent"):
            raise AccessError(self.env._("Only collection agents and managers can see the collection figures."))
        if company_id not in user.company_ids.ids:
            raise AccessError(self.env._("You can only see the collection figures of your companies."))
        manager = user.has_group("account_credit_recovery.group_credit_recovery_manager")
        return self.env["res.company"].browse(company_id), (None if manager else user.id)

    def _ar_and_sales(self, company_id, dates_from, date_to, user_id):
        """``{date_from: figures}`` of the periods from each of ``dates_from`` to ``date_to``: AR at
        both ends of the period, the flows between buckets per installment, and the credit sales per
        month: one scan of the receivable lines (the costly part), one of the partials, for all the
        periods (the dashboard's month and rolling 30 days end the same day).

        Installments and residuals are those of ``open_lines_sql`` (the snapshots'); sales are the
        receivable amounts of posted customer invoices (agreement entries refinance, not sell).
        """
        dates_from = list(dict.fromkeys(dates_from))
        openings = [date_from - timedelta(days=1) for date_from in dates_from]
        start = min(kpi.month_bounds(date_to)[0] - relativedelta(months=COUNTBACK_MONTHS - 1), *dates_from)
        indexes = range(len(dates_from))
        paid_columns = SQL(", ").join(
            SQL(
                "SUM(partial.amount) FILTER (WHERE partial.max_date <= %s) AS %s",
                opening,
                SQL.identifier(f"at_opening_{index}"),
            )
            for index, opening in enumerate(openings)
        )
        line_columns = SQL(", ").join(
            SQL(
                "CASE WHEN line.date <= %s THEN line.balance - COALESCE(paid.%s, 0) ELSE 0 END AS %s",
                opening,
                SQL.identifier(f"at_opening_{index}"),
                SQL.identifier(f"at_opening_{index}"),
            )
            for index, opening in enumerate(openings)
        )
        open_at_an_opening = SQL(" OR ").join(
            SQL("line.balance - COALESCE(paid.%s, 0) > 0.0001", SQL.identifier(f"at_opening_{index}"))
            for index in indexes
        )
        selects = []
        for index, (date_from, opening) in enumerate(zip(dates_from, openings, strict=True)):
            at_opening = SQL.identifier(f"at_opening_{index}")
            selects.append(
                SQL(
                    """
                    SELECT %(index)s AS period, 'flow' AS kind,
                           CASE WHEN %(at_opening)s > 0.0001 THEN %(bucket_open)s END AS bucket_open,
                           CASE WHEN at_closing > 0.0001 THEN %(bucket_close)s END AS bucket_close,
                           NULL::date AS month, SUM(GREATEST(%(at_opening)s, 0)) AS opening,
                           SUM(GREATEST(at_closing, 0)) AS closing
                      FROM lines WHERE %(at_opening)s > 0.0001 OR at_closing > 0.0001
                     GROUP BY 3, 4
                     UNION ALL
                    SELECT %(index)s, 'sales', NULL, NULL, date_trunc('month', date)::date, SUM(balance),
                           SUM(balance) FILTER (WHERE date >= %(date_from)s)
                      FROM lines WHERE is_sale AND date >= %(start)s
                     GROUP BY 5
                    """,
                    index=index,
                    at_opening=at_opening,
                    date_from=date_from,
                    start=start,
                    bucket_open=bucket_case_sql(SQL("(%s::date - due)", opening)),
                    bucket_close=bucket_case_sql(SQL("(%s::date - due)", date_to)),
                )
            )
        rows = self.env.execute_query_dict(
            SQL(
                """
                WITH paid AS (
                    SELECT partial.debit_move_id, %(paid_columns)s, SUM(partial.amount) AS at_closing
                      FROM account_partial_reconcile partial
                     WHERE partial.company_id = %(company)s AND partial.max_date <= %(closing)s
                     GROUP BY partial.debit_move_id
                ),
                lines AS MATERIALIZED (
                    SELECT line.date, move.move_type = 'out_invoice' AS is_sale, line.balance,
                           COALESCE(line.date_maturity, line.date) AS due, %(line_columns)s,
                           line.balance - COALESCE(paid.at_closing, 0) AS at_closing
                      FROM account_move_line line
                      JOIN account_move move ON move.id = line.move_id
                      LEFT JOIN paid ON paid.debit_move_id = line.id
                     WHERE line.company_id = %(company)s
                       AND line.account_id IN (
                            SELECT id FROM account_account WHERE account_type = 'asset_receivable')
                       AND line.parent_state = 'posted' AND line.balance > 0 AND line.date <= %(closing)s
                       AND move.recovery_debtor_id IS NOT NULL
                       AND (move.move_type = 'out_invoice' OR move.recovery_agreement_id IS NOT NULL)
                       AND (%(user)s::int IS NULL OR move.recovery_debtor_id IN (
                            SELECT debtor.id FROM credit_recovery_debtor debtor WHERE debtor.user_id = %(user)s))
                       AND (line.date >= %(start)s OR %(open_at_an_opening)s)
                )
                %(selects)s
                """,
                company=company_id,
                closing=date_to,
                start=start,
                user=user_id,
                paid_columns=paid_columns,
                line_columns=line_columns,
                open_at_an_opening=open_at_an_opening,
                selects=SQL(" UNION ALL ").join(selects),
            )
        )
        return {
            date_from: self._aging_figures(
                [row for row in rows if row["period"] == index],
                date_to,
                min(kpi.month_bounds(date_to)[0] - relativedelta(months=COUNTBACK_MONTHS - 1), date_from),
            )
            for index, date_from in enumerate(dates_from)
        }

    def _aging_figures(self, rows, date_to, start):
        """The figures of one period from its rows of ``_ar_and_sales``' query (``start``: the first
        month of its countback)."""
        opening_by_bucket, closing_by_bucket, flows, by_month = defaultdict(float), defaultdict(float), {}, {}
        sales = 0.0
        for row in rows:
            if row["kind"] == "sales":
                by_month[row["month"]] = row["opening"]
                sales += row["closing"] or 0.0
                continue
            if row["bucket_open"]:
                opening_by_bucket[row["bucket_open"]] += row["opening"]
            if row["bucket_close"]:
                closing_by_bucket[row["bucket_close"]] += row["closing"]
            if row["bucket_open"] and row["bucket_close"]:
                flows[row["bucket_open"], row["bucket_close"]] = row["closing"]
        months, month = [], kpi.month_bounds(date_to)[0]
        while month >= start:
            first, last = kpi.month_bounds(month)
            # The period's last month counts up to date_to only.
            months.append(((min(last, date_to) - first).days + 1, by_month.get(month, 0.0)))
            month -= relativedelta(months=1)
        return {
            "opening_ar": sum(opening_by_bucket.values()),
            "closing_ar": sum(closing_by_bucket.values()),
            "closing_current_ar": closing_by_bucket.get("not_due", 0.0),
            "opening_by_bucket": dict(opening_by_bucket),
            "closing_by_bucket": {code: closing_by_bucket.get(code, 0.0) for code in kpi.BUCKET_CODES},
            "flows": flows,
            "sales": sales,
            "months": months,
        }

    def _promise_and_agreement_rates(self, company_id, date_from, date_to, user_id):
        """Promise-kept rate (promises whose deadline fell in the period and has passed) and
        agreement break rate (agreements that ended or broke in the period)."""
        today = fields.Date.context_today(self)
        row = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FILTER (WHERE state = 'kept'), COUNT(*) FILTER (WHERE state IN ('kept', 'broken'))
                  FROM credit_recovery_promise
                 WHERE company_id = %(company)s AND COALESCE(deadline, date) BETWEEN %(date_from)s AND %(date_to)s
                   AND COALESCE(deadline, date) < %(today)s AND (%(user)s::int IS NULL OR user_id = %(user)s)
                """,
                company=company_id,
                date_from=date_from,
                date_to=date_to,
                today=today,
                user=user_id,
            )
        )[0]
        agreements = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FILTER (WHERE state = 'broken'), COUNT(*)
                  FROM credit_recovery_agreement
                 WHERE company_id = %(company)s AND state IN ('broken', 'done')
                   AND COALESCE(broken_date, done_date) BETWEEN %(date_from)s AND %(date_to)s
                   AND (%(user)s::int IS NULL OR user_id = %(user)s)
                """,
                company=company_id,
                date_from=date_from,
                date_to=date_to,
                user=user_id,
            )
        )[0]
        return {
            "promises_kept": row[0],
            "promises_due": row[1],
            "promise_kept_rate": kpi.percent(row[0], row[1]),
            "agreements_broken": agreements[0],
            "agreements_ended": agreements[1],
            "agreement_break_rate": kpi.percent(agreements[0], agreements[1]),
        }

    def _recovery(self, company_id, date_from, date_to, user_id):
        """Recovery rate per stage, channel, agent and template, and days from first contact to payment.

        Entered collection: for each debtor contacted in the period, the installments overdue in
        the period: what was open at the opening past its due date, or left unpaid on a due date
        in the period (an installment paid by its due date never entered collection), and the
        installments of agreements made before the period still open at its opening (an
        agreement made in the period carries debts that entered with the invoices it settles);
        per stage, channel, agent and template, the debts of the debtors contacted with that value
        (from ``ATTRIBUTION_DAYS`` before the period to its end). Collected: each payment of the
        period on those installments after their due date (on an agreement's, any payment: the
        debt was in collection already), credited to the debtor's last logged contact on or before
        the payment day (at most ``ATTRIBUTION_DAYS`` before); a payment without such a contact is
        credited to none. An agreement settling invoices brings no money: it is no payment. Every
        value's collected amount is thus part of its entered amount: a rate per value is bounded
        by 100 %, as the total is.
        """
        rows = self.env.execute_query_dict(self._recovery_sql(company_id, date_from, date_to, user_id))
        return kpi.fold_recovery(rows, UNATTRIBUTED)

    def _recovery_contacts_sql(self, company_id, date_from, date_to, user_id):
        """SQL of the outbound contacts logged from ``ATTRIBUTION_DAYS`` before the period to its end
        (``user_id``: that agent's), with the stage and template each was made with."""
        return SQL(
            """
            SELECT contact.id, contact.debtor_id, contact.date::date AS day, contact.channel, contact.user_id,
                   COALESCE(dispatch.stage_id, debtor.stage_id) AS stage_id,
                   CASE WHEN contact.channel = 'email' THEN 'mail.template,' || stage.mail_template_id
                        WHEN contact.channel = 'sms' THEN 'sms.template,' || stage.sms_template_id END AS template
              FROM credit_recovery_contact contact
              JOIN credit_recovery_debtor debtor ON debtor.id = contact.debtor_id
              LEFT JOIN credit_recovery_dispatch dispatch ON dispatch.id = contact.dispatch_id
              LEFT JOIN credit_recovery_stage stage ON stage.id = dispatch.stage_id
             WHERE contact.company_id = %(company)s AND contact.state = 'logged' AND contact.direction = 'outbound'
               AND contact.date < %(end)s AND contact.date >= %(attribution_start)s
               AND (%(user)s::int IS NULL OR contact.user_id = %(user)s)
            """,
            company=company_id,
            end=date_to + timedelta(days=1),
            attribution_start=date_from - timedelta(days=ATTRIBUTION_DAYS),
            user=user_id,
        )

    def _recovery_sql(self, company_id, date_from, date_to, user_id):
        """SQL of :meth:`_recovery`: one row per kind (entered, entered per value, collected per
        attributed contact) with its amount, days from first contact to payment and count."""
        return SQL(
            """
            WITH contacts AS (%(contacts)s),
            first_contact AS (
                SELECT DISTINCT ON (debtor_id) * FROM contacts
                 WHERE day >= %(date_from)s ORDER BY debtor_id, day, id
            ),
            lines AS (
                SELECT line.id, move.recovery_debtor_id AS debtor_id,
                       COALESCE(line.date_maturity, line.date) AS due,
                       move.recovery_agreement_id IS NOT NULL AS agreement,
                       CASE WHEN move.recovery_agreement_id IS NOT NULL AND line.date >= %(date_from)s THEN 0
                            ELSE line.balance - COALESCE((
                                SELECT SUM(partial.amount) FROM account_partial_reconcile partial
                                 WHERE partial.debit_move_id = line.id
                                   AND partial.max_date <= CASE
                                       WHEN move.recovery_agreement_id IS NOT NULL THEN %(opening)s
                                       ELSE GREATEST(%(opening)s, COALESCE(line.date_maturity, line.date))
                                   END
                            ), 0) END AS open
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN first_contact ON first_contact.debtor_id = move.recovery_debtor_id
                 WHERE line.company_id = %(company)s
                   AND line.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
                   AND line.parent_state = 'posted' AND line.balance > 0 AND line.date <= %(date_to)s
                   AND COALESCE(line.date_maturity, line.date) <= %(date_to)s
                   AND (move.move_type = 'out_invoice' OR move.recovery_agreement_id IS NOT NULL)
            ),
            entered AS (
                SELECT debtor_id, SUM(open) AS amount FROM lines WHERE open > 0.0001 GROUP BY debtor_id
            ),
            payments AS (
                SELECT lines.debtor_id, partial.max_date AS day, SUM(partial.amount) AS amount
                  FROM lines JOIN account_partial_reconcile partial ON partial.debit_move_id = lines.id
                  JOIN account_move_line paid_by ON paid_by.id = partial.credit_move_id
                  JOIN account_move paying_move ON paying_move.id = paid_by.move_id
                 WHERE partial.max_date BETWEEN %(date_from)s AND %(date_to)s
                   AND (lines.agreement OR partial.max_date > lines.due)
                   AND paying_move.recovery_agreement_id IS NULL
                 GROUP BY 1, 2
            ),
            attributed AS (
                SELECT payments.amount, payments.day AS paid_day, payments.debtor_id AS paid_debtor,
                       last.id IS NULL AS unattributed, last.channel, last.user_id, last.stage_id, last.template
                  FROM payments
                  LEFT JOIN LATERAL (
                        SELECT * FROM contacts WHERE contacts.debtor_id = payments.debtor_id
                           AND contacts.day <= payments.day AND contacts.day >= payments.day - %(window)s
                         ORDER BY contacts.day DESC, contacts.id DESC LIMIT 1
                  ) last ON TRUE
            )
            SELECT 'entered' AS kind, NULL AS channel, NULL::int AS user_id, NULL::int AS stage_id,
                   NULL AS template, SUM(entered.amount) AS amount, NULL::float AS days, COUNT(*) AS n
              FROM entered
             UNION ALL
            SELECT 'entered:' || by_value.dimension, NULL, NULL, NULL, by_value.value, SUM(entered.amount),
                   NULL, COUNT(*)
              FROM (SELECT DISTINCT 'channel' AS dimension, debtor_id, channel AS value FROM contacts
                    UNION SELECT 'agent', debtor_id, user_id::text FROM contacts
                    UNION SELECT 'stage', debtor_id, stage_id::text FROM contacts
                    UNION SELECT 'template', debtor_id, template FROM contacts) by_value
              JOIN entered USING (debtor_id)
             GROUP BY 1, 5
             UNION ALL
            SELECT CASE WHEN attributed.unattributed THEN 'collected:unattributed' ELSE 'collected' END,
                   attributed.channel, attributed.user_id, attributed.stage_id, attributed.template,
                   SUM(attributed.amount), SUM(attributed.paid_day - first_contact.day)::float,
                   COUNT(first_contact.debtor_id)
              FROM attributed LEFT JOIN first_contact ON first_contact.debtor_id = attributed.paid_debtor
                   AND first_contact.day <= attributed.paid_day
             GROUP BY 1, 2, 3, 4, 5
            """,
            contacts=self._recovery_contacts_sql(company_id, date_from, date_to, user_id),
            date_from=date_from,
            date_to=date_to,
            opening=date_from - timedelta(days=1),
            company=company_id,
            window=ATTRIBUTION_DAYS,
        )

    def _cure_rates(self, company_id, date_from, date_to, user_id):
        """Cure rate per stage, per invoice: invoices that reached the stage in the period and
        were fully paid by the period's end without reaching a later stage / invoices that reached it."""
        rows = self.env.execute_query(
            SQL(
                """
                WITH reached AS (
                    SELECT DISTINCT action.move_id, action.stage_id, stage.trigger_days
                      FROM credit_recovery_action action
                      JOIN credit_recovery_stage stage ON stage.id = action.stage_id
                      JOIN account_move move ON move.id = action.move_id
                     WHERE move.company_id = %(company)s AND action.reached_date BETWEEN %(date_from)s AND %(date_to)s
                       AND (%(user)s::int IS NULL OR move.recovery_debtor_id IN (
                            SELECT debtor.id FROM credit_recovery_debtor debtor WHERE debtor.user_id = %(user)s))
                ),
                still_open AS (SELECT DISTINCT move_id FROM (%(closing)s) open_lines)
                SELECT reached.stage_id, COUNT(*),
                       COUNT(*) FILTER (WHERE NOT EXISTS (
                               SELECT 1 FROM still_open WHERE still_open.move_id = reached.move_id)
                           AND NOT EXISTS (SELECT 1 FROM credit_recovery_action later
                                             JOIN credit_recovery_stage later_stage ON later_stage.id = later.stage_id
                                            WHERE later.move_id = reached.move_id
                                              AND later_stage.trigger_days > reached.trigger_days
                                              AND later.reached_date <= %(date_to)s))
                  FROM reached GROUP BY 1
                """,
                company=company_id,
                date_from=date_from,
                date_to=date_to,
                user=user_id,
                closing=open_lines_sql(company_id, date_to, user_id),
            )
        )
        return {
            "cure_by_stage": {
                str(stage_id): {"entered": entered, "cured": cured, "rate": kpi.percent(cured, entered)}
                for stage_id, entered, cured in rows
            }
        }

    def _contact_rates(self, company_id, date_from, date_to, user_id):
        """Right-party contact rate of the period and contactability of the debtors with something open."""
        Outcome = self.env["credit.recovery.contact.outcome"]
        contacts = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FILTER (WHERE %(reached)s), COUNT(*)
                  FROM credit_recovery_contact contact
                  LEFT JOIN credit_recovery_contact_outcome outcome ON outcome.id = contact.outcome_id
                 WHERE contact.company_id = %(company)s AND contact.state = 'logged'
                   AND contact.direction = 'outbound' AND %(attempt)s
                   AND contact.date >= %(start)s AND contact.date < %(end)s
                   AND (%(user)s::int IS NULL OR contact.user_id = %(user)s)
                """,
                company=company_id,
                start=date_from,
                end=date_to + timedelta(days=1),
                user=user_id,
                reached=Outcome._reached_sql("contact", "outcome"),
                attempt=Outcome._attempt_sql("contact"),
            )
        )[0]
        debtors = self.env.execute_query(
            SQL(
                """
                SELECT COUNT(*) FILTER (WHERE %(contactable)s), COUNT(*)
                  FROM credit_recovery_debtor debtor
                  JOIN res_partner partner ON partner.id = debtor.partner_id
                 WHERE debtor.company_id = %(company)s AND debtor.amount_overdue > 0
                   AND (%(user)s::int IS NULL OR debtor.user_id = %(user)s)
                """,
                company=company_id,
                user=user_id,
                contactable=self.env["res.partner"]._recovery_contactable_sql("partner"),
            )
        )[0]
        return {
            "right_party_contact_rate": kpi.percent(contacts[0], contacts[1]),
            "contactability": kpi.percent(debtors[0], debtors[1]),
        }
