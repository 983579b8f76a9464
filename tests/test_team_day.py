from datetime import date, datetime

from freezegun import freeze_time
from lxml import etree

from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import CreditRecoveryCommon

MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)  # 09:00 in São Paulo


@tagged("post_install", "-at_install")
class TestTeamDay(CreditRecoveryCommon):
    """The small things an agent trips over: phones, wrong numbers, confirmations, the playbook, time zones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.country_id = cls.env.ref("base.br")
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 61 99234-5678"})
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 1), date(2026, 10, 1))
        with cls.on(date(2026, 11, 23)):
            cls.env["account.move"]._cron_refresh_recovery_state()

    def test_phone_shown_nationally_with_e164_for_links(self):
        debtor = self.invoice.recovery_debtor_id
        self.assertEqual(debtor.phone, "+5561992345678")
        self.assertEqual(debtor.phone_display, "(61) 99234-5678")
        self.assertIn('href="tel:+5561992345678"', debtor.phone_link)
        self.assertIn("(61) 99234-5678", debtor.phone_link)

    @freeze_time(MONDAY_9H_SP)
    def test_wrong_number_outcome_flags_the_number_and_saving_confirms(self):
        action = self.invoice.with_user(self.agent).action_recovery_log_contact()
        form = Form(self.env["credit.recovery.contact"].with_user(self.agent).with_context(**action["context"]))
        form.outcome_id = self.env.ref("account_credit_recovery.outcome_wrong_number")
        contact = form.save()
        result = contact.action_save_log()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("Maria Silva", result["params"]["message"])
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertEqual(self.customer.recovery_wrong_number, "+5561992345678")
        self.assertIn("(61) 99234-5678 is a wrong number", contact.debtor_id.message_ids[:1].body)
        self.customer.mobile = "+55 61 99234-0000"
        self.assertFalse(self.customer.recovery_wrong_number, "a new number deserves a new try")

    @freeze_time(MONDAY_9H_SP)
    def test_playbook_in_the_log_contact_form_and_the_negotiation(self):
        stage = self.invoice.recovery_stage_id
        stage.write({"playbook_opening": "Confirm you speak with the debtor", "playbook_never_say": "No threats"})
        reason = self.env.ref("account_credit_recovery.reason_income_loss")
        action = self.invoice.with_user(self.agent).action_recovery_log_contact()
        form = Form(self.env["credit.recovery.contact"].with_user(self.agent).with_context(**action["context"]))
        self.assertIn("Confirm you speak with the debtor", form.playbook_html)
        self.assertIn("No threats", form.playbook_html)
        self.assertIn("3× without interest", form.playbook_html, "the prepared proposals of the debtor's profile")
        form.reason_id = reason
        self.assertIn(reason.playbook_questions, form.playbook_html)
        # The dialog shows the playbook while the log is written, not on a recorded log.
        arch = etree.fromstring(self.env["credit.recovery.contact"].get_view(view_type="form")["arch"])
        invisible = arch.xpath("//details[.//field[@name='playbook_html']]")[0].get("invisible")
        self.assertFalse(safe_eval(invisible, {"playbook_html": form.playbook_html, "id": False, "state": form.state}))
        self.assertTrue(safe_eval(invisible, {"playbook_html": form.playbook_html, "id": 7, "state": "logged"}))
        action = self.invoice.with_user(self.agent).action_recovery_negotiate()
        wizard = Form(self.env[action["res_model"]].with_user(self.agent).with_context(**action["context"]))
        self.assertIn("Confirm you speak with the debtor", wizard.playbook_html)

    def test_shipped_playbook(self):
        self.assertTrue(self.env.ref("account_credit_recovery.stage_notice").sudo().playbook_opening)
        self.assertTrue(self.stage_notice.playbook_opening, "the company's policy got the shipped playbook")
        self.assertTrue(self.env.ref("account_credit_recovery.reason_fraud").playbook_never_say)

    def test_open_invoice_from_the_debtor_opens_its_form(self):
        action = self.invoice.action_recovery_open_invoice()
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"]), ("account.move", self.invoice.id, "current")
        )

    def test_legal_stage_banner_hides_the_next_step(self):
        self.assertFalse(self.invoice.recovery_stage_is_legal)
        self.refresh_on(date(2027, 1, 15))
        self.assertEqual(self.invoice.recovery_stage_id, self.stage_legal)
        self.assertTrue(self.invoice.recovery_stage_is_legal)

    def test_time_zone_named_for_people(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._recovery_tz_label("America/Sao_Paulo"), "Brasilia Time")
        self.assertEqual(
            Partner.with_context(lang="pt_BR")._recovery_tz_label("America/Sao_Paulo"), "Horário de Brasília"
        )
        self.assertEqual(Partner._recovery_tz_label("Not/AZone"), "Not/AZone")
