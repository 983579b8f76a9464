"""The PIX provider against the simulated PSP: connection test, cob and cobv charges, amount
change, removal, the PSP down, the sandbox, and Odoo's own payment flow (processing values and
the portal's Pay now over HTTP)."""

import base64
import os
import re
import socket
from datetime import date, timedelta
from unittest import mock

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import is_html_empty, mute_logger

from ..tools import api_pix, brcode
from .common import DEBTOR_CPF, PIX_KEY, PixCommon
from .psp_simulator import PspSimulator


def closed_port_url():
    """An address on loopback where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@tagged("post_install", "-at_install")
class TestPixConnection(PixCommon):
    def assert_notification(self, action, kind, *fragments):
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], kind, action["params"]["message"])
        for fragment in fragments:
            self.assertIn(fragment, action["params"]["message"])

    def test_connection_ok(self):
        self.psp.requests.clear()
        action = self.pix_provider.action_pix_test_connection()
        self.assert_notification(action, "success", self.psp.url)
        self.assertEqual([r["path"] for r in self.psp.requests], ["/oauth/token", "/v2/pix"])
        self.assertIn("inicio", self.psp.requests[1]["query"])

    def test_connection_bad_credentials(self):
        self.pix_provider.pix_client_secret = "wrong"
        action = self.pix_provider.action_pix_test_connection()
        self.assert_notification(action, "danger", "refused the client ID and secret", "HTTP 401")
        self.assertNotIn("wrong", action["params"]["message"])

    def test_connection_unreachable(self):
        url = closed_port_url()
        self.pix_provider.write({"pix_base_url": url + "/v2", "pix_token_url": url + "/oauth/token"})
        action = self.pix_provider.action_pix_test_connection()
        self.assert_notification(action, "danger", "could not be reached", "Check the URLs")

    def test_connection_incomplete_configuration(self):
        self.pix_provider.pix_client_id = False
        with self.assertRaisesRegex(UserError, "Client ID"):
            self.pix_provider.action_pix_test_connection()

    def test_connection_sandbox(self):
        action = self.make_pix_provider().action_pix_test_connection()
        self.assert_notification(action, "info", "Sandbox")

    def test_presets_follow_the_state(self):
        provider = self.make_pix_provider(self.psp, pix_psp="efi")
        self.assertEqual(provider.pix_base_url, "https://pix-h.api.efipay.com.br/v2")
        provider.state = "enabled"
        self.assertEqual(provider.pix_token_url, "https://pix.api.efipay.com.br/oauth/token")
        provider.pix_psp = "inter"
        self.assertEqual(provider.pix_base_url, "https://cdpj.partners.bancointer.com.br/pix/v2")
        provider.write({"pix_psp": "bcb", "pix_base_url": "https://psp.example/api/v2"})
        provider.state = "test"
        self.assertEqual(provider.pix_base_url, "https://psp.example/api/v2")  # generic: kept as typed

    def test_banco_inter_token_request(self):
        """Inter: the scopes asked and the credentials as form fields (client_secret_post)."""
        provider = self.make_pix_provider(self.psp, pix_psp="inter")
        self.assertEqual(provider.pix_base_url, "https://cdpj-sandbox.partners.uatinter.co/pix/v2")
        provider.write({"pix_base_url": self.psp.url, "pix_token_url": self.psp.token_url})
        self.assert_notification(provider.action_pix_test_connection(), "success")
        token_request = self.psp.requests[0]
        self.assertNotIn("Authorization", token_request["headers"])
        self.assertIn("scope=cob.write+cob.read+cobv.write", token_request["body"])
        self.assertIn("client_secret=", token_request["body"])

    def test_efi_token_request_is_json(self):
        provider = self.make_pix_provider(self.psp, pix_psp="efi")
        provider.write({"pix_base_url": self.psp.url, "pix_token_url": self.psp.token_url})
        self.assert_notification(provider.action_pix_test_connection(), "success")
        self.assertEqual(self.psp.requests[0]["body"], '{"grant_type": "client_credentials"}')
        self.assertTrue(self.psp.requests[0]["headers"]["Authorization"].startswith("Basic "))

    def test_sandbox_cannot_be_enabled(self):
        with self.assertRaises(ValidationError):
            self.make_pix_provider().state = "enabled"

    def test_credentials_are_for_administrators_only(self):
        self.pix_provider.pix_certificate = base64.b64encode(b"not really a certificate")
        accountant = new_test_user(
            self.env, login="pix_accountant", groups="account.group_account_manager,base.group_user"
        )
        provider = self.pix_provider.with_user(accountant)
        for field in ("pix_client_secret", "pix_client_id", "pix_certificate", "pix_certificate_key"):
            with self.assertRaises(AccessError, msg=field):
                provider.read([field])
        attachment = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "payment.provider"),
                ("res_id", "=", provider.id),
                ("res_field", "=", "pix_certificate"),
            ]
        )
        self.assertTrue(attachment)
        with self.assertRaises(AccessError):
            attachment.with_user(accountant).read(["datas"])

    def test_mutual_tls_with_the_uploaded_certificate(self):
        """The simulator requires a client certificate signed by its CA: the .p12 an administrator
        uploads (Efí's format), or a PEM certificate with its key apart (Banco Inter's)."""
        with PspSimulator(tls=True) as psp, mock.patch.dict(os.environ, {"REQUESTS_CA_BUNDLE": psp.ca_path}):
            provider = self.make_pix_provider(psp)
            action = provider.action_pix_test_connection()
            self.assert_notification(action, "danger", "could not be reached")  # no certificate: no handshake
            provider.write({"pix_certificate": base64.b64encode(psp.client_p12), "pix_certificate_name": "cert.p12"})
            self.assert_notification(provider.action_pix_test_connection(), "success")
            path = provider._pix_certificate_path()
            self.addCleanup(os.remove, path)  # the filestore outlives the test's transaction
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
            with open(psp.client_cert_path, "rb") as cert, open(psp.client_key_path, "rb") as key:
                provider.write(
                    {
                        "pix_certificate": base64.b64encode(cert.read()),
                        "pix_certificate_key": base64.b64encode(key.read()),
                    }
                )
            transaction = provider._pix_create_charge("cob", 10, self.pix_debtor)
            self.addCleanup(os.remove, provider._pix_certificate_path())
            self.assertEqual(psp.charges[transaction.pix_txid]["status"], "ATIVA")
            provider.pix_certificate_key = False
            self.assert_notification(provider.action_pix_test_connection(), "danger", "private key is missing")


@tagged("post_install", "-at_install")
class TestPixCharges(PixCommon):
    def test_cob_charge(self):
        invoice = self.pix_invoice(150.0)
        transaction = self.pix_provider._pix_create_charge(
            "cob", 150.0, self.pix_debtor, invoices=invoice, expiry_seconds=3600, description="Invoice"
        )
        self.assertEqual(transaction.state, "pending")
        self.assertEqual(transaction.invoice_ids, invoice)
        self.assertEqual((transaction.pix_kind, transaction.pix_status), ("cob", "ATIVA"))
        self.assertEqual(transaction.currency_id.name, "BRL")
        self.assertEqual(transaction.payment_method_id.code, "pix")
        self.assertRegex(transaction.pix_txid, r"^[a-zA-Z0-9]{26,35}$")
        charge = self.psp.charges[transaction.pix_txid]
        self.assertEqual(charge["kind"], "cob")
        self.assertEqual(
            charge["body"],
            {
                "calendario": {"expiracao": 3600},
                "devedor": {"cpf": DEBTOR_CPF, "nome": "Maria Silva"},
                "valor": {"original": "150.00"},
                "chave": PIX_KEY,
                "solicitacaoPagador": "Invoice",
            },
        )
        self.assertEqual(transaction.pix_copy_paste, charge["pixCopiaECola"])
        self.assertEqual(brcode.validate(transaction.pix_copy_paste), [])
        self.assertTrue(brcode.is_dynamic(transaction.pix_copy_paste))
        self.assertAlmostEqual(
            transaction.pix_expires_at, fields.Datetime.now() + timedelta(seconds=3600), delta=timedelta(minutes=1)
        )
        self.assertIn(invoice.name, transaction.reference)

    def test_charges_for_a_user_without_access_to_payments(self):
        """Collection agents and the public user of a page have no access to providers and
        transactions: the charge's methods work for them all the same."""
        agent = new_test_user(self.env, login="pix_agent", groups="base.group_user")
        provider = self.pix_provider.with_user(agent)
        with self.assertRaises(AccessError):
            provider.read(["state"])
        transaction = provider._pix_create_charge("cob", 30, self.pix_debtor.with_user(agent))
        transaction.with_user(agent)._pix_update_amount(25)
        transaction.with_user(agent)._pix_remove()
        self.assertEqual(self.psp.charges[transaction.pix_txid]["status"], "REMOVIDA_PELO_USUARIO_RECEBEDOR")
        self.assertEqual(transaction.sudo().state, "cancel")

    def test_cob_default_expiry_and_debtor_without_document(self):
        anonymous = self.env["res.partner"].create({"name": "No Document"})
        transaction = self.pix_provider._pix_create_charge("cob", 5, anonymous)
        body = self.psp.charges[transaction.pix_txid]["body"]
        self.assertEqual(body["calendario"], {"expiracao": 86400})
        self.assertNotIn("devedor", body)

    def test_cobv_charge_with_fine_and_interest(self):
        company_debtor = self.env["res.partner"].create({"name": "Loja Ltda", "vat": "11.222.333/0001-81"})
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": company_debtor.id})
        due = date.today() + timedelta(days=10)
        transaction = self.pix_provider._pix_create_charge("cobv", 1234.5, contact, due_date=due, fine=2, interest=1)
        charge = self.psp.charges[transaction.pix_txid]
        self.assertEqual(charge["kind"], "cobv")
        self.assertEqual(
            charge["body"]["calendario"], {"dataDeVencimento": due.isoformat(), "validadeAposVencimento": 30}
        )
        self.assertEqual(charge["body"]["devedor"], {"cnpj": "11222333000181", "nome": "Loja Ltda"})
        self.assertEqual(
            charge["body"]["valor"],
            {
                "original": "1234.50",
                "multa": {"modalidade": 2, "valorPerc": "2.00"},
                "juros": {"modalidade": 3, "valorPerc": "1.00"},
            },
        )
        self.assertEqual((transaction.pix_kind, transaction.pix_due_date), ("cobv", due))
        self.assertEqual(transaction.pix_expires_at.date(), due + timedelta(days=30))

    def test_disabled_provider_makes_no_charge(self):
        self.pix_provider.state = "disabled"
        with self.assertRaisesRegex(UserError, "disabled"):
            self.pix_provider._pix_create_charge("cob", 10, self.pix_debtor)
        self.assertEqual(self.psp.charges, {})

    def test_unusable_certificate_is_a_psp_failure(self):
        self.pix_provider.pix_certificate = base64.b64encode(b"junk")
        with self.assertRaisesRegex(api_pix.PixApiError, "certificate") as caught:
            self.pix_provider._pix_create_charge("cob", 10, self.pix_debtor)
        self.assertIsNone(caught.exception.status)

    def test_cobv_needs_the_debtor_document(self):
        anonymous = self.env["res.partner"].create({"name": "No Document"})
        count = self.env["payment.transaction"].search_count([])
        with self.assertRaisesRegex(UserError, "CPF or CNPJ"):
            self.pix_provider._pix_create_charge("cobv", 10, anonymous, due_date=date.today())
        self.assertEqual(self.env["payment.transaction"].search_count([]), count)
        self.assertEqual(self.psp.charges, {})

    def test_update_amount(self):
        transaction = self.pix_provider._pix_create_charge("cobv", 100, self.pix_debtor, due_date=date.today(), fine=2)
        transaction._pix_update_amount(80)
        charge = self.psp.charges[transaction.pix_txid]
        self.assertEqual(charge["body"]["valor"]["original"], "80.00")
        self.assertEqual(charge["body"]["valor"]["multa"]["valorPerc"], "2.00")
        self.assertEqual(charge["revisao"], 1)
        self.assertEqual(transaction.amount, 80)

    def test_remove_is_idempotent(self):
        transaction = self.pix_provider._pix_create_charge("cob", 20, self.pix_debtor)
        transaction._pix_remove()
        self.assertEqual(self.psp.charges[transaction.pix_txid]["status"], "REMOVIDA_PELO_USUARIO_RECEBEDOR")
        self.assertEqual((transaction.state, transaction.pix_status), ("cancel", "REMOVIDA_PELO_USUARIO_RECEBEDOR"))
        calls = len(self.psp.requests)
        transaction._pix_remove()
        self.assertEqual(len(self.psp.requests), calls)
        with self.assertRaises(UserError):
            transaction._pix_update_amount(10)

    def test_remove_a_charge_paid_meanwhile_keeps_it(self):
        transaction = self.pix_provider._pix_create_charge("cobv", 20, self.pix_debtor, due_date=date.today())
        self.psp.pay(transaction.pix_txid, notify=False)
        transaction._pix_remove()
        self.assertEqual((transaction.state, transaction.pix_status), ("pending", "CONCLUIDA"))
        self.assertEqual(self.psp.charges[transaction.pix_txid]["status"], "CONCLUIDA")

    def test_remove_a_charge_removed_at_the_psp(self):
        transaction = self.pix_provider._pix_create_charge("cob", 20, self.pix_debtor)
        self.psp.charges[transaction.pix_txid]["status"] = "REMOVIDA_PELO_PSP"
        transaction._pix_remove()
        self.assertEqual((transaction.state, transaction.pix_status), ("cancel", "REMOVIDA_PELO_PSP"))

    def test_psp_down_creates_nothing(self):
        count = self.env["payment.transaction"].search_count([])
        for down, status in ((True, 503), ("refused", None)):
            self.psp.down = down
            try:
                with self.assertRaises(api_pix.PixApiError) as caught:
                    self.pix_provider._pix_create_charge("cob", 10, self.pix_debtor)
            finally:
                self.psp.down = False
            self.assertEqual(caught.exception.status, status)
            # The caller caught the error and went on (static fallback): nothing was left behind.
            self.assertEqual(self.env["payment.transaction"].search_count([]), count)
        self.assertEqual(self.psp.charges, {})

    def test_psp_down_on_removal_keeps_the_charge(self):
        transaction = self.pix_provider._pix_create_charge("cob", 20, self.pix_debtor)
        self.psp.down = True
        try:
            transaction._pix_remove()
        except api_pix.PixApiError as error:
            self.assertEqual(error.status, 503)  # the caller catches it and goes on: the failure stays visible
        else:
            self.fail("the removal should have failed")
        finally:
            self.psp.down = False
        self.assertEqual((transaction.state, transaction.pix_status), ("pending", "ATIVA"))
        self.assertIn("503", transaction.pix_error)

    def test_txid_unique(self):
        first = self.pix_provider._pix_create_charge("cob", 20, self.pix_debtor)
        second = self.pix_provider._pix_create_charge("cob", 20, self.pix_debtor)
        self.assertNotEqual(first.pix_txid, second.pix_txid)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            second.write({"pix_txid": first.pix_txid})
            second.flush_recordset()

    def test_sandbox_charges(self):
        provider = self.make_pix_provider()
        calls = len(self.psp.requests)
        transaction = provider._pix_create_charge("cobv", 42.5, self.pix_debtor, due_date=date.today(), fine=2)
        self.assertEqual((transaction.state, transaction.pix_status), ("pending", "ATIVA"))
        self.assertEqual(brcode.validate(transaction.pix_copy_paste), [])
        fields_ = brcode.parse(transaction.pix_copy_paste)
        self.assertEqual(fields_["54"], "42.50")
        self.assertEqual(brcode.parse(fields_["62"])["05"], transaction.pix_txid[:25])
        self.assertEqual(brcode.parse(fields_["26"])["01"], PIX_KEY)
        transaction._pix_update_amount(40)
        self.assertEqual(brcode.parse(transaction.pix_copy_paste)["54"], "40.00")
        transaction._pix_remove()
        self.assertEqual(transaction.state, "cancel")
        self.assertEqual(len(self.psp.requests), calls)  # no network


