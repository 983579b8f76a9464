"""Which charge a claim needs and what to do with the live one, without a database."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from odoo.tests import tagged

from odoo.addons.account_credit_recovery.tests.common import PureCase

from ..tools import charge_plan
from ..tools.charge_plan import CREATE, REPLACE, REUSE, UPDATE, Existing

NOW = datetime(2026, 12, 7, 10, 0)


@tagged("post_install", "-at_install")
class TestChargePlan(PureCase):
    def installment(self, principal="100.00", due=date(2026, 11, 10), line=7):
        return charge_plan.wanted_charge("installment", 3, [line], Decimal("105.10"), principal=principal, due=due)

    def live(self, wanted, **changes):
        values = {
            "kind": wanted.kind,
            "amount": wanted.amount,
            "line_ids": wanted.line_ids,
            "due": wanted.due,
            "expires_at": None,
            "pending": True,
        }
        values.update(changes)
        return Existing(**values)

    def test_an_installment_is_a_cobv_of_its_open_amount_keyed_by_its_journal_item(self):
        wanted = self.installment()
        self.assertEqual(
            (wanted.kind, wanted.key, wanted.amount, wanted.due),
            ("cobv", "line-7", Decimal("100.00"), date(2026, 11, 10)),
        )

    def test_an_installment_of_a_debtor_without_cpf_or_cnpj_is_a_cob_of_today_s_total(self):
        wanted = charge_plan.wanted_charge(
            "installment", 3, [7], Decimal("105.10"), principal=100, due=date(2026, 11, 10), has_tax_id=False
        )
        self.assertEqual(
            (wanted.kind, wanted.key, wanted.amount, wanted.due), ("cob", "line-7", Decimal("105.10"), None)
        )

    def test_an_installment_overdue_longer_than_a_cobv_stays_payable_is_a_cob_of_today_s_total(self):
        today = date(2026, 12, 7)
        for due, kind in ((today - timedelta(days=29), "cobv"), (today - timedelta(days=30), "cob")):
            with self.subTest(due=due):
                wanted = charge_plan.wanted_charge(
                    "installment", 3, [7], Decimal("105.10"), principal=100, due=due, today=today, validity_days=30
                )
                self.assertEqual(wanted.kind, kind)

    def test_today_s_total_is_a_cob_keyed_by_the_debtor(self):
        wanted = charge_plan.wanted_charge("today", 3, [7, 8], Decimal("210.20"))
        self.assertEqual((wanted.kind, wanted.key, wanted.line_ids), ("cob", "debtor-3", frozenset({7, 8})))

    def test_no_live_charge_creates_one(self):
        self.assertEqual(charge_plan.plan(None, self.installment(), NOW), CREATE)

    def test_the_same_claim_and_amount_reuses_the_live_charge(self):
        wanted = self.installment()
        self.assertEqual(charge_plan.plan(self.live(wanted, amount=Decimal("100.001")), wanted, NOW), REUSE)

    def test_another_amount_updates_it(self):
        wanted = self.installment()
        self.assertEqual(charge_plan.plan(self.live(wanted, amount=Decimal("120.00")), wanted, NOW), UPDATE)

    def test_other_installments_another_due_date_or_kind_replace_it(self):
        wanted = self.installment()
        for changes in ({"line_ids": frozenset({7, 9})}, {"due": date(2026, 11, 11)}, {"kind": "cob"}):
            with self.subTest(changes=changes):
                self.assertEqual(charge_plan.plan(self.live(wanted, **changes), wanted, NOW), REPLACE)

    def test_an_expired_or_nearly_expired_or_no_longer_pending_charge_is_replaced(self):
        wanted = charge_plan.wanted_charge("today", 3, [7], Decimal("10"))
        self.assertEqual(
            charge_plan.plan(self.live(wanted, expires_at=NOW + timedelta(minutes=30)), wanted, NOW), REPLACE
        )
        self.assertEqual(charge_plan.plan(self.live(wanted, pending=False), wanted, NOW), REPLACE)
        self.assertEqual(charge_plan.plan(self.live(wanted, expires_at=NOW + timedelta(hours=5)), wanted, NOW), REUSE)
