from datetime import date

from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)  # a Monday; the invoices fell due on 9 October (45 days)


@tagged("post_install", "-at_install")
class TestNegotiationWizard(CreditRecoveryCommon):
    """The negotiation as the agent sees it: itemised debt, limits, schedule preview, shipped proposals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_agreement_accounts()
        cls.invoice = cls.create_invoice(1000.25, date(2026, 9, 9), date(2026, 10, 9))
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()

    def open_wizard(self, invoices=None, user=None):
        user = user or self.agent
        with self.on(TODAY):
            action = (invoices or self.invoice).with_user(user).action_recovery_negotiate()
            return Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))

    def test_recurrent_cash_proposal_pays_the_discounted_total_today(self):
        """The shipped 100 % down payment is taken after the discount: the agreement is valid and confirmable."""
        self.invoice.recovery_debtor_id.sudo().write(
            {
                "profile_override_id": self.env.ref("account_credit_recovery.profile_recurrent").id,
                "profile_override_reason": "Paid late three times this year",
            }
        )
        wizard = self.open_wizard()
        with self.on(TODAY):
            wizard.template_id = self.env.ref("account_credit_recovery.proposal_recurrent_cash")
            self.assertEqual(wizard.down_payment, wizard.total, "100 % of the total after the discount")
            self.assertFalse(wizard.violations)
            agreement = self.env["credit.recovery.agreement"].browse(wizard.save().action_prepare()["res_id"])
            self.assertEqual(agreement.down_payment, agreement.total)
            self.assertEqual([(line.date_due, line.amount) for line in agreement.line_ids], [(TODAY, agreement.total)])
            agreement.with_user(self.agent).action_confirm()
        self.assertEqual(agreement.state, "active")

    def test_fine_cap_holds_on_the_total(self):
        """R$ 5.400,00 in 7 invoices of 771,43/771,42: 2 % of each rounded down, 7 x 15,42 = R$ 107,94.

        Never the 108,01 of half-up rounding per line, nor a line above its own 2 % (15,4286).
        """
        invoices = self.invoice.browse()
        for amount in [771.43] * 6 + [771.42]:
            invoices |= self.create_invoice(amount, date(2026, 9, 9), date(2026, 10, 9))
        with self.on(TODAY):
            self.env["account.move"]._cron_refresh_recovery_state()
        wizard = self.open_wizard(invoices)
        self.assertEqual((wizard.principal, wizard.fine), (5400.0, 107.94))
        with self.on(TODAY):
            agreement = self.env["credit.recovery.agreement"].browse(wizard.save().action_prepare()["res_id"])
        self.assertEqual(agreement.fine, 107.94)

    def test_wizard_shows_debt_limits_and_schedule_preview(self):
        wizard = self.open_wizard()
        self.assertEqual(wizard.partner_id, self.customer)
        self.assertIn(self.invoice.name, wizard.debt_html)
        self.assertIn("1,035.25", wizard.debt_html, "updated total of the installment: 1000.25 + 20.00 + 15.00")
        self.assertEqual(wizard.limit_installments, "max. 12, each at least $\xa050.00")
        self.assertEqual(wizard.limit_discount_principal, "max. 10.0 %")
        with self.on(TODAY):
            wizard.installments = 3
            wizard.first_due = date(2026, 12, 23)
        self.assertIn("Installment 3/3", wizard.schedule_html)
        self.assertEqual(wizard.total, 1035.25)
        with self.on(TODAY):
            wizard.installments = 20
        self.assertIn("More than 12 installments", wizard.violations)

    def test_limit_messages_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.agent.lang = "pt_BR"
        wizard = self.open_wizard()
        with self.on(TODAY):
            wizard.discount_principal_percent = 50
        self.assertIn("10,0 %", wizard.violations)
        self.assertNotIn("10.0", wizard.violations)
        self.assertEqual(wizard.limit_discount_principal.split()[-2:], ["10,0", "%"])

    def test_opens_on_everything_paid_today_inside_the_limits(self):
        """A small debt under the Recurrent profile (installments of at least R$ 100, 10 % down): the
        wizard opens on the whole total as a down payment today, inside the limits; spread over
        installments, the down payment becomes the profile's minimum."""
        small = self.create_invoice(95.0, date(2026, 10, 20), date(2026, 11, 9))
        with self.on(TODAY):
            self.env["account.move"]._cron_refresh_recovery_state()
        small.recovery_debtor_id.sudo().write(
            {
                "profile_override_id": self.env.ref("account_credit_recovery.profile_recurrent").id,
                "profile_override_reason": "Paid late three times this year",
            }
        )
        wizard = self.open_wizard(small)
        self.assertLess(wizard.total, 100.0)
        self.assertEqual(wizard.down_payment, wizard.total, "everything paid today: a 100 % down payment")
        self.assertFalse(wizard.violations)
        self.assertNotIn("Installment", wizard.schedule_html)
        with self.on(TODAY):
            wizard.discount_charges_percent = 50
        self.assertEqual(wizard.down_payment, wizard.total, "still the whole total, after the discount")
        self.assertFalse(wizard.violations)
        with self.on(TODAY):
            agreement = self.env["credit.recovery.agreement"].browse(wizard.save().action_prepare()["res_id"])
            agreement.with_user(self.agent).action_confirm()
        self.assertEqual(agreement.state, "active", "inside the limits: the agent confirms it")
        self.assertEqual([(line.date_due, line.amount) for line in agreement.line_ids], [(TODAY, agreement.total)])

        wizard = self.open_wizard()
        self.assertEqual(wizard.down_payment, wizard.total)
        with self.on(TODAY):
            wizard.installments = 3
            wizard.first_due = date(2026, 12, 7)
        self.assertEqual(wizard.down_payment, 103.53, "10 % of R$ 1.035,25, rounded up")
        self.assertIn("Installment 3/3", wizard.schedule_html)
        self.assertFalse(wizard.violations)
