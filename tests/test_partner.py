import importlib.util
from pathlib import Path

from odoo.tests import Form, tagged

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

    def test_numbers_with_letters_are_flagged_never_turned_into_digits(self):
        """phonenumbers reads letters as keypad digits, and Odoo's form formats what is typed:
        "11 9ABC-DEFG" became +55 11 99222-3334, a valid mobile, somebody else's."""
        self.company.country_id = self.env.ref("base.br")
        for typed in ("11 9ABC-DEFG", "0800-FLOWERS", "+55 11 9ABCD-1234"):
            with self.subTest(typed=typed):
                form = Form(self.env["res.partner"])
                form.name = "Vanity"
                form.country_id = self.env.ref("base.br")
                with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
                    form.mobile = typed
                self.assertIn(f"“{typed}” has letters, and a phone number has digits only.", logs.output[0])
                self.assertEqual(form.mobile, typed, "kept as typed, never reformatted into digits")
                partner = form.save()
                self.assertEqual(partner.mobile, typed)
                self.assertFalse(partner.recovery_mobile_valid or partner.recovery_mobile_e164)
                self.assertFalse(partner.recovery_best_phone or partner.recovery_has_mobile)
                self.assertTrue(partner.recovery_invalid_phone and partner.recovery_no_valid_phone)
                self.assertFalse(partner._recovery_sms_number() or partner._recovery_whatsapp_number())
                self.assertFalse(partner._phone_format(fname="mobile"), "no SMS of Odoo's to it either")
                self.assertEqual(
                    partner.recovery_phone_problem,
                    f"Mobile: “{typed}” has letters, and a phone number has digits only. Type the area code "
                    "and the number, digits only, e.g. (11) 96123-4567.",
                )

    def test_phone_problem_says_what_to_type(self):
        self.company.country_id = self.env.ref("base.br")
        partner = self.env["res.partner"].create(
            {"name": "Duas Linhas", "country_id": self.env.ref("base.br").id, "phone": "(11) 1234", "mobile": "11 9ABC"}
        )
        self.assertEqual(
            partner.recovery_phone_problem.split("\n"),
            [
                "Phone: “(11) 1234” is not a valid phone number. Type the area code and the number, digits only, "
                "e.g. (11) 96123-4567.",
                "Mobile: “11 9ABC” has letters, and a phone number has digits only. Type the area code and the "
                "number, digits only, e.g. (11) 96123-4567.",
            ],
        )
        partner.write({"phone": "(11) 3456-7890", "mobile": False})
        self.assertFalse(partner.recovery_phone_problem)
        self.assertFalse(partner.recovery_has_mobile, "a landline is no mobile for WhatsApp and SMS")
        partner.mobile = "(11) 98765-4321"
        self.assertTrue(partner.recovery_has_mobile)

    def test_upgrade_recomputes_numbers_stored_from_letters(self):
        """Release 18.0.1.3.0 stored "+55 11 9ABCD-1234" as a valid mobile: the upgrade flags it."""
        partner = self.env["res.partner"].create(
            {"name": "Antes", "country_id": self.env.ref("base.br").id, "mobile": "+55 11 9ABCD-1234"}
        )
        untouched = self.env["res.partner"].create(
            {"name": "Certo", "country_id": self.env.ref("base.br").id, "mobile": "(11) 98765-4321"}
        )
        self.env.flush_all()
        # As the previous release computed and stored them.
        self.env.cr.execute(
            """UPDATE res_partner SET recovery_mobile_e164 = '+5511922231234', recovery_mobile_valid = TRUE,
                      recovery_mobile_type = 'mobile', recovery_best_phone = '+5511922231234',
                      recovery_invalid_phone = FALSE, recovery_no_valid_phone = FALSE, write_uid = 1
                WHERE id = %s""",
            [partner.id],
        )
        self.env.invalidate_all()
        self.assertEqual(partner._recovery_sms_number(), "+5511922231234")
        path = Path(__file__).parent.parent / "migrations" / "18.0.1.4.0" / "post-recovery_phones.py"
        spec = importlib.util.spec_from_file_location("post_recovery_phones", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.3.0")
        self.env.invalidate_all()
        self.assertEqual(partner.mobile, "+55 11 9ABCD-1234", "the number is kept as it was typed")
        self.assertFalse(partner.recovery_mobile_valid or partner.recovery_best_phone or partner._recovery_sms_number())
        self.assertTrue(partner.recovery_invalid_phone and partner.recovery_no_valid_phone)
        self.assertEqual(untouched.recovery_best_phone, "+5511987654321")
