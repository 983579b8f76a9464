from odoo.tests import tagged

from .common import CreditRecoveryCommon


@tagged("post_install", "-at_install")
class TestPartnerContactData(CreditRecoveryCommon):
    def test_brazilian_numbers_are_normalised(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Ana Souza",
                "country_id": self.env.ref("base.br").id,
                "phone": "(11) 3456-7890",
                "mobile": "11 98765-4321",
                "email": "ana@example.com",
                "street": "Rua Augusta, 100",
                "city": "São Paulo",
            }
        )
        self.assertEqual(partner.recovery_phone_e164, "+551134567890")
        self.assertEqual(partner.recovery_phone_type, "landline")
        self.assertEqual(partner.recovery_mobile_e164, "+5511987654321")
        self.assertEqual(partner.recovery_mobile_type, "mobile")
        self.assertEqual(partner.recovery_best_phone, "+5511987654321")
        self.assertFalse(partner.recovery_invalid_phone)
        self.assertFalse(partner.recovery_no_valid_phone or partner.recovery_no_email or partner.recovery_no_address)

    def test_invalid_numbers_are_flagged_not_fatal(self):
        partner = self.env["res.partner"].create(
            {"name": "Carlos", "country_id": self.env.ref("base.br").id, "phone": "12345", "mobile": "not a phone"}
        )
        self.assertFalse(partner.recovery_phone_valid or partner.recovery_mobile_valid)
        self.assertTrue(partner.recovery_invalid_phone)
        self.assertTrue(partner.recovery_no_valid_phone)
        self.assertTrue(partner.recovery_no_email)
        self.assertTrue(partner.recovery_no_address)
        self.assertFalse(partner.recovery_best_phone)
        partner.mobile = "+55 21 99876-5432"
        self.assertEqual(partner.recovery_best_phone, "+5521998765432")
        self.assertFalse(partner.recovery_no_valid_phone)
        self.assertTrue(partner.recovery_invalid_phone, "the junk landline is still flagged")

    def test_country_falls_back_to_the_company(self):
        self.company.country_id = self.env.ref("base.br")
        partner = self.env["res.partner"].create({"name": "Sem País", "mobile": "(31) 99123-4567"})
        self.assertEqual(partner.recovery_mobile_e164, "+5531991234567")
        foreign = self.env["res.partner"].create(
            {"name": "John", "country_id": self.env.ref("base.us").id, "phone": "+1 650-253-0000"}
        )
        self.assertEqual(foreign.recovery_phone_e164, "+16502530000")
        self.assertTrue(foreign.recovery_phone_valid)
