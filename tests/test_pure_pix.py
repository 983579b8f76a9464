"""PIX BR Code: payload format, merchant account, amount and CRC16, without a database."""

from decimal import Decimal

from odoo.tests import tagged

from ..tools import pix
from .common import PureCase


@tagged("post_install", "-at_install")
class TestPix(PureCase):
    def test_crc16_known_value(self):
        # CRC-16/CCITT-FALSE check value of "123456789".
        self.assertEqual(pix.crc16("123456789"), "29B1")

    def test_reference_payload_of_the_central_bank(self):
        # Example of the BR Code manual (key 123e4567-e12b-12d1-a456-426655440000, no amount).
        payload = (
            "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
            "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
        )
        self.assertEqual(pix.validate(payload), [])
        self.assertEqual(pix.crc16(payload[:-4]), "1D3D")

    def test_built_payload_is_valid(self):
        payload = pix.build_payload("maria@example.com", "Cobrança São José Ltda", "São Paulo", 1234.5, "INV/2026/0001")
        self.assertEqual(pix.validate(payload), [])
        fields = pix.parse(payload)
        self.assertEqual(pix.parse(fields["26"]), {"00": "br.gov.bcb.pix", "01": "maria@example.com"})
        self.assertEqual(fields["54"], "1234.50")
        self.assertEqual(pix.amount_of(payload), Decimal("1234.50"))
        self.assertEqual(fields["59"], "COBRANCA SAO JOSE LTDA")
        self.assertEqual(fields["60"], "SAO PAULO")
        self.assertEqual(pix.parse(fields["62"]), {"05": "INV20260001"})
        self.assertTrue(payload.startswith("000201"))

    def test_without_amount_the_payer_types_it(self):
        payload = pix.build_payload("+5511999998888", "Acme", "Recife")
        self.assertNotIn("54", pix.parse(payload))
        self.assertIsNone(pix.amount_of(payload))
        self.assertEqual(pix.validate(payload), [])

    def test_tampering_is_detected(self):
        payload = pix.build_payload("maria@example.com", "Acme", "Recife", 100)
        forged = payload.replace("5406100.00", "5406999.00")
        self.assertIn("wrong CRC16", pix.validate(forged))
        self.assertTrue(pix.validate(payload[:-6]))
        other = "000201" + pix._tlv("26", pix._tlv("00", "br.gov.bcb.xxx") + pix._tlv("01", "k")) + "5303986"
        other += "5802BR5901A6001B6304"
        self.assertIn("merchant account br.gov.bcb.pix with a key missing", pix.validate(other + pix.crc16(other)))

    def test_only_ascii_digits_give_a_field_size(self):
        for payload in ("00\u0660\u0662ab", "00\u00b2ab", "00 2ab"):
            with self.assertRaises(ValueError, msg=payload):
                pix.parse(payload)
        self.assertEqual(pix.parse("0002ab"), {"00": "ab"})

    def test_key_is_required(self):
        with self.assertRaises(ValueError):
            pix.build_payload("", "Acme", "Recife", 10)
