"""Settlement of PIX received: the simulated PSP posts to Odoo's real webhook route, Odoo confirms
each PIX with ``GET /pix/{e2eid}`` at the simulator and registers a reconciled payment."""

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PIX_KEY, PixCommon
from .psp_simulator import new_e2eid

LOGGERS = (
    "odoo.addons.payment_pix_api.models.payment_provider_settlement",
    "odoo.addons.payment.models.payment_transaction",
)


class PixSettlementCommon(PixCommon, HttpCase):
    """The provider's webhook registered at the simulated PSP, which posts to Odoo's real route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.pix_provider
        cls.journal = cls.provider.journal_id
        cls.customer = cls.pix_debtor
        cls.today = fields.Date.today()

    def setUp(self):
        super().setUp()
        self.provider.action_pix_register_webhook()

    # helpers -------------------------------------------------------------------------------------
    def invoice(self, amount, days_overdue=10):
        return self.pix_invoice(amount, self.today - timedelta(days=days_overdue))

    def charge(self, invoices, amount=None, provider=None):
        amount = amount if amount is not None else sum(invoices.mapped("amount_residual"))
        return (provider or self.provider)._pix_create_charge("cob", amount, self.customer, invoices=invoices)

    def received(self, tx=None):
        domain = [("provider_id", "in", (self.provider | (tx.provider_id if tx else self.provider)).ids)]
        if tx:
            domain.append(("transaction_id", "=", tx.id))
        return self.env["payment.pix.received"].search(domain)

    def post_webhook(self, body, secret=None):
        secret = secret or self.provider.sudo().pix_webhook_secret
        return self.url_open(
            f"/payment/pix_api/webhook/{secret}/pix",
            data=body if isinstance(body, bytes | str) else json.dumps(body),
            headers={"Content-Type": "application/json"},
        )

    # The simulator posts to the server, which works on the test's transaction: what this test
    # wrote must be flushed first, and what it had read is stale after. The webhook records the
    # PIX and triggers the settlement cron: the helpers below then run it, as its runner would.
    def pay(self, *args, settle=True, **kwargs):
        self.env.flush_all()
        e2eid = self.psp.pay(*args, **kwargs)
        self.env.invalidate_all()
        if settle:
            self.settle()
        return e2eid

    def settle(self):
        """The settlement cron's calls until nothing is pending (``_cron_pix_settle``)."""
        settled = self.env["payment.pix.received"]
        while batch := self.env["payment.pix.received"]._cron_pix_settle():
            settled |= batch
        self.env.invalidate_all()
        return settled

    def settle_triggers(self):
        cron = self.env.ref("payment_pix_api.ir_cron_pix_settle")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def refund(self, *args, **kwargs):
        self.env.flush_all()
        refund = self.psp.refund_received(*args, **kwargs)
        self.env.invalidate_all()
        return refund

    def notify(self, pix_list):
        self.env.flush_all()
        self.psp.notify(pix_list)
        self.env.invalidate_all()
        self.settle()

    def assert_notified(self, count=1):
        self.assertEqual([n["status"] for n in self.psp.notifications[-count:]], [200] * count, self.psp.notifications)