@tagged("post_install", "-at_install")
class TestPixOdooFlow(PixCommon):
    def test_processing_values_render_the_code_page(self):
        invoice = self.pix_invoice(99.9)
        transaction = self.env["payment.transaction"].create(
            {
                "provider_id": self.pix_provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_pix").id,
                "reference": "INV-PIX-1",
                "amount": 99.9,
                "currency_id": self.brl.id,
                "partner_id": self.pix_debtor.id,
                "operation": "online_redirect",
                "invoice_ids": [fields.Command.set(invoice.ids)],
            }
        )
        values = transaction.sudo()._get_processing_values()  # as the payment controllers call it
        self.assertIn('action="/payment/status"', values["redirect_form_html"])
        self.assertEqual(transaction.state, "pending")
        charge = self.psp.charges[transaction.pix_txid]
        self.assertEqual(charge["body"]["valor"]["original"], "99.90")
        html = str(
            self.env["ir.qweb"]._render(
                "payment.state_header", {"tx": transaction, "is_processing": True, "is_html_empty": is_html_empty}
            )
        )
        self.assertIn(transaction.pix_copy_paste, html)
        self.assertIn('src="data:image/png;base64,', html)
        self.assertIn("o_pix_copy_button", html)

    def test_processing_with_the_psp_down_is_a_clear_error(self):
        transaction = self.env["payment.transaction"].create(
            {
                "provider_id": self.pix_provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_pix").id,
                "reference": "INV-PIX-2",
                "amount": 10,
                "currency_id": self.brl.id,
                "partner_id": self.pix_debtor.id,
                "operation": "online_redirect",
            }
        )
        self.psp.down = True
        try:
            with self.assertRaisesRegex(ValidationError, "PIX is not available right now"):
                transaction.sudo()._get_processing_values()
        finally:
            self.psp.down = False

    def test_provider_offered_in_brl_only(self):
        self.assertEqual(self.pix_provider.available_currency_ids, self.brl)
        self.assertEqual(self.pix_provider._get_default_payment_method_codes(), {"pix"})


