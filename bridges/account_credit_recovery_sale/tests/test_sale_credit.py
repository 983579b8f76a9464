from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import TODAY, SaleCreditCommon


@tagged("post_install", "-at_install")
class TestSaleCredit(SaleCreditCommon):
    """A sales order on credit for a customer whose collection record blocks new credit is refused
    with the collection's message, and accepted once the debt is paid; cash sales always pass; a
    Collection Manager overrides with a reason, nobody else, whatever the context."""

    def test_restricted_customer_credit_order_refused_then_accepted_once_the_agreement_is_paid(self):
        self.assertEqual(self.debtor.credit_status, "restricted")
        with self.on(TODAY):
            self.debtor.action_portal_create_link()
        link = self.debtor.portal_link_url
        self.assertTrue(link)
        order = self.order(self.pay_terms_split)
        with self.assertRaises(UserError) as refusal:
            self.confirm(order)
        message = str(refusal.exception)
        self.assertIn(f"{order.name} is a credit sale and cannot be confirmed.", message)
        self.assertIn("$\xa01,000.00 overdue", message)
        self.assertIn(f"collection stage: {self.debtor.stage_id.name}", message)
        self.assertTrue(self.debtor.stage_id.name)
        self.assertIn("Negotiate", message)
        self.assertIn(link, message)
        self.assertIn("a Collection Manager can confirm it anyway", message)
        self.assertEqual(order.state, "draft")

        agreement = self.negotiate()
        self.assertEqual(self.debtor.credit_status, "agreement_pending")
        with self.assertRaisesText(UserError, "held until the collection agreement receives its first payment"):
            self.confirm(order)
        self.pay_installment(agreement.line_ids.sorted("date_due")[0])
        self.assertEqual(self.debtor.credit_status, "restored")
        self.confirm(order)
        self.assertEqual(order.state, "sale")

    def test_credit_order_accepted_once_the_overdue_invoice_is_paid(self):
        order = self.order(self.term_30_days)
        with self.assertRaisesText(UserError, "is a credit sale"):
            self.confirm(order)
        self.pay(self.invoice, 1000.0, TODAY)
        self.confirm(order)
        self.assertEqual(order.state, "sale")

    def test_cash_order_always_accepted(self):
        self.assertFalse(self.term_immediate._recovery_is_immediate() is False)
        order = self.order(self.term_immediate)
        self.assertFalse(order.recovery_credit_sale)
        self.assertTrue(order.recovery_credit_block_message, "the banner still tells the seller")
        self.confirm(order)
        self.assertEqual(order.state, "sale")

    def test_terms_due_at_the_end_of_the_month_are_credit(self):
        end_of_month = self.env["account.payment.term"].create(
            {
                "name": "End of month",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "delay_type": "days_after_end_of_month"})
                ],
            }
        )
        self.assertEqual(end_of_month.line_ids.nb_days, 0)
        self.assertFalse(end_of_month._recovery_is_immediate())
        with self.assertRaisesText(UserError, "is a credit sale"):
            self.confirm(self.order(end_of_month))

    def test_order_without_terms_follows_the_customer_default(self):
        """No terms on the order: the customer's default terms in the order's company decide; with
        none, the invoice is due on its date (Odoo's rule), a cash sale."""
        order = self.order(self.env["account.payment.term"])
        self.assertFalse(order.payment_term_id)
        self.assertFalse(order.recovery_credit_sale)
        self.customer.with_company(self.company).property_payment_term_id = self.term_30_days
        order.invalidate_recordset(["recovery_credit_sale"])
        self.assertFalse(order.payment_term_id, "the order keeps no terms")
        self.assertTrue(order.recovery_credit_sale)
        with self.assertRaisesText(UserError, "is a credit sale"):
            self.confirm(order)
        self.customer.with_company(self.company).property_payment_term_id = self.term_immediate
        self.confirm(order)
        self.assertEqual(order.state, "sale")

    def test_order_without_terms_for_a_customer_without_default_is_cash(self):
        order = self.order(self.env["account.payment.term"])
        self.assertFalse(order.payment_term_id)
        self.confirm(order)
        self.assertEqual(order.state, "sale")

    def test_other_customers_and_companies_are_not_blocked(self):
        other = self.env["res.partner"].create({"name": "João Pereira"})
        order = self.order(self.term_30_days, partner=other)
        self.assertFalse(order.recovery_credit_block_message)
        self.confirm(order)
        self.assertEqual(order.state, "sale")
        other_company = self.setup_other_company()["company"]
        self.assertEqual(self.customer._recovery_credit_blocks(other_company), {})
        with self.on(TODAY):
            elsewhere = (
                self.env["sale.order"]
                .with_company(other_company)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "company_id": other_company.id,
                        "payment_term_id": self.term_30_days.id,
                        "order_line": [Command.create({"product_id": self.product_a.id, "price_unit": 300.0})],
                    }
                )
            )
            self.assertFalse(elsewhere.recovery_credit_block_message, "the debt is the first company's")
            elsewhere.action_confirm()
        self.assertEqual(elsewhere.state, "sale")

    def pay_online(self, order, amount, state="done"):
        """The customer pays ``amount`` online; the transaction's post-processing confirms the
        quotation through ``_check_amount_and_confirm_order`` (the path of the portal and the shop;
        the accounting payment it then creates is the provider journal's business, not ours)."""
        self.customer.email = "maria@example.com"  # the payment's message on the order is hers
        if state == "authorized":  # a provider that captures later, as card providers do
            provider_class = type(self.env["payment.provider"])
            compute = provider_class._compute_feature_support_fields

            def with_manual_capture(providers):
                compute(providers)
                providers.support_manual_capture = "full_only"

            self.patch(provider_class, "_compute_feature_support_fields", with_manual_capture)
        provider = self.env["payment.provider"].create(
            {
                "name": "Loopback provider",
                "code": "none",
                "state": "test",
                "company_id": self.company.id,
                "payment_method_ids": [Command.set(self.env.ref("payment.payment_method_unknown").ids)],
            }
        )
        with self.on(TODAY):
            transaction = self.env["payment.transaction"].create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                    "reference": f"{order.name}-online-{len(order.sudo().transaction_ids)}",
                    "amount": amount,
                    "currency_id": order.currency_id.id,
                    "partner_id": order.partner_id.id,
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
            transaction._set_done() if state == "done" else transaction._set_authorized()
            return transaction.sudo()._check_amount_and_confirm_order()

    def test_online_payment_confirms_a_credit_order(self):
        """Paid online in full: not a credit sale, confirmed, without a note."""
        order = self.order(self.term_30_days)
        self.assertTrue(order.recovery_credit_sale)
        self.assertEqual(self.pay_online(order, order.amount_total), order)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.message_ids.filtered(lambda message: "online prepayment" in (message.body or "")))

    def test_online_prepayment_leaves_a_blocked_credit_quotation(self):
        """The prepayment share is the salesperson's to set (1 %): paid online, it does not make a
        blocked customer's order a cash sale. At the payment's callback the order stays a quotation
        (no error: the payment is kept) and the salesperson gets one activity; paid in full, done,
        it is confirmed."""
        order = self.order(self.term_30_days)
        order.write({"require_payment": True, "prepayment_percent": 0.01})
        self.assertFalse(self.pay_online(order, 3.0))
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.amount_paid, 3.0)
        activity = order.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("Credit blocked", activity.summary)
        self.assertIn("paid $&nbsp;3.00 online", activity.note)
        with self.assertRaisesText(UserError, "is a credit sale"):
            self.confirm(order)
        self.assertFalse(self.pay_online(order, 297.0, state="authorized"), "authorized is not paid")
        self.assertEqual(order.state, "draft")
        self.assertEqual(len(order.activity_ids), 1, "one activity, not one per payment")
        self.assertEqual(self.pay_online(order, 297.0), order)
        self.assertEqual(order.state, "sale")

    def test_customer_signature_on_the_portal_leaves_a_blocked_credit_quotation(self):
        """The portal's acceptance (``_validate_order``, run as superuser for the customer) does not
        confirm a blocked credit sale: no error page for the customer, an activity for the seller."""
        order = self.order(self.term_30_days)
        with self.on(TODAY):
            order.sudo()._validate_order()
        self.assertEqual(order.state, "draft")
        activity = order.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("Credit blocked", activity.summary)
        self.assertIn("accepted", activity.note)
        cash = self.order(self.term_immediate)
        with self.on(TODAY):
            cash.sudo()._validate_order()
        self.assertEqual(cash.state, "sale")

    def test_manager_override_is_logged_on_the_order_and_the_debtor(self):
        order = self.order(self.term_30_days, user=self.sales_manager)
        action = order.with_user(self.sales_manager).action_recovery_credit_override()
        with self.on(TODAY):
            wizard = Form(self.env[action["res_model"]].with_user(self.sales_manager).with_context(**action["context"]))
            self.assertIn("overdue", wizard.block_message)
            wizard.reason = "Guarantor <b>signed</b> & store manager agreed"
            wizard.save().action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.recovery_credit_override_user_id, self.sales_manager)
        for record in (order, self.debtor):
            note = record.message_ids.filtered(lambda message: "on credit although" in (message.body or ""))
            self.assertEqual(note.author_id, self.sales_manager.partner_id)
            self.assertIn(f"{self.sales_manager.name} confirmed {order.name}", note.body)
            self.assertIn("Guarantor &lt;b&gt;signed&lt;/b&gt; &amp; store manager agreed", note.body)
            self.assertNotIn("<b>", note.body)

    def test_override_needs_a_reason(self):
        order = self.order(self.term_30_days, user=self.sales_manager)
        with self.assertRaisesText(UserError, "Give the reason"):
            order.with_user(self.sales_manager)._recovery_confirm_override("  ")
        self.assertEqual(order.state, "draft")

    def test_salesman_and_agent_with_any_context_are_refused(self):
        """Only the group authorises: no context key, no direct call, no written field."""
        crafted = {
            "recovery_credit_override": True,
            "recovery_credit_skip": True,
            "skip_credit_check": True,
            "force_confirm": True,
            "sudo": True,
            "bypass_credit_limit": True,
        }
        for user in (self.salesman, self.sales_agent):
            order = self.order(self.term_30_days, user=user)
            with self.assertRaisesText(UserError, "is a credit sale"):
                self.confirm(order, user=user, **crafted)
            with self.assertRaises(AccessError):
                order.with_user(user).with_context(**crafted)._recovery_confirm_override("I say so")
            with self.assertRaises(AccessError):
                order.with_user(user).with_context(**crafted).action_recovery_credit_override()
            with self.assertRaises(AccessError):
                self.env["credit.recovery.sale.override"].with_user(user).with_context(**crafted).create(
                    {"order_id": order.id, "reason": "I say so"}
                )
            with self.assertRaises(AccessError):
                order.with_user(user).write({"recovery_credit_override_user_id": self.sales_manager.id})
            with self.assertRaisesText(UserError, "is a credit sale"):
                self.confirm(order, user=user, **crafted)
            self.assertEqual(order.state, "draft")

    def test_cancelled_override_is_spent(self):
        order = self.order(self.term_30_days, user=self.sales_manager)
        with self.on(TODAY):
            order.with_user(self.sales_manager)._recovery_confirm_override("Agreed by phone")
            order.with_user(self.sales_manager)._action_cancel()
            order.with_user(self.sales_manager).action_draft()
        self.assertFalse(order.recovery_credit_override_user_id)
        with self.assertRaisesText(UserError, "is a credit sale"):
            self.confirm(order, user=self.sales_manager)

    def test_banner_on_the_quotation_for_a_plain_salesman(self):
        order = self.order(self.term_30_days)
        with self.on(TODAY):
            form = Form(order.with_user(self.salesman))
            self.assertIn("$\xa01,000.00 overdue", form.recovery_credit_block_message)
            self.assertTrue(form.recovery_credit_sale)
            self.assertFalse(form.recovery_credit_restored_message)
            arch = order.with_user(self.salesman).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="recovery_credit_block"', arch)
        self.assertNotIn("action_recovery_credit_override", arch, "the override button is the managers'")
        self.assertNotIn("recovery_credit_override_reason", arch)
        manager_arch = order.with_user(self.sales_manager).get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_recovery_credit_override", manager_arch)

        self.pay(self.invoice, 1000.0, TODAY)
        with self.on(TODAY):
            self.env.cr.flush()  # the pre-commit step where collection gives the limit back
            form = Form(order.with_user(self.salesman))
            self.assertFalse(form.recovery_credit_block_message)
            self.assertEqual(
                form.recovery_credit_restored_message,
                "Maria Silva's credit is available again: the collection is settled.",
            )
            self.customer.with_company(self.company).credit_limit = 5000.0
            order.invalidate_recordset()
            form = Form(order.with_user(self.salesman))
            self.assertEqual(
                form.recovery_credit_restored_message,
                "Maria Silva's credit is available again: limit $\xa05,000.00, available $\xa05,000.00.",
            )

    def test_refusal_and_banner_in_the_sellers_language(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(
            ["account_credit_recovery", "account_credit_recovery_sale"], ["pt_BR"], overwrite=True
        )
        order = self.order(self.term_30_days)
        with self.assertRaisesText(UserError, f"{order.name} é uma venda a prazo e não pode ser confirmada."):
            self.confirm(order, lang="pt_BR")
        views = order.with_user(self.salesman).with_context(lang="pt_BR").get_views([(False, "form")])
        self.assertIn("Crédito bloqueado pela cobrança: este pedido é a prazo", views["views"]["form"]["arch"])

    def test_invoice_of_an_overridden_order_is_posted_where_the_policy_blocks_credit_invoices(self):
        self.policy.credit_invoice_block = "block"
        self.product_a.invoice_policy = "order"
        overridden = self.order(self.term_30_days, user=self.sales_manager)
        other = self.order(self.term_30_days, user=self.sales_manager)
        with self.on(TODAY):
            overridden.with_user(self.sales_manager)._recovery_confirm_override("Guarantor signed")
            invoice = overridden._create_invoices()
            self.assertFalse(invoice.recovery_credit_warning)
            invoice.action_post()
            self.assertEqual(invoice.state, "posted")
            other.with_user(self.sales_manager)._recovery_confirm_override("Guarantor signed")
            other.sudo().recovery_credit_override_user_id = self.salesman  # no longer a manager's decision
            other_invoice = other._create_invoices()
            self.assertTrue(other_invoice.recovery_credit_warning)
            with self.assertRaisesText(UserError, "collection blocks new credit for this customer"):
                other_invoice.action_post()
