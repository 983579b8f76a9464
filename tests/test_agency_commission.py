from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged

from .common import CreditRecoveryCommon

ASSIGNED_ON = date(2026, 3, 2)
RECALL_ON = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestAgencyCommission(CreditRecoveryCommon):
    """Maria owes A (1,000, due 4 February 2026: 26 days overdue on 2 March, stage Alert) and João
    B (800, due 1 December 2025: 91 days, stage Legal action); both handed to Assessoria Exemplo on
    2 March (12.5 %, 20 % at the Legal action stage, 30 days of tail). Ana owes C (600, due
    1 February) handed to Cobra Bem (10 %)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Agency = cls.env["credit.recovery.agency"]
        cls.agency = Agency.create(
            {
                "partner_id": cls.env["res.partner"].create({"name": "Assessoria Exemplo", "is_company": True}).id,
                "commission_tail_days": 30,
                "commission_rule_ids": [
                    Command.create({"rate": 12.5, "min_days_overdue": 0}),
                    Command.create({"rate": 20.0, "stage_id": cls.stage_legal.id}),
                ],
            }
        )
        cls.agency2 = Agency.create(
            {
                "partner_id": cls.env["res.partner"].create({"name": "Cobra Bem", "is_company": True}).id,
                "commission_rule_ids": [Command.create({"rate": 10.0})],
            }
        )
        cls.joao = cls.env["res.partner"].create({"name": "João Souza"})
        cls.ana = cls.env["res.partner"].create({"name": "Ana Lima"})
        cls.inv_a = cls.create_invoice(1000.0, date(2026, 1, 5), date(2026, 2, 4))
        cls.inv_b = cls.create_invoice(800.0, date(2025, 11, 1), date(2025, 12, 1), partner=cls.joao)
        cls.inv_c = cls.create_invoice(600.0, date(2026, 1, 2), date(2026, 2, 1), partner=cls.ana)
        with cls.on(ASSIGNED_ON):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.maria_debtor, cls.joao_debtor, cls.ana_debtor = (
            cls.inv_a.recovery_debtor_id,
            cls.inv_b.recovery_debtor_id,
            cls.inv_c.recovery_debtor_id,
        )
        with cls.on(ASSIGNED_ON):
            Debtor = cls.env["credit.recovery.debtor"].with_user(cls.manager)
            cls.assignment = Debtor.browse(cls.maria_debtor.id)._recovery_assign_agency(cls.agency, RECALL_ON)
            cls.assignment_b = Debtor.browse(cls.joao_debtor.id)._recovery_assign_agency(cls.agency, RECALL_ON)
            cls.assignment_c = Debtor.browse(cls.ana_debtor.id)._recovery_assign_agency(cls.agency2, RECALL_ON)
        cls.Commission = cls.env["credit.recovery.agency.commission"]

    @classmethod
    def pay_on(cls, invoice, amount, day):
        with cls.on(day):
            return (
                cls.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create({"amount": amount, "payment_date": day})
                ._create_payments()
            )

    def prepare(self, day, agencies=None):
        """The manager's button on ``day``: the bills it prepared (or none)."""
        agencies = agencies or (self.agency | self.agency2)
        with self.on(day):
            action = agencies.with_user(self.manager).action_prepare_commission_bills()
        if action["type"] != "ir.actions.act_window":
            return self.env["account.move"]
        return self.env["account.move"].search(action["domain"], order="id")

    def lines_of(self, invoice):
        return self.Commission.search([("invoice_id", "=", invoice.id)], order="payment_date, id")

    def test_partial_payments_to_the_cent(self):
        self.assertEqual(self.assignment.invoice_ids, self.inv_a)
        for amount, day in ((100.01, date(2026, 3, 10)), (333.33, date(2026, 3, 20)), (0.05, date(2026, 4, 1))):
            self.pay_on(self.inv_a, amount, day)
        bills = self.prepare(date(2026, 4, 2), self.agency)
        lines = self.lines_of(self.inv_a)
        # 12.50125, 41.66625 and 0.00625: each rounded half up to the cent.
        self.assertEqual(
            [(line.base_amount, line.rate, line.amount) for line in lines],
            [(100.01, 12.5, 12.50), (333.33, 12.5, 41.67), (0.05, 12.5, 0.01)],
        )
        self.assertEqual(lines.assignment_id, self.assignment)
        self.assertEqual(lines.mapped("state"), ["billed"] * 3)
        self.assertEqual(len(bills), 1)
        self.assertEqual(
            (bills.move_type, bills.state, bills.partner_id), ("in_invoice", "draft", self.agency.partner_id)
        )
        self.assertAlmostEqual(bills.amount_total, 54.18)
        self.assertEqual(
            [(line.name, line.quantity, line.price_unit) for line in bills.invoice_line_ids.sorted("id")],
            [
                (f"Maria Silva — {self.inv_a.name} — paid 03/10/2026", 1.0, 12.50),
                (f"Maria Silva — {self.inv_a.name} — paid 03/20/2026", 1.0, 41.67),
                (f"Maria Silva — {self.inv_a.name} — paid 04/01/2026", 1.0, 0.01),
            ],
        )
        self.assertEqual(bills.invoice_line_ids.account_id, self.agency.commission_account_id)
        self.assertTrue(self.agency.commission_account_id, "a default expense account: the purchase journal's")
        self.assertEqual(lines.bill_id, bills)

    def test_window_before_assignment_tail_and_after(self):
        self.pay_on(self.inv_a, 50.0, date(2026, 2, 20))  # before the assignment
        with self.on(date(2026, 4, 15)):
            self.assignment.with_user(self.manager)._recovery_recall("manual")
        self.pay_on(self.inv_a, 10.0, date(2026, 5, 15))  # the tail's last day: 15 April + 30
        self.pay_on(self.inv_a, 20.0, date(2026, 5, 16))  # one day after the tail
        self.pay_on(self.inv_b, 100.0, date(2026, 3, 15))  # João's: Legal action when handed over
        with self.on(date(2026, 6, 1)):
            created, _undone = self.Commission._recovery_compute(self.agency | self.agency2)
        self.assertEqual(created, 2)
        self.assertEqual(
            [(line.payment_date, line.base_amount, line.amount) for line in self.lines_of(self.inv_a)],
            [(date(2026, 5, 15), 10.0, 1.25)],
            "before the assignment and after the tail: nothing; inside the tail after the recall: 12.5 %",
        )
        self.assertEqual(
            [(line.rate, line.amount) for line in self.lines_of(self.inv_b)],
            [(20.0, 20.0)],
            "the rule of the stage the installment had reached when handed over",
        )

    def test_reversal_on_the_next_bill_then_a_refund(self):
        reversed_payment = self.pay_on(self.inv_a, 333.33, date(2026, 3, 20))
        first = self.prepare(date(2026, 4, 1), self.agency)
        self.assertAlmostEqual(first.amount_total, 41.67)
        with self.on(date(2026, 4, 8)):
            reversed_payment.action_draft()  # the payment undone: its reconciliation is gone
        later = self.pay_on(self.inv_a, 500.0, date(2026, 4, 10))
        second = self.prepare(date(2026, 5, 1), self.agency)
        self.assertEqual((second.move_type, second.state), ("in_invoice", "draft"))
        self.assertEqual(
            [(line.name, line.price_unit) for line in second.invoice_line_ids.sorted("id")],
            [
                (f"Maria Silva — {self.inv_a.name} — paid 04/10/2026", 62.50),
                (f"Maria Silva — {self.inv_a.name} — payment of 03/20/2026 reversed", -41.67),
            ],
        )
        self.assertAlmostEqual(second.amount_total, 20.83)
        original, payment, reversal = self.lines_of(self.inv_a).sorted("id")
        self.assertEqual((original.state, original.bill_id), ("billed", first), "the first bill is left as it is")
        self.assertEqual((reversal.kind, reversal.reversed_id, reversal.amount), ("reversal", original, -41.67))
        self.assertEqual(payment.bill_id, second)
        with self.on(date(2026, 5, 5)):
            later.action_draft()
        third = self.prepare(date(2026, 6, 1), self.agency)
        self.assertEqual(third.move_type, "in_refund", "reversals alone: a refund of the net amount")
        self.assertEqual(third.invoice_line_ids.mapped("price_unit"), [62.50])
        self.assertAlmostEqual(third.amount_total, 62.50)

    def test_reversed_before_billing_is_cancelled(self):
        payment = self.pay_on(self.inv_a, 100.0, date(2026, 3, 10))
        with self.on(date(2026, 3, 11)):
            self.Commission._recovery_compute(self.agency)
        self.assertEqual(self.lines_of(self.inv_a).mapped("state"), ["to_bill"])
        with self.on(date(2026, 3, 12)):
            payment.action_draft()
        self.assertFalse(self.prepare(date(2026, 4, 1), self.agency), "nothing to bill")
        line = self.lines_of(self.inv_a)
        self.assertEqual((len(line), line.state), (1, "cancelled"), "no reversal line: it was never billed")

    def test_one_bill_per_agency_itemised_and_idempotent(self):
        self.pay_on(self.inv_a, 200.0, date(2026, 3, 10))
        self.pay_on(self.inv_b, 100.0, date(2026, 3, 12))
        self.pay_on(self.inv_c, 150.0, date(2026, 3, 13))
        with self.on(date(2026, 4, 1)):
            self.env["credit.recovery.agency"]._cron_prepare_commission_bills()
        bills = self.env["account.move"].search([("move_type", "=", "in_invoice"), ("state", "=", "draft")])
        self.assertEqual(bills.partner_id, self.agency.partner_id | self.agency2.partner_id)
        by_partner = {bill.partner_id: bill for bill in bills}
        self.assertEqual(
            sorted((line.name, line.price_unit) for line in by_partner[self.agency.partner_id].invoice_line_ids),
            [
                (f"João Souza — {self.inv_b.name} — paid 03/12/2026", 20.0),
                (f"Maria Silva — {self.inv_a.name} — paid 03/10/2026", 25.0),
            ],
        )
        self.assertEqual(
            [(line.name, line.price_unit) for line in by_partner[self.agency2.partner_id].invoice_line_ids],
            [(f"Ana Lima — {self.inv_c.name} — paid 03/13/2026", 15.0)],
        )
        count = self.Commission.search_count([])
        with self.on(date(2026, 4, 1)):
            self.env["credit.recovery.agency"]._cron_prepare_commission_bills()
        self.assertFalse(self.prepare(date(2026, 4, 2)), "the button again: nothing new")
        self.assertEqual(self.Commission.search_count([]), count)
        self.assertEqual(self.env["account.move"].search_count([("move_type", "in", ("in_invoice", "in_refund"))]), 2)
        # A deleted draft bill gives its lines back to the next one.
        by_partner[self.agency2.partner_id].unlink()
        again = self.prepare(date(2026, 4, 3), self.agency2)
        self.assertEqual(again.invoice_line_ids.mapped("price_unit"), [15.0])

    def test_agreement_signed_while_assigned_earns(self):
        self.set_agreement_accounts()
        with self.on(date(2026, 3, 16)):
            action = self.inv_a.with_user(self.manager).action_recovery_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(self.manager).with_context(**action["context"]))
            wizard.installments = 2
            wizard.first_due = date(2026, 4, 15)
            agreement = self.env["credit.recovery.agreement"].browse(wizard.save().action_prepare()["res_id"])
            agreement.with_user(self.manager).action_confirm()
        self.assertEqual(agreement.state, "active")
        first = agreement.line_ids.sorted("sequence")[0]
        with self.on(first.date_due):
            self.env["account.payment.register"].with_context(
                active_model="account.move.line", active_ids=first.move_line_id.ids
            ).create({"payment_date": first.date_due})._create_payments()
        with self.on(date(2026, 5, 1)):
            self.Commission._recovery_compute(self.agency)
        lines = self.lines_of(agreement.move_id)
        self.assertEqual(len(lines), 1, "the agreement settling the invoice is no payment; its installment paid is")
        self.assertAlmostEqual(lines.base_amount, first.amount)
        self.assertEqual(lines.rate, 12.5, "the rule of the assigned invoice it settled")
        self.assertFalse(self.lines_of(self.inv_a))

    def test_only_a_manager_prepares_and_lines_are_not_written_by_hand(self):
        with self.assertRaises(AccessError):
            self.agency.with_user(self.agent).action_prepare_commission_bills()
        with self.assertRaises(UserError):
            self.Commission.with_user(self.manager).create(
                {
                    "agency_id": self.agency.id,
                    "assignment_id": self.assignment.id,
                    "debtor_id": self.maria_debtor.id,
                    "company_id": self.company.id,
                    "invoice_id": self.inv_a.id,
                    "partial_ref": 1,
                    "payment_date": date(2026, 3, 3),
                }
            )

    def test_dashboard_agency_figures_by_hand(self):
        """1-30 April 2026 (the dashboard on 30 April, its last 30 days).

        Assessoria: Maria's A 1,000 less 200 paid on 10 March: 800 open on 31 March; João's B 800
        open. Assigned 1,600 (2 debtors). Paid in April: A 300 on 5 April, B 100 on 20 April (B
        recalled on 10 April: in the tail). Recovered 400, rate 25 %. Commission of April: 37.50 +
        20.00 = 57.50. Complaint: Maria disputes on 12 April (while assigned).
        Cobra Bem: C 600 open, nothing paid: recovered 0, rate 0 %."""
        self.pay_on(self.inv_a, 200.0, date(2026, 3, 10))
        with self.on(date(2026, 4, 10)):
            self.assignment_b.with_user(self.manager)._recovery_recall("manual")
        self.pay_on(self.inv_a, 300.0, date(2026, 4, 5))
        self.pay_on(self.inv_b, 100.0, date(2026, 4, 20))
        with self.on(date(2026, 4, 12)):
            self.inv_a._recovery_open_dispute("not_recognised", "Not mine")
        with self.on(date(2026, 4, 30)):
            self.Commission._recovery_compute(self.agency | self.agency2)
            board = self.env["credit.recovery.kpi"].with_user(self.manager).get_dashboard(self.company.id)
            rolling = self.env["credit.recovery.kpi"].get_kpis(self.company.id, date(2026, 4, 1), date(2026, 4, 30))
            mine = self.env["credit.recovery.kpi"].with_user(self.agent).get_dashboard(self.company.id)
        rows = {row["label"]: row for row in board["agencies"]}
        exemplo = rows["Assessoria Exemplo"]
        self.assertEqual(
            {key: exemplo[key] for key in ("assigned_count", "assigned_amount", "recovered", "rate", "complaints")},
            {"assigned_count": 2, "assigned_amount": 1600.0, "recovered": 400.0, "rate": 25.0, "complaints": 1},
        )
        self.assertAlmostEqual(exemplo["commission"], 57.50)
        cobra = rows["Cobra Bem"]
        self.assertEqual((cobra["assigned_amount"], cobra["recovered"], cobra["rate"]), (600.0, 0.0, 0.0))
        in_house = board["agencies"][-1]
        self.assertEqual(in_house["label"], "In-house")
        self.assertEqual(
            (in_house["assigned_amount"], in_house["recovered"], in_house["rate"]),
            (rolling["amount_entered"], rolling["amount_collected"], rolling["recovery_rate"]),
            "the in-house line is the in-house recovery of the same 30 days",
        )
        self.assertEqual(in_house["complaints"], 0, "Maria's dispute is the agency's")
        self.assertEqual(mine["agencies"], [], "agents see no agency figures")


@tagged("post_install", "-at_install")
class TestAgencyDashboardUi(CreditRecoveryCommon, HttpCase):
    """In Chromium: the dashboard's agencies table is drawn for a manager, the in-house line last."""

    def test_dashboard_shows_the_agencies(self):
        self.env["credit.recovery.agency"].create(
            {"partner_id": self.env["res.partner"].create({"name": "Assessoria Exemplo", "is_company": True}).id}
        )
        code = """
            const check = () => {
                const table = document.querySelector(".o_credit_recovery_agencies");
                if (!table) {
                    return setTimeout(check, 200);
                }
                const rows = [...table.querySelectorAll("tr")].map((row) => row.cells[0].textContent.trim());
                if (rows.join("|") === "Collector|Assessoria Exemplo|In-house") {
                    console.log("test successful");
                } else {
                    console.error("unexpected rows: " + rows.join("|"));
                }
            };
            check();
        """
        self.browser_js(
            "/odoo/action-account_credit_recovery.action_credit_recovery_dashboard",
            code,
            login=self.manager.login,
            timeout=240,
        )
