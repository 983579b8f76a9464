"""The rules written twice, as ORM computes and as the daily run's set-based SQL, proven equal.

Two rules exist in both forms for speed (the run refreshes 100,000 invoices and 20,000 debtors in
a few statements, a posting or a payment recomputes the few records it touches):

- an invoice's collection state: ``credit.recovery.invoice._compute_state`` and
  ``account.move._recovery_refresh_states``;
- a debtor's aggregates (amount, days and invoices overdue, stage, next action, recurrence,
  credit status, profile): the stored computes of ``credit_recovery_debtor_aggregates.py`` and
  ``credit.recovery.debtor._recovery_refresh_aggregates``.

Hypothesis draws random ledgers (invoices on random days, due at once or in installments, partly
or fully paid on random days, some excluded, callbacks on some); for each, both forms compute the
state on the same day from the same data and must agree field by field. Each ledger is rolled back
before the next one.
"""

import json
from datetime import date, datetime, time, timedelta

from freezegun import freeze_time
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.common import STATE_FIELDS
from ..tools.sql import array_literal
from .common import CreditRecoveryCommon

TODAY = date(2026, 3, 16)
DEBTOR_FIELDS = (
    "amount_overdue",
    "oldest_due_date",
    "days_overdue",  # computed when read, from oldest_due_date
    "overdue_invoice_count",
    "stage_id",
    "next_action_date",
    "overdue_episodes",
    "credit_status",
    "profile_computed_id",
    "profile_id",
)

invoices = st.fixed_dictionaries(
    {
        "customer": st.integers(0, 2),
        "amount": st.integers(50, 3000),
        "issued_days_ago": st.integers(0, 420),
        "due_after": st.integers(0, 45),
        "split_terms": st.booleans(),
        "paid_share": st.sampled_from([0, 0, 0.25, 0.5, 1]),
        "paid_days_after_issue": st.integers(0, 400),
        "excluded": st.booleans(),
        "callback_in": st.one_of(st.none(), st.integers(-5, 20)),
    }
)
ledgers = st.lists(invoices, min_size=1, max_size=5)
# Each example posts and pays real invoices: a handful is what the suite can afford; the same ones
# each time (derandomize), and a failure prints its ledger rather than shrinking for minutes.
SETTINGS = {
    "max_examples": 10,
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
    "phases": [Phase.explicit, Phase.generate],
}


