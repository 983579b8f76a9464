"""API Pix client, body builders, notification parser and BR Codes, without a database.

The client is exercised against the simulated PSP on loopback (plain HTTP, and HTTPS with a
client certificate the server requires: mutual TLS for real)."""

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import requests

from odoo.tests import BaseCase, tagged

from ..tools import api_pix, brcode
from ..tools.certificate import pem_bundle
from .psp_simulator import PspSimulator

DEBTOR_CPF = "529.982.247-25"


def client_of(psp, **kwargs):
    return api_pix.PixApiClient(psp.url, psp.token_url, psp.client_id, psp.client_secret, **kwargs)


@tagged("post_install", "-at_install")
class TestBuilders(BaseCase):
    def test_new_txid_is_valid_and_random(self):
        txids = {api_pix.new_txid() for _index in range(50)}
        self.assertEqual(len(txids), 50)
        for txid in txids:
            self.assertRegex(txid, r"^[a-zA-Z0-9]{32}$")
            self.assertEqual(api_pix.check_txid(txid), txid)
        with self.assertRaises(ValueError):
            api_pix.new_txid(20)

    def test_check_txid_refuses_bad_ones(self):
        for bad in ("short", "a" * 36, "abc-" * 8, None, 12345678901234567890123456):
            with self.assertRaises(ValueError, msg=bad):
                api_pix.check_txid(bad)

    def test_amount_format(self):
        self.assertEqual(api_pix.format_amount(123.456), "123.46")
        self.assertEqual(api_pix.format_amount(Decimal("0.005")), "0.01")
        self.assertEqual(api_pix.format_amount(10), "10.00")
        for bad in (0, -1, "abc", None):
            with self.assertRaises(ValueError, msg=bad):
                api_pix.format_amount(bad)

    def test_cob_body(self):
        body = api_pix.cob_body(
            "key@example.com",
            150.5,
            expiry_seconds=3600,
            debtor_document=DEBTOR_CPF,
            debtor_name="  Maria   da Silva ",
            description="Fatura INV/1",
            info={"Fatura": "INV/1"},
        )
        self.assertEqual(
            body,
            {
                "calendario": {"expiracao": 3600},
                "devedor": {"cpf": "52998224725", "nome": "Maria da Silva"},
                "valor": {"original": "150.50"},
                "chave": "key@example.com",
                "solicitacaoPagador": "Fatura INV/1",
                "infoAdicionais": [{"nome": "Fatura", "valor": "INV/1"}],
            },
        )
        self.assertNotIn("devedor", api_pix.cob_body("key", 1))
        with self.assertRaises(ValueError):
            api_pix.cob_body("", 1)
        with self.assertRaises(ValueError):
            api_pix.cob_body("key", 1, expiry_seconds=0)

    def test_cobv_body_maps_fine_and_simple_monthly_interest(self):
        """2 % fine, 1 % a month simple interest pro rata die: multa modalidade 2 (percentage,
        once) and juros modalidade 3 (percentage a month, calendar days)."""
        body = api_pix.cobv_body(
            "12345678000195",
            "1000",
            date(2026, 12, 20),
            debtor_document="11.222.333/0001-81",
            debtor_name="Loja Ltda",
            validity_days=30,
            fine_percent=2,
            interest_percent_month=1,
        )
        self.assertEqual(body["calendario"], {"dataDeVencimento": "2026-12-20", "validadeAposVencimento": 30})
        self.assertEqual(body["devedor"], {"cnpj": "11222333000181", "nome": "Loja Ltda"})
        self.assertEqual(
            body["valor"],
            {
                "original": "1000.00",
                "multa": {"modalidade": 2, "valorPerc": "2.00"},
                "juros": {"modalidade": 3, "valorPerc": "1.00"},
            },
        )
        plain = api_pix.cobv_body(
            "key", 10, "2026-12-20", debtor_document=DEBTOR_CPF, debtor_name="Maria", fine_percent=0
        )
        self.assertEqual(plain["valor"], {"original": "10.00"})

    def test_cobv_body_requires_the_debtor(self):
        for document, name in ((None, "Maria"), ("123", "Maria"), (DEBTOR_CPF, "")):
            with self.assertRaises(ValueError):
                api_pix.cobv_body("key", 10, date(2026, 12, 20), debtor_document=document, debtor_name=name)
        with self.assertRaises(ValueError):
            api_pix.cobv_body(
                "key", 10, date(2026, 12, 20), debtor_document=DEBTOR_CPF, debtor_name="Maria", fine_percent=150
            )


