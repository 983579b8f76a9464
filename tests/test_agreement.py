import io
from datetime import date, datetime

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)  # a Monday; the invoice fell due on 9 October (45 days)


@tagged("post_install", "-at_install")
class TestAgreement(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_agreement_accounts()
        cls.add_holiday(date(2026, 12, 23))
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 9), date(2026, 10, 9))
        cls.refresh_on_class(TODAY)

    @classmethod
    def refresh_on_class(cls, day):
        with cls.on(day):
            cls.env["account.move"]._cron_refresh_recovery_state()

    def negotiate(self, user=None, invoices=None, **terms):
        """Agent (by default) negotiates ``invoices`` on TODAY through the wizard."""
        user = user or self.agent
        with self.on(TODAY):
            action = (invoices or self.invoice).with_user(user).action_recovery_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))
            for field, value in terms.items():
                setattr(wizard, field, value)
            result = wizard.save().action_prepare()
        return self.env["credit.recovery.agreement"].with_user(user).browse(result["res_id"])

    def pay_installments(self, lines):
        """The customer pays each agreement installment of ``lines`` on its due date."""
        for line in lines:
            with self.on(line.date_due):
                self.env["account.payment.register"].with_context(
                    active_model="account.move.line", active_ids=line.move_line_id.ids
                ).create({"payment_date": line.date_due})._create_payments()

    def test_updated_debt_and_schedule(self):
        agreement = self.negotiate(discount_charges_percent=100, installments=3, first_due=date(2026, 12, 23))
        self.assertEqual((agreement.principal, agreement.fine, agreement.interest), (1000.0, 20.0, 15.0))
        self.assertEqual((agreement.discount_charges, agreement.total), (35.0, 1000.0))
        self.assertEqual(agreement.profile_id, self.env.ref("account_credit_recovery.profile_occasional"))
        self.assertEqual(
            [(line.date_due, line.amount) for line in agreement.line_ids],
            [(date(2026, 12, 24), 333.33), (date(2027, 1, 25), 333.33), (date(2027, 2, 23), 333.34)],
            "23 December is a holiday, 23 January 2027 a Saturday",
        )
        self.assertTrue(agreement.within_limits)

    def test_template_then_confirm_posts_a_balanced_reconciled_entry(self):
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        agreement = self.negotiate(template_id=template)
        self.assertEqual((agreement.installments, agreement.down_payment), (6, 203.5))  # 20 % of 1,017.50
        self.assertEqual(agreement.total, 1017.5)
        with self.on(TODAY):
            agreement.action_confirm()
        self.assertEqual(agreement.state, "active")
        entry = agreement.move_id
        self.assertEqual(entry.state, "posted")
        self.assertAlmostEqual(sum(entry.line_ids.mapped("debit")), sum(entry.line_ids.mapped("credit")))
        self.assertEqual(self.invoice.payment_state, "paid", "the original receivable is settled by the agreement")
        receivables = entry.line_ids.filtered(lambda line: line.debit and line.account_type == "asset_receivable")
        self.assertEqual(len(receivables), 7)
        self.assertEqual(receivables.mapped("date_maturity"), agreement.line_ids.mapped("date_due"))
        income = entry.line_ids.filtered(lambda line: line.account_id == self.policy.agreement_income_account_id)
        discount = entry.line_ids.filtered(lambda line: line.account_id == self.policy.agreement_discount_account_id)
        self.assertEqual((income.credit, discount.debit), (35.0, 17.5))

    def test_beyond_the_limits_needs_a_manager(self):
        agreement = self.negotiate(installments=20, discount_principal_percent=15)
        self.assertFalse(agreement.within_limits)
        self.assertIn("More than 12 installments", agreement.violations)
        self.assertIn("Discount on principal above 10.0 %", agreement.violations)
        with self.assertRaisesText(UserError, "Submit it for approval"):
            agreement.action_confirm()
        agreement.action_submit()
        self.assertEqual(agreement.state, "to_approve")
        self.assertEqual(len(agreement.activity_ids), 1)
        with self.assertRaises(AccessError):
            agreement.action_approve()
        as_manager = agreement.with_user(self.manager)
        with self.assertRaisesText(UserError, "Say why"):
            as_manager.action_reject()
        as_manager.rejection_reason = "Too long for a customer with three late payments"
        as_manager.action_reject()
        self.assertEqual(agreement.state, "cancelled")

        second = self.negotiate(installments=20)
        second.action_submit()
        with self.on(TODAY):
            second.with_user(self.manager).action_approve()
        self.assertEqual((second.state, second.approved_by_id), ("active", self.manager))

    def test_payments_then_done_restores_credit_and_asks_bureau_removal(self):
        self.policy.credit_restore_on = "full"  # the default, the first payment: tests/test_agreement_credit.py
        agreement = self.negotiate(discount_charges_percent=100, installments=2, first_due=date(2026, 12, 10))
        with self.on(TODAY):
            agreement.action_confirm()
        debtor = agreement.debtor_id
        debtor.sudo().bureau_state = "listed"  # set up as the workflow would
        self.pay_installments(agreement.line_ids)
        self.assertTrue(all(agreement.line_ids.mapped("paid")))
        with self.on(date(2027, 1, 11)):
            self.env["credit.recovery.agreement"]._cron_check_agreements()
        self.assertEqual(agreement.state, "done")
        self.assertIn("thank you", agreement.message_ids[0].body.lower())
        self.assertEqual(debtor.bureau_state, "removal_requested")
        self.assertEqual(debtor.bureau_removal_deadline, date(2027, 1, 18), "5 business days")
        self.assertEqual(debtor.activity_ids.date_deadline, date(2027, 1, 18))
        self.refresh_on(date(2027, 1, 11))
        self.assertEqual(debtor.amount_overdue, 0.0)
        self.assertEqual(debtor.credit_status, "restored")

    def test_an_agreement_done_with_another_invoice_open_keeps_the_listing(self):
        """The listing is the debtor's: paying the agreement in full while another invoice is still
        unpaid past its due date asks no removal yet; paying that one too does, whatever new sale
        is not due yet (the run's check)."""
        other = self.create_invoice(300.0, date(2026, 10, 1), date(2026, 10, 31))
        agreement = self.negotiate(discount_charges_percent=100, installments=2, first_due=date(2026, 12, 10))
        self.assertNotIn(other, agreement.invoice_ids)
        with self.on(TODAY):
            agreement.action_confirm()
        debtor = agreement.debtor_id
        debtor.sudo().bureau_state = "listed"  # set up as the workflow would
        self.pay_installments(agreement.line_ids)
        with self.on(date(2027, 1, 11)):
            self.env["credit.recovery.agreement"]._cron_check_agreements()
        self.assertEqual(agreement.state, "done")
        self.assertEqual(debtor.bureau_state, "listed", "the other invoice is still unpaid")
        self.pay(other, 300.0, date(2027, 1, 12))
        new_sale = self.create_invoice(120.0, date(2027, 1, 12), date(2027, 2, 11))
        self.assertIn(new_sale, debtor.open_invoice_ids)
        with self.on(date(2027, 1, 12)):
            debtor._bureau_start_removal()
        self.assertEqual(debtor.bureau_state, "removal_requested", "a new sale not yet due is no debt in default")

    def test_recovery_counts_the_agreement_payments_not_the_settlement(self):
        """The recovery rate counts money: the agreement settling the invoice is no payment, and its
        installments do not enter collection a second time; the installment paid is collected, on
        its due date as it is."""
        with freeze_time(datetime(2026, 11, 23, 13, 0)):  # 10:00 in São Paulo
            self.env["credit.recovery.contact"].with_user(self.agent).create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self.invoice.ids)],
                    "channel": "phone",
                    "outcome_id": self.env.ref("account_credit_recovery.outcome_no_answer").id,
                }
            )
        agreement = self.negotiate(discount_charges_percent=100, installments=2, first_due=date(2026, 12, 10))
        with self.on(TODAY):
            agreement.action_confirm()
        first = agreement.line_ids.sorted("date_due")[0]
        self.pay_installments(first)
        with self.on(date(2026, 12, 31)):
            kpis = self.env["credit.recovery.kpi"].get_kpis(self.company.id, "2026-11-01", "2026-12-31")
        self.assertEqual(kpis["amount_entered"], 1000.0, "the invoice, overdue since 9 October, once")
        self.assertEqual(kpis["amount_collected"], first.amount)
        self.assertEqual(first.amount, 500.0)

    def test_cancel_reverses_the_entry_and_restores_the_debt(self):
        agreement = self.negotiate(installments=2)
        with self.on(TODAY):
            agreement.action_confirm()
            with self.assertRaises(AccessError):
                agreement.action_cancel()
            agreement.with_user(self.manager).action_cancel()
        self.assertEqual(agreement.state, "cancelled")
        self.assertEqual(agreement.reversal_move_id.state, "posted")
        self.assertEqual(self.invoice.amount_residual, 1000.0)
        self.assertEqual(self.invoice.payment_state, "not_paid")

    def test_unpaid_installment_breaks_the_agreement(self):
        self.policy.agreement_break_option = "accelerate"
        agreement = self.negotiate(installments=3, first_due=date(2026, 12, 1))
        with self.on(TODAY):
            agreement.action_confirm()
        with self.on(date(2026, 12, 8)):  # five business days after 1 December
            self.env["credit.recovery.agreement"]._cron_check_agreements()
        self.assertEqual(agreement.state, "active")
        with self.on(date(2026, 12, 9)):
            self.env["credit.recovery.agreement"]._cron_check_agreements()
        self.assertEqual((agreement.state, agreement.broken_date), ("broken", date(2026, 12, 9)))
        self.assertEqual(set(agreement.line_ids.move_line_id.mapped("date_maturity")), {date(2026, 12, 9)})
        debtor = agreement.debtor_id
        self.assertEqual(debtor.broken_commitments, 1)
        # The agreement's installments are followed in collection like invoices.
        self.refresh_on(date(2027, 1, 20))
        entry = agreement.move_id
        self.assertEqual(entry.recovery_debtor_id, debtor)
        self.assertEqual(self.days_overdue_on(date(2027, 1, 20), entry), 42)
        self.assertEqual(entry.recovery_stage_id, self.stage_alert)
        self.assertEqual(debtor.amount_overdue, agreement.total)
        self.assertEqual(debtor.credit_status, "restricted")

    def test_daily_check_works_in_batches(self):
        first = self.negotiate(installments=2)
        second_invoice = self.create_invoice(500.0, date(2026, 9, 9), date(2026, 10, 9))
        self.refresh_on(TODAY)
        second = self.negotiate(invoices=second_invoice, installments=2)
        with self.on(TODAY):
            (first | second).action_confirm()
        Agreement = self.env["credit.recovery.agreement"]
        with self.on(date(2026, 11, 24)):
            Agreement._cron_check_agreements(limit=1)
            self.assertEqual(len((first | second).filtered("checked_date")), 1)
            Agreement._cron_check_agreements(limit=1)
            self.assertEqual((first | second).mapped("checked_date"), [date(2026, 11, 24)] * 2)
            Agreement._cron_check_agreements(limit=1)  # nothing left today: a no-op
        self.assertEqual((first | second).mapped("state"), ["active", "active"])

    def test_agents_cannot_rewrite_the_debt_or_the_schedule(self):
        agreement = self.negotiate(installments=2)
        for vals in ({"principal": 1.0}, {"profile_id": False}, {"fine": 0.0}):
            with self.subTest(vals=vals), self.assertRaisesText(AccessError, "negotiate again"):
                agreement.write(vals)
        with self.on(TODAY):
            agreement.action_confirm()
        with self.assertRaisesText(UserError, "cannot be changed"):
            agreement.line_ids[0].date_due = date(2027, 6, 1)
        with self.assertRaisesText(UserError, "cannot be changed"):
            agreement.line_ids[-1].unlink()

    def test_refusals(self):
        other = self.env["res.partner"].create({"name": "Outro Cliente"})
        other_invoice = self.create_invoice(100.0, date(2026, 9, 9), date(2026, 10, 9), partner=other)
        self.refresh_on(TODAY)
        with self.assertRaisesText(UserError, "one customer at a time"):
            (self.invoice | other_invoice).action_recovery_negotiate()
        not_due = self.create_invoice(100.0, date(2026, 11, 20), date(2026, 12, 20))
        with self.assertRaisesText(UserError, "Nothing is overdue"):
            not_due.action_recovery_negotiate()
        eur = self.setup_other_currency("EUR")
        in_eur = self.create_invoice(100.0, date(2026, 9, 9), date(2026, 10, 9), currency=eur)
        self.refresh_on(TODAY)
        with self.assertRaisesText(UserError, "one currency"):
            (self.invoice | in_eur).action_recovery_negotiate()
        for terms, message in (
            ({"first_due": date(2026, 11, 20)}, "before the negotiation date"),
            ({"installments": 0}, "at least one installment"),
            ({"discount_charges_percent": -5}, "cannot be negative"),
            ({"discount_charges_percent": 100, "discount_principal_percent": 100}, "nothing left to pay"),
        ):
            with self.subTest(terms=terms), self.assertRaisesText(ValidationError, message):
                self.negotiate(**terms)

    def test_terms_pdf(self):
        agreement = self.negotiate(discount_charges_percent=100, installments=3, first_due=date(2026, 12, 23))
        pdf, _kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account_credit_recovery.action_report_agreement_terms", agreement.ids)
        )
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
        for expected in (agreement.name, "acknowledges the debt", "333.33", "333.34", "1,000.00", self.invoice.name):
            self.assertIn(expected, text, expected)
        for expected in (
            "not provided: fill in the debtor's CPF or CNPJ",
            "Witness 1",
            "Witness 2",
            "CPC art. 784 III",
            "Payment instructions",
            "November 23, 2026",
            f"By: {self.agent.name}",
        ):
            self.assertIn(expected, text, expected)
        self.assertFalse(agreement.partner_vat)

    def test_terms_pdf_with_document_and_bank(self):
        self.customer.vat = "529.982.247-25"
        self.company.partner_id.bank_ids = [
            Command.create({"acc_number": "0001 12345-6", "partner_id": self.company.partner_id.id})
        ]
        agreement = self.negotiate(discount_charges_percent=100, installments=3, first_due=date(2026, 12, 23))
        pdf, _kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account_credit_recovery.action_report_agreement_terms", agreement.ids)
        )
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
        self.assertIn("529.982.247-25", text)
        self.assertNotIn("not provided", text)
        self.assertIn("0001 12345-6", text)

    def test_a_listed_debtor_who_paid_an_agreement_in_full_gets_the_removal_from_the_run(self):
        """The agreement's entry stays "not paid" for Odoo: the run looks at its open residual."""
        agreement = self.negotiate(discount_charges_percent=100, installments=2, first_due=date(2026, 12, 10))
        with self.on(TODAY):
            agreement.action_confirm()
        debtor = agreement.debtor_id
        debtor.sudo().bureau_state = "listed"
        self.pay_installments(agreement.line_ids)
        self.assertFalse(debtor.open_invoice_ids, "nothing is left to pay, agreement entry included")
        Run = self.env["credit.recovery.run"]
        with self.on(date(2026, 12, 28)):
            for _call in range(20):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
        self.assertEqual(agreement.state, "active", "the agreement check has not run yet")
        self.assertEqual(debtor.bureau_state, "removal_requested")