@tagged("post_install", "-at_install")
class TestRuleTwins(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer | cls.env["res.partner"].create(
            [{"name": "João Souza"}, {"name": "Ana Lima", "country_id": cls.env.ref("base.br").id}]
        )

    def _post_ledger(self, ledger):
        """Post (and pay) the ledger's invoices on their own days; the moves, oldest first."""
        moves = self.env["account.move"]
        for row in sorted(ledger, key=lambda row: -row["issued_days_ago"]):
            issued = TODAY - timedelta(days=row["issued_days_ago"])
            invoice = self.create_invoice(
                row["amount"],
                issued,
                due_date=issued + timedelta(days=row["due_after"]),
                partner=self.customers[row["customer"]],
                payment_term=self.pay_terms_split if row["split_terms"] else None,
            )
            paid_on = min(issued + timedelta(days=row["paid_days_after_issue"]), TODAY)
            if row["paid_share"]:
                self.pay(invoice, round(invoice.amount_total * row["paid_share"], 2), paid_on)
            if row["excluded"]:
                invoice.sudo().recovery_excluded = True
            if row["callback_in"] is not None:
                # Logged on TODAY within the contact window (at the wall clock, the test failed in the evening).
                with freeze_time(datetime.combine(TODAY, time(13, 0))):
                    self.env["credit.recovery.contact"].sudo().with_context(tracking_disable=True).create(
                        {
                            "partner_id": invoice.partner_id.id,
                            "invoice_ids": [(6, 0, invoice.ids)],
                            "channel": "phone",
                            "next_action_date": TODAY + timedelta(days=row["callback_in"]),
                        }
                    )
            moves |= invoice
        return moves

    def _read(self, records, names):
        records.invalidate_recordset(names)
        return {record.id: tuple(record[name] for name in names) for record in records}

    def _assert_twins_agree(self, ledger, records_of, names, wipe, refresh):
        """Post ``ledger``; on ``TODAY`` compute ``names`` of ``records_of(moves)`` by the ORM, then
        ``wipe`` (SQL resetting those columns to impossible values) and ``refresh`` (the run's
        set-based twin): both must give the same values. Rolled back afterwards (each example
        starts from the same data)."""
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT property_twin")
        try:
            moves = self._post_ledger(ledger)
            records = records_of(moves)
            with self.on(TODAY):
                self.env["account.move"]._recovery_refresh_states(moves.recovery_invoice_id.ids)
                for name in names:
                    if records._fields[name].store:  # the others are computed when read
                        self.env.add_to_compute(records._fields[name], records)
                self.env.flush_all()
                orm = self._read(records, names)
                self.env.cr.execute(wipe, [records.ids])
                records.invalidate_recordset()
                refresh(records)
                sql = self._read(records, names)
            self.assertTrue(records)
            self.assertEqual(orm, sql, f"ledger {ledger}")
        finally:
            self.env.invalidate_all()
            self.env.cr.execute("ROLLBACK TO SAVEPOINT property_twin")
            self.env.invalidate_all()

    @settings(**SETTINGS)
    @given(ledger=ledgers)
    def test_invoice_state_orm_and_sql_agree(self, ledger):
        self._assert_twins_agree(
            ledger,
            lambda moves: moves.recovery_invoice_id,
            # Days overdue are computed when read (from the oldest unpaid due date, compared here).
            tuple(name for name in STATE_FIELDS if name != "days_overdue"),
            "UPDATE credit_recovery_invoice SET stage_id = NULL, amount_overdue = -1, oldest_due_date = NULL, "
            "next_action_date = NULL, next_change_date = NULL, refresh_date = NULL WHERE id = ANY(%s)",
            lambda states: self.env["account.move"]._recovery_refresh_states(states.ids),
        )

    @settings(**SETTINGS)
    @given(ledger=ledgers)
    def test_debtor_aggregates_orm_and_sql_agree(self, ledger):
        self._assert_twins_agree(
            ledger,
            lambda moves: moves.recovery_debtor_id,
            DEBTOR_FIELDS,
            "UPDATE credit_recovery_debtor SET amount_overdue = -1, oldest_due_date = '1900-01-01', "
            "overdue_invoice_count = -1, stage_id = NULL, next_action_date = NULL, overdue_episodes = -1, "
            "credit_status = NULL, profile_computed_id = NULL, profile_id = NULL WHERE id = ANY(%s)",
            lambda debtors: debtors._recovery_refresh_aggregates(),
        )

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        arrays=st.fixed_dictionaries(
            {
                "int": st.lists(st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)), max_size=20),
                "float": st.lists(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)), max_size=20),
                "numeric": st.lists(
                    st.one_of(st.none(), st.floats(-1e12, 1e12, allow_nan=False).map(lambda x: round(x, 2))),
                    max_size=20,
                ),
                "bool": st.lists(st.one_of(st.none(), st.booleans()), max_size=20),
                "date": st.lists(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2200, 12, 31))), max_size=20),
                "varchar": st.lists(
                    st.one_of(st.none(), st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))),
                    max_size=20,
                ),
                "jsonb": st.lists(
                    st.one_of(
                        st.none(),
                        st.dictionaries(st.text(max_size=5).filter(lambda k: "\x00" not in k), st.floats(0, 1e6)).map(
                            json.dumps
                        ),
                    ),
                    max_size=10,
                ),
            }
        )
    )
    def test_array_literal_and_list_parameter_agree(self, arrays):
        """``tools.sql.array_literal`` (one constant) and psycopg2's list (``ARRAY[...]``) give PostgreSQL the
        same array, NULLs, quotes, backslashes, braces and commas included."""
        for sql_type, values in arrays.items():
            self.env.cr.execute(
                SQL(
                    "SELECT %s::%s[] IS NOT DISTINCT FROM %s::%s[]",
                    values,
                    SQL(sql_type),
                    array_literal(values, sql_type),
                    SQL(sql_type),
                )
            )
            self.assertTrue(self.env.cr.fetchone()[0], f"{sql_type}: {values!r}")