@tagged("post_install", "-at_install")
class TestNotificationParser(BaseCase):
    E2EID = "E12345678202612071030abcdefghijk"

    def pix(self, **changes):
        item = {
            "endToEndId": self.E2EID,
            "txid": "a" * 32,
            "valor": "110.00",
            "horario": "2026-12-07T10:30:00.000-03:00",
            "infoPagador": "pagamento",
            "pagador": {"cpf": "52998224725", "nome": "Maria"},
        }
        item.update(changes)
        return item

    def test_spec_body(self):
        refund = {
            "id": "r1",
            "rtrId": "D12345678202612071030abcdefghijk",
            "valor": "10.00",
            "horario": {"solicitacao": "2026-12-07T14:00:00Z"},
            "status": "EM_PROCESSAMENTO",
        }
        raw = json.dumps({"pix": [self.pix(devolucoes=[refund])]}).encode()
        [item] = api_pix.parse_notification(raw)
        self.assertEqual(item["end_to_end_id"], self.E2EID)
        self.assertEqual(item["txid"], "a" * 32)
        self.assertEqual(item["amount"], Decimal("110.00"))
        self.assertEqual(item["paid_at"], datetime(2026, 12, 7, 13, 30))
        self.assertEqual(item["payer_document"], "52998224725")
        self.assertEqual(item["refunds"][0]["amount"], Decimal("10.00"))
        self.assertEqual(item["refunds"][0]["requested_at"], datetime(2026, 12, 7, 14, 0))
        self.assertIsNone(item["refunds"][0]["settled_at"])

    def test_bare_list_of_banco_inter_and_no_txid(self):
        items = api_pix.parse_notification(json.dumps([self.pix(txid=None)]))
        self.assertIsNone(items[0]["txid"])
        self.assertEqual(api_pix.parse_notification(b'{"pix": []}'), [])

    def test_malformed_bodies_are_refused_clearly(self):
        cases = {
            b"not json": "not JSON",
            b'{"foo": 1}': '"pix" list',
            b'"text"': '"pix" list',
            json.dumps({"pix": [self.pix(endToEndId="short")]}).encode(): "pix[0]: invalid endToEndId",
            json.dumps({"pix": [self.pix(valor="10")]}).encode(): "invalid amount",
            json.dumps({"pix": [self.pix(valor=10.0)]}).encode(): "invalid amount",
            json.dumps({"pix": [self.pix(horario="yesterday")]}).encode(): "invalid time",
            json.dumps({"pix": [self.pix(horario="2026-12-07T10:30:00")]}).encode(): "time zone",
            json.dumps({"pix": [self.pix(txid="bad txid!")]}).encode(): "invalid txid",
            json.dumps({"pix": [self.pix(devolucoes=[{"id": "x"}])]}).encode(): "refund amount",
            json.dumps({"pix": ["x"]}).encode(): "must be an object",
            b"\xff\xfe": "not JSON",
            b" " * (api_pix.MAX_NOTIFICATION_BYTES + 1): "larger than",
        }
        for raw, message in cases.items():
            with self.assertRaises(ValueError, msg=raw[:60]) as caught:
                api_pix.parse_notification(raw)
            self.assertIn(message, str(caught.exception))


@tagged("post_install", "-at_install")
class TestBrCode(BaseCase):
    def test_reference_payload_of_the_central_bank(self):
        payload = (
            "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
            "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
        )
        self.assertEqual(brcode.validate(payload), [])
        self.assertFalse(brcode.is_dynamic(payload))

    def test_dynamic_and_static(self):
        dynamic = brcode.build_dynamic("https://pix.example.com/qr/v2/abc", "Loja São José", "São Paulo")
        self.assertEqual(brcode.validate(dynamic), [])
        self.assertTrue(brcode.is_dynamic(dynamic))
        self.assertIn("2525pix.example.com/qr/v2/abc", dynamic)
        static = brcode.build_static("key@example.com", "Loja", "Recife", Decimal("10.5"), "a" * 32)
        self.assertEqual(brcode.validate(static), [])
        self.assertEqual(brcode.parse(brcode.parse(static)["62"])["05"], "a" * 25)
        self.assertEqual(brcode.parse(static)["54"], "10.50")
        self.assertIn("wrong CRC16", brcode.validate(static[:-1] + ("0" if static[-1] != "0" else "1")))


