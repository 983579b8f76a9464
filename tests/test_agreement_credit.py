from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)  # a Monday; the invoice fell due on 9 October (45 days)


@tagged("post_install", "-at_install")
class TestAgreementCredit(CreditRecoveryCommon):
    """The customer's credit follows the agreement's payments, not its confirmation: the
    agreement settles the invoices in the books, the store's trust comes back with money
    (the policy's ``credit_restore_on``), and so does the removal from the credit bureau."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_agreement_accounts()
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 9), date(2026, 10, 9))
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()

    def confirm(self, **terms):
        """The agent negotiates the invoice on TODAY (the wizard) and confirms the agreement."""
        with self.on(TODAY):
            action = self.invoice.with_user(self.agent).action_recovery_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(self.agent).with_context(**action["context"]))
            wizard.discount_charges_percent = 100
            for field, value in terms.items():
                setattr(wizard, field, value)
            result = wizard.save().action_prepare()
            agreement = self.env["credit.recovery.agreement"].with_user(self.agent).browse(result["res_id"])
            agreement.action_confirm()
        return agreement

    def pay(self, line):
        """The customer pays one payment of the schedule on its due date."""
        with self.on(line.date_due):
            self.env["account.payment.register"].with_context(
                active_model="account.move.line", active_ids=line.move_line_id.ids
            ).create({"payment_date": line.date_due})._create_payments()

    def check_agreements(self, day):
        with self.on(day):
            self.env["credit.recovery.agreement"]._cron_check_agreements()

    def test_restricted_until_the_first_payment_then_restored_and_removal_from_its_date(self):
        self.assertEqual(self.policy.credit_restore_on, "first_payment", "the default")
        agreement = self.confirm(installments=2, first_due=date(2026, 12, 10))
        debtor = agreement.debtor_id
        debtor.sudo().write({"bureau_state": "listed", "bureau_listed_date": date(2026, 11, 2)})  # as the workflow
        self.assertEqual(debtor.amount_overdue, 0.0, "the agreement settled the invoice in the books")
        self.assertEqual(debtor.credit_status, "agreement_pending", "nothing is paid: still restricted")
        self.assertEqual(debtor.partner_id.recovery_credit_status, "agreement_pending")
        self.assertEqual(
            debtor.agreement_next_payment, f"$\xa0500.00 due 12/10/2026 ({agreement.name}, Installment 1/2)"
        )
        self.check_agreements(date(2026, 11, 24))
        with self.on(date(2026, 11, 24)):
            debtor._bureau_start_removal()  # the run's own check
        self.assertEqual(debtor.bureau_state, "listed", "no removal before a payment")
        self.assertFalse(debtor.activity_ids)

        first, second = agreement.line_ids.sorted("date_due")
        self.pay(first)  # on 10 December
        self.assertEqual(debtor.credit_status, "restored", "the first installment paid restores the credit")
        self.assertIn("Installment 2/2", debtor.agreement_next_payment)
        self.check_agreements(date(2026, 12, 14))
        self.assertEqual(debtor.bureau_state, "removal_requested")
        # Five business days from the payment (Thursday 10 December), not from this check.
        self.assertEqual(debtor.bureau_removal_deadline, date(2026, 12, 17))
        self.assertEqual(debtor.activity_ids.date_deadline, date(2026, 12, 17))
        self.pay(second)
        self.assertEqual(debtor.credit_status, "restored")

    def test_down_payment_is_the_first_payment(self):
        agreement = self.confirm(down_payment=100.0, installments=3, first_due=date(2026, 12, 10))
        debtor = agreement.debtor_id
        self.assertEqual(debtor.credit_status, "agreement_pending")
        self.pay(agreement.line_ids.filtered("is_down_payment"))
        self.assertEqual(debtor.credit_status, "restored")

    def test_policy_asks_for_a_number_of_payments(self):
        self.policy.write({"credit_restore_on": "installments", "credit_restore_installments": 2})
        agreement = self.confirm(installments=3, first_due=date(2026, 12, 10))
        debtor = agreement.debtor_id
        debtor.sudo().write({"bureau_state": "listed", "bureau_listed_date": date(2026, 11, 2)})
        first, second, third = agreement.line_ids.sorted("date_due")
        self.pay(first)
        self.assertEqual(debtor.credit_status, "agreement_pending", "one payment of the two the policy asks for")
        self.check_agreements(date(2026, 12, 14))
        self.assertEqual(debtor.bureau_state, "listed")
        self.pay(second)  # on 11 January
        self.assertEqual(debtor.credit_status, "restored")
        self.check_agreements(date(2027, 1, 13))
        self.assertEqual(debtor.bureau_removal_deadline, date(2027, 1, 18), "5 business days from 11 January")
        self.pay(third)
        self.assertEqual(debtor.credit_status, "restored")

    def test_policy_asks_for_the_agreement_paid_in_full(self):
        self.policy.credit_restore_on = "full"
        agreement = self.confirm(installments=2, first_due=date(2026, 12, 10))
        debtor = agreement.debtor_id
        first, second = agreement.line_ids.sorted("date_due")
        self.pay(first)
        self.assertEqual(debtor.credit_status, "agreement_pending")
        self.pay(second)
        self.assertEqual(debtor.credit_status, "restored")

    def test_changing_the_policy_applies_at_once(self):
        agreement = self.confirm(installments=2, first_due=date(2026, 12, 10))
        debtor = agreement.debtor_id
        self.pay(agreement.line_ids.sorted("date_due")[0])
        self.assertEqual(debtor.credit_status, "restored")
        self.policy.credit_restore_on = "full"
        self.assertEqual(debtor.credit_status, "agreement_pending")
        self.policy.credit_restore_on = "first_payment"
        self.assertEqual(debtor.credit_status, "restored")
        with self.assertRaises(ValidationError):
            self.policy.credit_restore_installments = 0

    def test_set_based_refresh_agrees_with_the_computes(self):
        """The daily refresh (``_recovery_refresh_aggregates``) and the stored computes apply the one
        rule: after each step, the refresh rewrites exactly what the ORM computed."""
        debtor = self.invoice.recovery_debtor_id

        def assert_twin_agrees(expected):
            self.env.flush_all()
            computed = debtor.credit_status
            self.assertEqual(computed, expected)
            self.env.cr.execute(
                SQL("UPDATE credit_recovery_debtor SET credit_status = 'normal' WHERE id = %s", debtor.id)
            )
            debtor.invalidate_recordset(["credit_status"])
            with self.on(self.day):
                debtor._recovery_refresh_aggregates()
            self.assertEqual(debtor.credit_status, computed)

        self.day = TODAY
        assert_twin_agrees("restricted")
        agreement = self.confirm(installments=3, first_due=date(2026, 12, 10))
        assert_twin_agrees("agreement_pending")
        first, second, _third = agreement.line_ids.sorted("date_due")
        self.pay(first)
        self.day = date(2026, 12, 10)
        assert_twin_agrees("restored")
        self.policy.write({"credit_restore_on": "installments", "credit_restore_installments": 2})
        assert_twin_agrees("agreement_pending")
        self.pay(second)
        self.day = date(2027, 1, 11)
        assert_twin_agrees("restored")
        self.policy.credit_restore_on = "full"
        assert_twin_agrees("agreement_pending")

    def test_submit_and_approve_confirm_to_the_user(self):
        with self.on(TODAY):
            action = self.invoice.with_user(self.agent).action_recovery_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(self.agent).with_context(**action["context"]))
            wizard.installments = 20
            agreement = (
                self.env["credit.recovery.agreement"]
                .with_user(self.agent)
                .browse(wizard.save().action_prepare()["res_id"])
            )
            self.policy.dispute_manager_id = self.manager
            result = agreement.action_submit()
            self.assertEqual((result["tag"], result["params"]["type"]), ("display_notification", "success"))
            self.assertIn(agreement.name, result["params"]["message"])
            self.assertIn(self.manager.name, result["params"]["message"])
            self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"}, "the form reloads")
            self.assertIn(f"Submitted for approval to {self.manager.name}", agreement.message_ids[0].body)
            result = agreement.with_user(self.manager).action_approve()
        self.assertEqual(agreement.state, "active")
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn(agreement.name, result["params"]["message"])
        self.assertIn("approved", result["params"]["message"])