@tagged("post_install", "-at_install")
class TestPixSettlement(PixSettlementCommon):
    def test_webhook_url_is_registered_at_the_psp(self):
        url = self.provider.pix_webhook_url
        self.assertTrue(url.startswith(self.base_url() + "/payment/pix_api/webhook/"))
        self.assertGreaterEqual(len(url.rsplit("/", 1)[1]), 40, "an unguessable secret")
        self.assertEqual(self.psp.webhooks[PIX_KEY], url)
        self.assertTrue(self.provider.pix_webhook_registered_at)

    def test_paid_charge_becomes_a_posted_reconciled_payment(self):
        invoice = self.invoice(1000.0)
        tx = self.charge(invoice)
        e2eid = self.pay(tx.pix_txid)
        self.assert_notified()
        received = self.received(tx)
        self.assertEqual(received.end_to_end_id, e2eid)
        self.assertEqual(received.state, "registered")
        self.assertEqual(received.amount, 1000.0)
        payment = received.payment_id
        self.assertIn(payment.state, ("in_process", "paid"), "posted (paid once matched with the bank)")
        self.assertEqual(payment.move_id.state, "posted")
        self.assertEqual(payment.payment_type, "inbound")
        self.assertEqual(payment.partner_type, "customer")
        self.assertEqual(payment.partner_id, self.customer)
        self.assertEqual(payment.amount, 1000.0)
        self.assertEqual(payment.journal_id, self.journal)
        self.assertEqual(payment.payment_transaction_id, tx)
        self.assertEqual(payment.payment_method_line_id.payment_provider_id, self.provider)
        self.assertIn(e2eid, payment.memo)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.payment_id, payment)
        self.assertTrue(tx.is_post_processed)
        self.assertEqual(self.psp.requests[-1]["path"], f"/v2/pix/{e2eid}", "confirmed at the PSP")

    def test_the_webhook_records_the_pix_and_the_triggered_cron_settles_it(self):
        invoice = self.invoice(300.0)
        tx = self.charge(invoice)
        triggers = self.settle_triggers()
        e2eid = self.pay(tx.pix_txid, settle=False)
        self.assert_notified()
        received = self.received(tx)
        self.assertEqual((received.end_to_end_id, received.state), (e2eid, "pending"), "recorded, being settled")
        self.assertFalse(received.payment_id)
        self.assertEqual(invoice.payment_state, "not_paid")
        new_triggers = self.settle_triggers() - triggers
        self.assertEqual(len(new_triggers), 1, "the answer woke the settlement cron")
        self.assertLessEqual(new_triggers.call_at, fields.Datetime.now(), "now, not at its next run")
        # The same notification again while it is pending: nothing more to settle.
        self.notify([self.psp.received[e2eid]])
        self.assertEqual(len(self.received(tx)), 1)
        self.assertEqual(received.state, "registered")
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(tx.state, "done")
        self.assertFalse(self.settle(), "nothing left pending")

    def test_a_batch_settles_together_each_pix_on_its_own_charge(self):
        invoices = [self.invoice(100.0 + index, days_overdue=10 + index) for index in range(3)]
        txs = [self.charge(invoice) for invoice in invoices]
        newer = self.invoice(500.0, days_overdue=5)
        older = self.invoice(300.0, days_overdue=40)
        shared = self.charge(newer | older)
        for tx in txs:
            self.pay(tx.pix_txid, settle=False)
        # Two partial PIX of one charge in the same batch: the first pays the oldest installment.
        self.pay(shared.pix_txid, amount="400.00", settle=False)
        self.pay(shared.pix_txid, amount="350.00", settle=False)
        self.assertEqual(set(self.received().mapped("state")), {"pending"})
        settled = self.env["payment.pix.received"]._cron_pix_settle()
        self.env.invalidate_all()
        self.assertEqual(len(settled), 5, "one batch")
        self.assertEqual(set(settled.mapped("state")), {"registered"})
        for invoice, tx in zip(invoices, txs, strict=True):
            self.assertEqual(invoice.payment_state, "paid")
            self.assertEqual(tx.state, "done")
            self.assertEqual(self.received(tx).payment_id.amount, invoice.amount_total)
        self.assertEqual(older.payment_state, "paid")
        self.assertEqual(newer.amount_residual, 50.0)
        self.assertEqual(shared.state, "pending", "750 of 800: not covered yet")
        first, second = self.received(shared).sorted("id")
        self.assertEqual(sum(first.payment_id.move_id.line_ids.matched_debit_ids.mapped("amount")), 400.0)
        self.assertEqual(second.payment_id.move_id.line_ids.matched_debit_ids.debit_move_id.move_id, newer)

    def test_a_refund_of_a_pix_still_pending_settles_it_first(self):
        invoice = self.invoice(1000.0)
        tx = self.charge(invoice)
        e2eid = self.pay(tx.pix_txid, settle=False)
        self.assertEqual(self.received(tx).state, "pending")
        self.env.flush_all()
        self.psp.refund_received(e2eid, "1000.00", refund_id="R1")
        self.env.invalidate_all()
        received = self.received(tx)
        self.assertEqual(received.state, "refunded")
        self.assertTrue(received.payment_id, "paid first, then reversed")
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.amount_residual, 1000.0)
        self.assertFalse(self.settle())

    @mute_logger("odoo.addons.payment_pix_api.models.payment_pix_received")
    def test_a_pix_that_cannot_be_settled_does_not_hold_the_others(self):
        good = self.charge(self.invoice(70.0))
        bad_invoice = self.invoice(80.0)
        bad = self.charge(bad_invoice)
        self.pay(good.pix_txid, settle=False)
        self.pay(bad.pix_txid, settle=False)
        # Its payment cannot be made (whatever the reason: a journal misconfigured, a lock…).
        original = type(self.env["payment.pix.received"])._pix_payment_vals

        def payment_vals(received):
            if received.transaction_id == bad:
                raise ValueError("the journal refuses it")
            return original(received)

        with patch.object(type(self.env["payment.pix.received"]), "_pix_payment_vals", payment_vals):
            settled = self.env["payment.pix.received"]._cron_pix_settle()
        self.env.invalidate_all()
        self.assertEqual(settled, self.received(good))
        self.assertEqual(self.received(good).state, "registered")
        self.assertEqual(self.received(bad).state, "pending", "left for the next run")
        self.assertEqual(bad_invoice.payment_state, "not_paid")
        self.assertEqual(self.settle(), self.received(bad), "the next run settles it")

    def test_partial_payment_pays_the_oldest_installment_first(self):
        newer = self.invoice(500.0, days_overdue=5)
        older = self.invoice(300.0, days_overdue=40)
        tx = self.charge(newer | older)
        self.pay(tx.pix_txid, amount="400.00")
        self.assertEqual(older.payment_state, "paid")
        self.assertEqual(newer.amount_residual, 400.0)
        self.assertEqual(newer.payment_state, "partial")
        self.assertEqual(tx.state, "pending", "the charge is not covered yet")
        self.pay(tx.pix_txid, amount="400.00")
        self.assertEqual(newer.payment_state, "paid")
        self.assertEqual(tx.state, "done")
        self.assertEqual(len(self.received(tx).payment_id), 2)

    def test_overpayment_stays_the_customers_credit(self):
        invoice = self.invoice(100.0)
        tx = self.charge(invoice)
        self.pay(tx.pix_txid, amount="150.00")
        self.assert_notified()
        payment = self.received(tx).payment_id
        self.assertEqual(invoice.payment_state, "paid")
        line = payment.move_id.line_ids.filtered(lambda aml: aml.account_id == payment.destination_account_id)
        self.assertEqual(line.amount_residual, -50.0, "the 50 more stays open: the customer's credit")
        self.assertEqual(tx.state, "done")

    def test_the_same_notification_three_times_registers_one_payment(self):
        invoice = self.invoice(200.0)
        tx = self.charge(invoice)
        e2eid = self.pay(tx.pix_txid)
        self.notify([self.psp.received[e2eid]])
        self.notify([self.psp.received[e2eid]])
        self.assert_notified(3)
        self.assertEqual(len(self.received(tx)), 1)
        self.assertEqual(self.env["account.payment"].search_count([("payment_transaction_id", "=", tx.id)]), 1)

    def test_webhook_and_poll_register_one_payment(self):
        invoice = self.invoice(250.0)
        tx = self.charge(invoice)
        self.pay(tx.pix_txid)
        self.provider._pix_poll()
        self.assertEqual(len(self.received(tx)), 1)
        self.assertEqual(self.env["account.payment"].search_count([("payment_transaction_id", "=", tx.id)]), 1)
        self.assertTrue(self.provider.pix_last_poll)

    def test_the_poll_registers_what_was_never_notified(self):
        invoice = self.invoice(120.0)
        tx = self.charge(invoice)
        # Paid a minute ago: GET /pix lists up to the poll's second.
        e2eid = self.pay(tx.pix_txid, notify=False, when=datetime.now(UTC) - timedelta(minutes=1))
        self.assertFalse(self.received(tx))
        self.provider._pix_poll()
        self.assertEqual(self.received(tx).end_to_end_id, e2eid)
        self.assertEqual(self.received(tx).source, "poll")
        self.assertEqual(invoice.payment_state, "paid")

    @mute_logger(*LOGGERS)
    def test_a_forged_notification_registers_nothing(self):
        invoice = self.invoice(900.0)
        tx = self.charge(invoice)
        forged = {
            "endToEndId": new_e2eid(),
            "txid": tx.pix_txid,
            "valor": "900.00",
            "horario": "2026-12-07T10:00:00.000Z",
        }
        response = self.post_webhook({"pix": [forged]})
        self.assertEqual(response.status_code, 200, "well-formed: answered, and ignored")
        self.assertFalse(self.received(tx))
        # A PIX that exists at the PSP, told with another amount or another charge's txid.
        e2eid = self.pay(tx.pix_txid, amount="1.00", notify=False)
        for lie in ({"valor": "900.00"}, {"txid": "X" * 30}):
            response = self.post_webhook({"pix": [{**self.psp.received[e2eid], **lie}]})
            self.assertEqual(response.status_code, 200)
        self.assertFalse(self.received(tx))
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(self.env["payment.pix.received"].search([("end_to_end_id", "=", forged["endToEndId"])]))
        # An unknown secret is no webhook.
        self.assertEqual(self.post_webhook({"pix": [forged]}, secret="x" * 43).status_code, 404)

    @mute_logger(*LOGGERS)
    def test_a_malformed_body_is_refused_with_400(self):
        tx = self.charge(self.invoice(10.0))
        bodies = [
            b"not json at all",
            b"\xff\xfe\x00",
            json.dumps({"pix": "nope"}),
            json.dumps({"pix": [{"endToEndId": "short", "txid": tx.pix_txid, "valor": "10.00"}]}),
            json.dumps({"pix": [{"endToEndId": new_e2eid(), "txid": tx.pix_txid, "valor": "ten"}]}),
            json.dumps([1, 2, 3]),
            json.dumps({"pix": [{"endToEndId": new_e2eid(), "valor": "1.00", "horario": 5}]}),
        ]
        for body in bodies:
            response = self.post_webhook(body)
            self.assertEqual(response.status_code, 400, body)
            self.assertLess(len(response.text), 400)
            self.assertIn("malformed", response.json()["message"])
        self.assertFalse(self.received(tx))
        # The PSPs' test call when the webhook is registered: no PIX, answered 200.
        self.assertEqual(self.post_webhook({"pix": []}).status_code, 200)

    def test_refund_reopens_the_invoice_once(self):
        invoice = self.invoice(1000.0)
        tx = self.charge(invoice)
        e2eid = self.pay(tx.pix_txid)
        self.assertEqual(invoice.payment_state, "paid")
        self.refund(e2eid, "200.00", refund_id="R1")
        received = self.received(tx)
        self.assertEqual(received.state, "partially_refunded")
        self.assertEqual(invoice.amount_residual, 200.0, "what was refunded is due again")
        self.assertEqual(received.refund_ids.payment_id.payment_type, "outbound")
        self.assertEqual(received.refund_ids.payment_id.amount, 200.0)
        # The same refund notified again (and read by the poll) applies once.
        self.notify([self.psp.received[e2eid]])
        self.provider._pix_poll()
        self.assertEqual(len(received.refund_ids), 1)
        self.assertEqual(invoice.amount_residual, 200.0)
        self.refund(e2eid, "800.00", refund_id="R2")
        self.assertEqual(received.state, "refunded")
        self.assertEqual(invoice.amount_residual, 1000.0)
        self.assertEqual(invoice.payment_state, "not_paid")
        payment_line = received.payment_id.move_id.line_ids.filtered(
            lambda aml: aml.account_id == received.payment_id.destination_account_id
        )
        self.assertTrue(payment_line.reconciled, "the payment is matched with its refunds")

    def test_refund_of_an_overpayment_takes_the_credit_first(self):
        invoice = self.invoice(100.0)
        tx = self.charge(invoice)
        e2eid = self.pay(tx.pix_txid, amount="150.00")
        self.refund(e2eid, "50.00", refund_id="C1")
        self.assertEqual(invoice.payment_state, "paid", "the credit went back, the invoice stays paid")
        payment = self.received(tx).payment_id
        line = payment.move_id.line_ids.filtered(lambda aml: aml.account_id == payment.destination_account_id)
        self.assertTrue(line.reconciled)

    def test_unmatched_pix_is_kept_without_payment(self):
        e2eid = self.pay("Z" * 30, amount="33.00", notify=False)
        self.psp.received[e2eid]["chave"] = PIX_KEY
        self.notify([self.psp.received[e2eid]])
        received = self.env["payment.pix.received"].search([("end_to_end_id", "=", e2eid)])
        self.assertEqual(received.state, "unmatched")
        self.assertFalse(received.payment_id)
        self.assertEqual(received.amount, 33.0)

    def test_received_pix_are_read_only(self):
        tx = self.charge(self.invoice(50.0))
        self.pay(tx.pix_txid)
        accountant = new_test_user(self.env, login="pix_accountant", groups="account.group_account_manager")
        received = self.received(tx).with_user(accountant)
        self.assertEqual(received.amount, 50.0)
        with self.assertRaises(AccessError), self.cr.savepoint():
            received.write({"payer_name": "Someone else"})
        with self.assertRaises(AccessError), self.cr.savepoint():
            received.unlink()


