from datetime import date

from odoo import Command
from odoo.tests import Form, new_test_user

from odoo.addons.account_credit_recovery.tests.common import CreditRecoveryCommon

TODAY = date(2026, 11, 23)  # the invoice fell due on 9 October: 45 days overdue


class SaleCreditCommon(CreditRecoveryCommon):
    """A customer restricted by collection (1,000 overdue since 9 October, refreshed on TODAY),
    payment terms, a plain salesman, a sales manager who is a Collection Manager and a salesman who
    is a Collection Agent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_agreement_accounts()
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 9), date(2026, 10, 9))
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.invoice.recovery_debtor_id
        cls.term_immediate = cls.env.ref("account.account_payment_term_immediate")
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.salesman = new_test_user(
            cls.env, login="plain_salesman", groups="sales_team.group_sale_salesman", **company
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="sales_collection_manager",
            groups="sales_team.group_sale_manager,account_credit_recovery.group_credit_recovery_manager",
            **company,
        )
        cls.sales_agent = new_test_user(
            cls.env,
            login="sales_collection_agent",
            groups="sales_team.group_sale_salesman_all_leads,account_credit_recovery.group_credit_recovery_agent",
            **company,
        )

    def order(self, terms, partner=None, user=None):
        """A quotation of 300 for the customer, made by the salesman on TODAY."""
        with self.on(TODAY):
            order = (
                self.env["sale.order"]
                .with_user(user or self.salesman)
                .create(
                    {
                        "partner_id": (partner or self.customer).id,
                        "user_id": (user or self.salesman).id,
                        "payment_term_id": terms.id,
                        "order_line": [
                            Command.create({"product_id": self.product_a.id, "price_unit": 300.0, "tax_id": []})
                        ],
                    }
                )
            )
        return order

    def confirm(self, order, user=None, **context):
        with self.on(TODAY):
            order.with_user(user or self.salesman).with_context(**context).action_confirm()

    def negotiate(self):
        """The agent negotiates the overdue invoice on TODAY and confirms a 2-installment agreement."""
        with self.on(TODAY):
            action = self.invoice.with_user(self.agent).action_recovery_negotiate()
            wizard = Form(self.env[action["res_model"]].with_user(self.agent).with_context(**action["context"]))
            wizard.discount_charges_percent = 100
            wizard.installments = 2
            wizard.first_due = date(2026, 12, 10)
            result = wizard.save().action_prepare()
            agreement = self.env["credit.recovery.agreement"].with_user(self.agent).browse(result["res_id"])
            agreement.action_confirm()
        return agreement

    def pay_installment(self, line):
        with self.on(line.date_due):
            self.env["account.payment.register"].with_context(
                active_model="account.move.line", active_ids=line.move_line_id.ids
            ).create({"payment_date": line.date_due})._create_payments()