@tagged("post_install", "-at_install")
class TestPixPayNowHttp(PixCommon, HttpCase):
    def test_invoice_pay_now(self):
        """The invoice's Pay now, over HTTP as the public user with the invoice's access token:
        the transaction route asks the charge, the status page shows its QR code and code."""
        invoice = self.pix_invoice(250.0)
        pix = self.env.ref("payment.payment_method_pix")
        values = self.make_jsonrpc_request(
            f"{self.base_url()}/invoice/transaction/{invoice.id}",
            {
                "access_token": invoice._portal_ensure_token(),
                "provider_id": self.pix_provider.id,
                "payment_method_id": pix.id,
                "token_id": None,
                "amount": 250.0,
                "flow": "redirect",
                "tokenization_requested": False,
                "landing_route": invoice.get_portal_url(),
            },
        )
        self.assertIn("/payment/status", values["redirect_form_html"])
        transaction = self.env["payment.transaction"].search([("reference", "=", values["reference"])])
        self.assertEqual((transaction.state, transaction.invoice_ids), ("pending", invoice))
        self.assertEqual(self.psp.charges[transaction.pix_txid]["body"]["valor"]["original"], "250.00")
        page = self.url_open("/payment/status")
        self.assertEqual(page.status_code, 200)
        self.assertIn(transaction.pix_copy_paste, page.text)
        qr = re.search(r'src="data:image/png;base64,([^"]+)"', page.text)
        self.assertTrue(base64.b64decode(qr.group(1)).startswith(b"\x89PNG"))