@tagged("post_install", "-at_install")
class TestClientAgainstSimulator(BaseCase):
    def test_charges_lifecycle(self):
        with PspSimulator() as psp:
            client = client_of(psp)
            txid = api_pix.new_txid()
            body = api_pix.cobv_body(
                "key@example.com",
                100,
                date(2026, 12, 20),
                debtor_document=DEBTOR_CPF,
                debtor_name="Maria",
                fine_percent=2,
                interest_percent_month=1,
            )
            answer = client.put_cobv(txid, body)
            self.assertEqual(answer["status"], "ATIVA")
            self.assertEqual(answer["valor"]["juros"], {"modalidade": 3, "valorPerc": "1.00"})
            self.assertEqual(brcode.validate(answer["pixCopiaECola"]), [])
            self.assertTrue(brcode.is_dynamic(answer["pixCopiaECola"]))
            self.assertEqual(client.get_cobv(txid)["txid"], txid)
            changed = client.patch_cobv(txid, {"valor": {"original": "80.00"}})
            self.assertEqual((changed["valor"]["original"], changed["revisao"]), ("80.00", 1))
            self.assertEqual(changed["valor"]["multa"]["valorPerc"], "2.00")
            removed = client.patch_cobv(txid, {"status": api_pix.REMOVED_BY_RECEIVER})
            self.assertEqual(removed["status"], api_pix.REMOVED_BY_RECEIVER)
            with self.assertRaises(api_pix.PixApiError) as caught:
                client.patch_cobv(txid, {"status": api_pix.REMOVED_BY_RECEIVER})
            self.assertEqual(caught.exception.status, 400)
            cob_txid = api_pix.new_txid()
            self.assertEqual(client.put_cob(cob_txid, api_pix.cob_body("key@example.com", 5))["status"], "ATIVA")
            self.assertEqual(client.get_cob(cob_txid)["calendario"]["expiracao"], 86400)
            self.assertEqual(psp.charges[cob_txid]["kind"], "cob")
            with self.assertRaises(api_pix.PixApiError) as caught:
                client.get_cob(txid)  # a cobv is not a cob
            self.assertEqual(caught.exception.status, 404)

    def test_invalid_body_is_refused_with_the_violations(self):
        with PspSimulator() as psp:
            body = api_pix.cob_body("key", 5)
            body["valor"]["original"] = "5"
            with self.assertRaises(api_pix.PixApiError) as caught:
                client_of(psp).put_cob(api_pix.new_txid(), body)
            self.assertEqual(caught.exception.status, 400)
            self.assertIn("valor.original", str(caught.exception))
            self.assertEqual(caught.exception.body["violacoes"][0]["propriedade"], "valor.original")
            self.assertEqual(psp.charges, {})

    def test_token_is_cached_and_renewed(self):
        with PspSimulator() as psp:
            cache = {}
            client = client_of(psp, token_cache=cache)
            client.put_cob(api_pix.new_txid(), api_pix.cob_body("key", 5))
            client_of(psp, token_cache=cache).put_cob(api_pix.new_txid(), api_pix.cob_body("key", 5))
            self.assertEqual([r["path"] for r in psp.requests].count("/oauth/token"), 1)
            psp.tokens.clear()  # the PSP forgot the token: 401, a new token, the call again
            client.put_cob(api_pix.new_txid(), api_pix.cob_body("key", 5))
            self.assertEqual([r["path"] for r in psp.requests].count("/oauth/token"), 2)
            self.assertEqual(len(psp.charges), 3)

    def test_token_request_as_json_with_a_scope(self):
        with PspSimulator() as psp:
            client_of(psp, token_json=True, scope="cob.write").token()
            self.assertEqual(
                json.loads(psp.requests[0]["body"]), {"grant_type": "client_credentials", "scope": "cob.write"}
            )

    def test_token_request_with_the_credentials_in_the_form(self):
        with PspSimulator() as psp:
            client_of(psp, credentials_in_body=True).token()
            [request] = psp.requests
            self.assertNotIn("Authorization", request["headers"])
            self.assertIn(f"client_id={psp.client_id}", request["body"])
            self.assertIn("grant_type=client_credentials", request["body"])

    def test_wrong_credentials_and_unreachable(self):
        with PspSimulator() as psp:
            bad = api_pix.PixApiClient(psp.url, psp.token_url, psp.client_id, "wrong")
            with self.assertRaises(api_pix.PixApiError) as caught:
                bad.get_pix("E12345678202612071030abcdefghijk")
            self.assertEqual(caught.exception.status, 401)
            self.assertNotIn("wrong", str(caught.exception))
            psp.down = True
            with self.assertRaises(api_pix.PixApiError) as caught:
                client_of(psp).token()
            self.assertEqual(caught.exception.status, 503)
            psp.down = "refused"
            with self.assertRaises(api_pix.PixApiError) as caught:
                client_of(psp).token()
            self.assertIsNone(caught.exception.status)
            url, token_url = psp.url, psp.token_url
        with self.assertRaises(api_pix.PixApiError) as caught:
            api_pix.PixApiClient(url, token_url, "id", "secret", timeout=2).token()
        self.assertIsNone(caught.exception.status)
        self.assertIn("could not be reached", str(caught.exception))

    def test_received_pix_listing_webhook_and_refund(self):
        with PspSimulator(page_size=2) as psp:
            client = client_of(psp)
            txids = [api_pix.new_txid() for _index in range(3)]
            for txid in txids:
                client.put_cob(txid, api_pix.cob_body("key@example.com", 10))
            e2eids = [psp.pay(txid) for txid in txids]
            self.assertEqual(psp.charges[txids[0]]["status"], "CONCLUIDA")
            start, end = datetime.utcnow() - timedelta(hours=1), datetime.utcnow() + timedelta(hours=1)
            first, second = client.list_pix(start, end), client.list_pix(start, end, page=1)
            self.assertEqual(first["parametros"]["paginacao"]["quantidadeTotalDeItens"], 3)
            self.assertEqual(len(first["pix"]) + len(second["pix"]), 3)
            self.assertEqual(client.list_pix(end, end + timedelta(hours=1))["pix"], [])
            self.assertEqual(api_pix.parse_pix(client.get_pix(e2eids[0]))["amount"], Decimal("10.00"))
            refund = client.refund(e2eids[0], "refund1", 4)
            self.assertEqual((refund["valor"], refund["status"]), ("4.00", "DEVOLVIDO"))
            self.assertEqual(client.refund(e2eids[0], "refund1", 4)["id"], "refund1")  # idempotent on the id
            with self.assertRaises(api_pix.PixApiError):
                client.refund(e2eids[0], "refund2", 7)  # more than what is left
            self.assertEqual(len(api_pix.parse_pix(client.get_pix(e2eids[0]))["refunds"]), 1)
            self.assertEqual(
                client.put_webhook("key@example.com", "http://127.0.0.1:1/hook")["chave"], "key@example.com"
            )
            self.assertEqual(psp.webhooks, {"key@example.com": "http://127.0.0.1:1/hook"})

    def test_pay_notifies_the_registered_webhook(self):
        with PspSimulator() as psp, PspSimulator() as receiver:
            # The second simulator stands for the receiving server: its request log shows the POST.
            client = client_of(psp)
            client.put_webhook("key@example.com", receiver.origin + "/hook")
            txid = api_pix.new_txid()
            client.put_cob(txid, api_pix.cob_body("key@example.com", 12.34))
            e2eid = psp.pay(txid)
            [posted] = receiver.requests
            self.assertEqual((posted["method"], posted["path"]), ("POST", "/hook/pix"))
            [item] = api_pix.parse_notification(posted["body"])
            self.assertEqual((item["end_to_end_id"], item["txid"], item["amount"]), (e2eid, txid, Decimal("12.34")))
            psp.refund_received(e2eid, 2)
            self.assertEqual(len(api_pix.parse_notification(receiver.requests[1]["body"])[0]["refunds"]), 1)
            client.refund(e2eid, "apirefund", 1)
            self.assertEqual(len(receiver.requests), 2)  # notified when the test says so
            psp.flush_notifications()
            self.assertEqual(len(api_pix.parse_notification(receiver.requests[2]["body"])[0]["refunds"]), 2)
            self.assertEqual(len(psp.notifications), 3)

    def test_mutual_tls(self):
        with PspSimulator(tls=True) as psp:
            for cert in (psp.client_pem_path, (psp.client_cert_path, psp.client_key_path)):
                client = client_of(psp, cert=cert, verify=psp.ca_path)
                self.assertEqual(client.put_cob(api_pix.new_txid(), api_pix.cob_body("key", 1))["status"], "ATIVA")
            without = client_of(psp, verify=psp.ca_path)
            with self.assertRaises(api_pix.PixApiError) as caught:
                without.token()
            self.assertIsNone(caught.exception.status)
            with self.assertRaises(requests.RequestException):
                requests.get(psp.url + "/pix", verify=psp.ca_path, timeout=5)