@tagged("post_install", "-at_install")
class TestPixSandbox(PixSettlementCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = cls.make_pix_provider()
        cls.manager = new_test_user(
            cls.env, login="pix_sandbox_manager", groups="base.group_user,account.group_account_manager"
        )

    def test_mark_as_paid_goes_through_the_webhook_path(self):
        invoice = self.invoice(75.0)
        tx = self.charge(invoice, provider=self.sandbox)
        self.assertTrue(tx.pix_is_sandbox)
        tx.with_user(self.manager).action_pix_sandbox_pay()
        received = self.env["payment.pix.received"].search([("transaction_id", "=", tx.id)])
        self.assertEqual(received.source, "sandbox")
        self.assertEqual(received.state, "registered")
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(tx.state, "done")

    @mute_logger(*LOGGERS)
    def test_a_forged_sandbox_notification_registers_nothing(self):
        tx = self.charge(self.invoice(75.0), provider=self.sandbox)
        body = json.loads(self.sandbox._pix_sandbox_notification(tx.pix_txid, Decimal("75.00")))
        body["pix"][0]["valor"] = "7500.00"
        status, _message = self.sandbox._pix_handle_notification(json.dumps(body).encode())
        self.assertEqual(status, 200)
        self.assertFalse(self.env["payment.pix.received"].search([("transaction_id", "=", tx.id)]))

    def test_the_debtors_page_pays_a_sandbox_charge_with_its_token(self):
        invoice = self.invoice(60.0)
        tx = self.charge(invoice, provider=self.sandbox)
        page = self.url_open("/web/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = {"reference": tx.reference, "csrf_token": csrf}
        response = self.url_open("/payment/pix_api/sandbox/pay", data={**data, "access_token": "forged"})
        self.assertEqual(response.status_code, 403)
        response = self.url_open("/payment/pix_api/sandbox/pay", data={"reference": tx.reference, "access_token": "x"})
        self.assertEqual(response.status_code, 400, "no CSRF token: refused")
        self.assertEqual(tx.state, "pending")
        token = tx._pix_sandbox_access_token()
        response = self.url_open("/payment/pix_api/sandbox/pay", data={**data, "access_token": token})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"paid": True, "state": "done"})
        self.assertEqual(invoice.payment_state, "paid")

    def test_only_a_sandbox_charge_is_paid_by_the_public_route(self):
        tx = self.charge(self.invoice(60.0))
        page = self.url_open("/web/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = self.url_open(
            "/payment/pix_api/sandbox/pay",
            data={"reference": tx.reference, "access_token": tx._pix_sandbox_access_token(), "csrf_token": csrf},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(tx.state, "pending")
