from datetime import date, datetime
from itertools import pairwise

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..tools import kpi
from .common import CreditRecoveryCommon

# São Paulo is UTC-3: 12:00 UTC is 09:00 there. 2024-03-11 and 2024-03-25 are Mondays.
MARCH_11_9H = datetime(2024, 3, 11, 12, 0)
MARCH_25_9H = datetime(2024, 3, 25, 12, 0)
ROW_FIELDS = ("bucket", "stage_id", "profile_id", "user_id", "amount", "installment_count", "debtor_count")


@tagged("post_install", "-at_install")
class TestAnalyticsKpi(CreditRecoveryCommon):
    """March 2024 by hand.

    Maria: A 1,000 invoiced 10 Jan, due 9 Feb, 400 paid 15 Mar; B 500 invoiced 15 Feb, due 16 Mar,
    paid 20 Mar. João: C 2,000 invoiced 5 Mar, due 4 Apr; D 300 invoiced 10 Mar, due 20 Mar, unpaid.
    Opening AR (29 Feb) 1,500: A 1,000 in 1-30, B 500 not due. Sales of March 2,300 (February 500,
    January 1,000). Closing AR (31 Mar) 2,900: A 600 in 31-60, D 300 in 1-30, C 2,000 not due.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321", "email": "maria@example.com"})
        cls.joao = cls.env["res.partner"].create(
            {"name": "João Souza", "country_id": cls.env.ref("base.br").id, "tz": "America/Sao_Paulo"}
        )
        cls.inv_a = cls.create_invoice(1000.0, date(2024, 1, 10), date(2024, 2, 9))
        cls.inv_b = cls.create_invoice(500.0, date(2024, 2, 15), date(2024, 3, 16))
        cls.inv_c = cls.create_invoice(2000.0, date(2024, 3, 5), date(2024, 4, 4), partner=cls.joao)
        cls.inv_d = cls.create_invoice(300.0, date(2024, 3, 10), date(2024, 3, 20), partner=cls.joao)
        cls.maria_debtor = cls.inv_a.recovery_debtor_id
        cls.joao_debtor = cls.inv_c.recovery_debtor_id
        cls.joao_debtor.sudo().user_id = cls.agent
        outcome = cls.env.ref("account_credit_recovery.outcome_no_answer")
        with freeze_time(MARCH_11_9H):
            cls.env["credit.recovery.contact"].with_user(cls.manager).create(
                {
                    "partner_id": cls.customer.id,
                    "invoice_ids": [Command.set((cls.inv_a | cls.inv_b).ids)],
                    "channel": "phone",
                    "outcome_id": outcome.id,
                    "reason_id": cls.env.ref("account_credit_recovery.reason_income_loss").id,
                }
            )
        cls.pay(cls.inv_a, 400.0, date(2024, 3, 15))
        cls.Snapshot = cls.env["credit.recovery.snapshot"]
        with cls.on(date(2024, 3, 18)):
            cls.Snapshot._write_day(cls.company, date(2024, 3, 18))
        cls.written = cls.rows(date(2024, 3, 18))
        cls.pay(cls.inv_b, 500.0, date(2024, 3, 20))
        with freeze_time(MARCH_25_9H):
            cls.env["credit.recovery.contact"].with_user(cls.manager).create(
                {
                    "partner_id": cls.joao.id,
                    "invoice_ids": [Command.set(cls.inv_d.ids)],
                    "channel": "email",
                    "outcome_id": outcome.id,
                }
            )
        Promise = cls.env["credit.recovery.promise"].sudo()
        for promised, state in ((date(2024, 3, 2), "kept"), (date(2024, 3, 8), "broken"), (date(2024, 2, 5), "kept")):
            with cls.on(promised):
                promise = Promise.create(
                    {
                        "partner_id": cls.customer.id,
                        "company_id": cls.company.id,
                        "invoice_ids": [Command.set(cls.inv_a.ids)],
                        "amount": 100.0,
                        "date": promised,
                    }
                )
                promise.write({"state": state, "closed_date": promised})
        with cls.on(date(2024, 4, 2)):
            cls.kpis = cls.env["credit.recovery.kpi"].get_kpis(cls.company.id, "2024-03-01", "2024-03-31")

    @classmethod
    def rows(cls, day):
        snapshots = cls.Snapshot.search([("company_id", "=", cls.company.id), ("date", "=", day)])
        return sorted(tuple(str(snap[name]) for name in ROW_FIELDS) for snap in snapshots)

    def test_snapshot_buckets_by_hand(self):
        snapshots = self.Snapshot.search([("company_id", "=", self.company.id), ("date", "=", date(2024, 3, 18))])
        by_bucket = {}
        for snap in snapshots:
            by_bucket[snap.bucket] = by_bucket.get(snap.bucket, 0.0) + snap.amount
        # 18 Mar: A's 600 left is 38 days past due, B 2 days, C and D are not due yet.
        self.assertEqual(by_bucket, {"d31_60": 600.0, "d1_30": 500.0, "not_due": 2300.0})
        not_due = snapshots.filtered(lambda snap: snap.bucket == "not_due")
        self.assertEqual(sum(not_due.mapped("installment_count")), 2)
        self.assertEqual(not_due.user_id, self.agent, "João's invoices, and his responsible")
        # A (38 days past due) reached the stage whose trigger is the highest at or under 38 days.
        stage = self.policy.stage_ids.filtered(lambda s: s.trigger_days <= 38).sorted("trigger_days")[-1:]
        self.assertEqual(snapshots.filtered(lambda snap: snap.bucket == "d31_60").stage_id, stage)

    def test_rebuilt_day_equals_the_day_written(self):
        with self.on(date(2024, 4, 2)):
            self.Snapshot.search([("date", "=", date(2024, 3, 18))]).sudo().unlink()
            self.assertEqual(self.rows(date(2024, 3, 18)), [])
            rebuilt = self.Snapshot._rebuild_missing(self.company, date(2024, 3, 17), date(2024, 3, 18))
        self.assertEqual(rebuilt, [date(2024, 3, 17), date(2024, 3, 18)])
        self.assertEqual(self.rows(date(2024, 3, 18)), self.written, "B's later payment does not change 18 March")
        self.assertTrue(self.Snapshot.search([("date", "=", date(2024, 3, 18))]).mapped("is_rebuilt")[0])

    def test_snapshot_retention(self):
        self.policy.snapshot_retention_months = 1
        with self.on(date(2024, 5, 1)):
            self.Snapshot._purge(self.company)
        self.assertFalse(self.Snapshot.search([("company_id", "=", self.company.id)]))

    def test_snapshots_are_not_edited(self):
        snapshot = self.Snapshot.search([("company_id", "=", self.company.id)], limit=1)
        with self.assertRaises(AccessError):
            snapshot.with_user(self.manager).write({"amount": 1.0})
        with self.assertRaises(AccessError):
            self.Snapshot.with_user(self.manager).create({"date": date(2024, 1, 1), "company_id": self.company.id})
        with self.assertRaises(AccessError):
            snapshot.with_user(self.manager).unlink()

    def test_ar_dso_cei_and_roll_rate_by_hand(self):
        kpis = self.kpis
        self.assertAlmostEqual(kpis["opening_ar"], 1500.0)
        self.assertAlmostEqual(kpis["credit_sales"], 2300.0)
        self.assertAlmostEqual(kpis["closing_ar"], 2900.0)
        self.assertAlmostEqual(kpis["closing_current_ar"], 2000.0)
        self.assertAlmostEqual(kpis["dso"], 2900 / 2300 * 31)
        self.assertAlmostEqual(kpis["bpdso"], 2000 / 2300 * 31)
        self.assertAlmostEqual(kpis["add"], 900 / 2300 * 31)
        # Countback: March's 2,300 (31 d), February's 500 (29 d), 100 of January's 1,000 (3.1 d).
        self.assertAlmostEqual(kpis["dso_countback"], 63.1)
        # (1,500 + 2,300 - 2,900) / (1,500 + 2,300 - 2,000) = 900 / 1,800.
        self.assertAlmostEqual(kpis["cei"], 50.0)
        # 1,000 in 1-30 on 29 Feb, 600 of it in 31-60 on 31 Mar.
        self.assertAlmostEqual(kpis["roll_rates"]["d1_30>d31_60"], 60.0)

    def test_recovery_per_value_is_bounded(self):
        """Maria is e-mailed on 5 Mar, before the call: her debt enters with the e-mail, and the
        400 + 500 she pays after the call are credited to the call. Each channel's entered amount
        is the debt of the debtors contacted through it, so no rate passes 100 %. An installment
        paid on its due date is no recovery."""
        with freeze_time(datetime(2024, 3, 5, 12, 0)):
            self.env["credit.recovery.contact"].with_user(self.manager).create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self.inv_a.ids)],
                    "channel": "email",
                    "outcome_id": self.env.ref("account_credit_recovery.outcome_no_answer").id,
                }
            )
        # João's E 200, due 15 Mar and paid that day, never entered collection.
        on_time = self.create_invoice(200.0, date(2024, 3, 1), date(2024, 3, 15), partner=self.joao)
        self.pay(on_time, 200.0, date(2024, 3, 15))
        with self.on(date(2024, 4, 2)):
            kpis = self.env["credit.recovery.kpi"].get_kpis(self.company.id, "2024-03-01", "2024-03-31")
        self.assertEqual((kpis["amount_entered"], kpis["amount_collected"]), (1800.0, 900.0))
        by_channel = kpis["recovery_by_channel"]
        self.assertEqual(by_channel["phone"], {"entered": 1500.0, "collected": 900.0, "rate": 60.0})
        self.assertEqual(by_channel["email"], {"entered": 1800.0, "collected": 0.0, "rate": 0.0})
        self.assertAlmostEqual(kpis["recovery_rate"], 900 / 1800 * 100, msg="each debtor counted once in the total")
        rates = [
            row["rate"]
            for name in ("channel", "agent", "stage", "template")
            for row in kpis[f"recovery_by_{name}"].values()
            if row["rate"] is not None
        ]
        self.assertTrue(rates)
        self.assertLessEqual(max(rates), 100.0)

    def test_promise_kept_rate_by_hand(self):
        # Deadlines in March: 2 Mar (kept) and 8 Mar (broken); 5 Feb is outside the period.
        self.assertEqual((self.kpis["promises_kept"], self.kpis["promises_due"]), (1, 2))
        self.assertAlmostEqual(self.kpis["promise_kept_rate"], 50.0)

    def test_recovery_by_channel_by_hand(self):
        # Maria, first called 11 Mar: A 1,000 + B 500 entered, 400 + 500 paid after the call.
        # João, first e-mailed 25 Mar: D 300 entered (C falls due in April), nothing paid.
        by_channel = self.kpis["recovery_by_channel"]
        self.assertEqual(by_channel["phone"], {"entered": 1500.0, "collected": 900.0, "rate": 60.0})
        self.assertEqual(by_channel["email"], {"entered": 300.0, "collected": 0.0, "rate": 0.0})
        self.assertAlmostEqual(self.kpis["recovery_rate"], 900 / 1800 * 100)
        self.assertEqual(self.kpis["recovery_by_agent"][str(self.manager.id)]["collected"], 900.0)
        # Paid 4 and 9 days after the first call.
        self.assertAlmostEqual(self.kpis["avg_days_contact_to_payment"], 6.5)
        # Maria has a valid mobile and an e-mail, João neither; only João is still overdue.
        self.assertEqual(self.kpis["contactability"], 0.0)

    def test_agent_sees_own_figures_manager_all(self):
        with self.on(date(2024, 4, 2)):
            mine = (
                self.env["credit.recovery.kpi"]
                .with_user(self.agent)
                .get_kpis(self.company.id, "2024-03-01", "2024-03-31")
            )
            everything = (
                self.env["credit.recovery.kpi"]
                .with_user(self.manager)
                .get_kpis(self.company.id, "2024-03-01", "2024-03-31")
            )
            other = self.env["res.company"].create({"name": "Other company"})
            with self.assertRaises(AccessError):
                self.env["credit.recovery.kpi"].with_user(self.agent).get_kpis(other.id, "2024-03-01", "2024-03-31")
            clerk = new_test_user(self.env, login="clerk", groups="base.group_user")
            with self.assertRaises(AccessError):
                self.env["credit.recovery.kpi"].with_user(clerk).get_kpis(self.company.id, "2024-03-01", "2024-03-31")
        self.assertAlmostEqual(mine["closing_ar"], 2300.0, msg="João's invoices only: the agent is his responsible")
        self.assertAlmostEqual(everything["closing_ar"], 2900.0)
        snapshots = self.Snapshot.with_user(self.agent).search([("date", "=", date(2024, 3, 18))])
        self.assertEqual(snapshots.user_id, self.agent)
        self.assertEqual(sum(snapshots.mapped("amount")), 2300.0)

    def test_template_experiment_rates_and_interval(self):
        Dispatch = self.env["credit.recovery.dispatch"].sudo()
        sent = datetime(2024, 3, 12, 12, 0)
        for debtor, variant in ((self.maria_debtor, "a"), (self.joao_debtor, "b")):
            Dispatch.create(
                {
                    "debtor_id": debtor.id,
                    "company_id": self.company.id,
                    "stage_id": self.stage_notice.id,
                    "scheduled_at": sent,
                    "state": "sent",
                    "sent_at": sent,
                    "variant": variant,
                }
            )
        with self.on(date(2024, 4, 2)):
            [test] = self.env["credit.recovery.kpi"].get_experiments(self.company.id, "2024-03-01", "2024-03-31")
        # Maria paid on 15 March, 3 days after her message: 1 of 1; João paid nothing: 0 of 1.
        self.assertEqual((test["a"]["successes"], test["a"]["trials"], test["a"]["rate"]), (1, 1, 100.0))
        self.assertEqual((test["b"]["successes"], test["b"]["trials"], test["b"]["rate"]), (0, 1, 0.0))
        # Wilson, n = 1, p = 1: centre (1 + 1.96^2 / 2) / (1 + 1.96^2) = 0.6033, half-width 0.3967.
        self.assertAlmostEqual(test["a"]["low"], 20.65, places=2)
        self.assertAlmostEqual(test["a"]["high"], 100.0)
        self.assertFalse(test["significant"], "one message per variant proves nothing")

    def test_reasons_by_segment_and_on_the_debtor(self):
        reason = self.env.ref("account_credit_recovery.reason_income_loss")
        self.assertEqual(self.maria_debtor.reason_contact_ids.reason_id, reason)
        Analysis = self.env["credit.recovery.reason.analysis"]
        [row] = Analysis.with_user(self.manager).search([("debtor_id", "=", self.maria_debtor.id)])
        self.assertEqual(row.reason_id, reason)
        self.assertEqual(row.profile_id, self.maria_debtor.profile_id)
        owed = self.maria_debtor.amount_overdue
        self.assertEqual(row.amount_overdue, owed)
        self.assertEqual(row.amount_band, "a_500" if owed <= 500 else "b_2000", f"Maria owes {owed} today")
        groups = Analysis.with_user(self.manager)._read_group(
            [("company_id", "=", self.company.id)], ["reason_id", "date:month"], ["contact_count:sum"]
        )
        self.assertEqual([(group[0], group[2]) for group in groups], [(reason, 1)])
        self.assertFalse(
            Analysis.with_user(self.agent).search([("debtor_id", "=", self.maria_debtor.id)]),
            "the agent is not Maria's responsible and did not call her",
        )

    def test_dashboard_cards_open_their_lists(self):
        self.refresh_on(date(2024, 3, 31))
        with self.on(date(2024, 3, 31)):
            board = self.env["credit.recovery.kpi"].with_user(self.manager).get_dashboard(self.company.id)
            mine = self.env["credit.recovery.kpi"].with_user(self.agent).get_dashboard(self.company.id)
        cards = {card["key"]: card for card in board["cards"]}
        self.assertEqual(
            set(cards),
            {"overdue", "promises_today", "promises_broken", "agreements", "recovered", "cei", "customers_recovered"},
        )
        self.assertEqual(cards["cei"]["value"], "50.0 %", "the month's CEI, as computed by hand")
        overdue = self.env["credit.recovery.debtor"].search(cards["overdue"]["action"]["domain"])
        self.assertEqual(overdue, self.maria_debtor | self.joao_debtor)
        mine_overdue = self.env["credit.recovery.debtor"].search(
            {card["key"]: card for card in mine["cards"]}["overdue"]["action"]["domain"]
        )
        self.assertEqual(mine_overdue, self.joao_debtor, "an agent's cards open their own debtors")
        # 1-31 March: 1,000 in 1-30 on 29 February, 600 of it in 31-60 on 31 March.
        self.assertIn({"label": "1-30 days → 31-60 days", "rate": 60.0}, board["roll_rates"])

    def test_dashboard_roll_rates_roll_into_the_next_bucket(self):
        # 5 March to 4 April: A (due 9 February) rolled from 1-30 into 31-60 (600 of 1,000 left),
        # C (due 4 April) stayed not due.
        with self.on(date(2024, 4, 4)):
            board = self.env["credit.recovery.kpi"].with_user(self.manager).get_dashboard(self.company.id)
            rates = self.env["credit.recovery.kpi"].get_kpis(self.company.id, "2024-03-06", "2024-04-04")["roll_rates"]
        names = dict(self.Snapshot._fields["bucket"]._description_selection(self.env))
        stayed = [code for code in kpi.BUCKET_CODES if f"{code}>{code}" in rates]
        self.assertEqual(stayed, ["not_due"])
        # Roll rates: from a bucket to the next one only, in bucket order.
        self.assertEqual(
            board["roll_rates"],
            [
                {"label": f"{names[source]} → {names[target]}", "rate": rates[f"{source}>{target}"]}
                for source, target in pairwise(kpi.BUCKET_CODES)
                if f"{source}>{target}" in rates
            ],
        )
        self.assertIn({"label": "1-30 days → 31-60 days", "rate": 60.0}, board["roll_rates"])
        # What stayed in its bucket is listed apart, under the bucket's name.
        self.assertEqual(
            board["stay_rates"], [{"label": names[code], "rate": rates[f"{code}>{code}"]} for code in stayed]
        )

    def test_dashboard_aging_trend_has_twelve_weeks(self):
        with self.on(date(2024, 3, 25)):
            board = self.env["credit.recovery.kpi"].with_user(self.manager).get_dashboard(self.company.id)
        trend = board["aging_trend"]
        self.assertEqual(len(trend), 12, "12 weeks, a week without a snapshot included")
        self.assertEqual(
            [point["date"] for point in trend],
            [str(date.fromordinal(date(2024, 3, 25).toordinal() - 7 * weeks)) for weeks in range(11, -1, -1)],
        )
        # Only 18 March has a snapshot (written in setUpClass): the other weeks are shown as missing.
        shown = {point["date"]: point for point in trend if not point["missing"]}
        self.assertEqual(list(shown), ["2024-03-18"])
        self.assertEqual(
            (shown["2024-03-18"]["d31_60"], shown["2024-03-18"]["d1_30"], shown["2024-03-18"]["not_due"]),
            (600.0, 500.0, 2300.0),
        )
        self.assertTrue(all(point["d31_60"] == 0.0 for point in trend if point["missing"]))

    def test_dashboard_cards_say_what_they_count(self):
        with self.on(date(2024, 3, 31)):
            board = self.env["credit.recovery.kpi"].with_user(self.manager).get_dashboard(self.company.id)
        cards = {card["key"]: card for card in board["cards"]}
        self.assertTrue(all(card["help"] for card in cards.values()), "every card explains itself on hover")
        self.assertIn("contacted", cards["recovered"]["help"])
        self.assertIn("whether or not the debtor was contacted", cards["cei"]["help"])