@tagged("post_install", "-at_install")
class TestCertificate(BaseCase):
    def test_pem_bundle_of_the_formats_psps_hand_out(self):
        with PspSimulator(tls=True) as psp:
            with open(psp.client_cert_path, "rb") as cert_file, open(psp.client_key_path, "rb") as key_file:
                cert, key = cert_file.read(), key_file.read()
            from_p12 = pem_bundle(psp.client_p12)
            self.assertEqual(from_p12, pem_bundle(cert, key))
            self.assertEqual(from_p12, pem_bundle(psp.client_pem))
            self.assertTrue(from_p12.startswith(b"-----BEGIN CERTIFICATE-----"))
            self.assertIn(b"PRIVATE KEY", from_p12)
            with self.assertRaisesRegex(ValueError, "private key is missing"):
                pem_bundle(cert)
            with open(psp.ca_path, "rb") as ca_file, self.assertRaisesRegex(ValueError, "does not belong"):
                pem_bundle(ca_file.read(), key)
            with self.assertRaisesRegex(ValueError, "neither PEM nor PKCS#12"):
                pem_bundle(b"junk")
            with self.assertRaisesRegex(ValueError, "no valid certificate"):
                pem_bundle(b"-----BEGIN CERTIFICATE-----\njunk\n-----END CERTIFICATE-----\n")
