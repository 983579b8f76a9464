from datetime import date, datetime
from urllib.parse import unquote_plus

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon

MONDAY_10H_SP = datetime(2026, 11, 23, 13, 0)
SUNDAY_10H_SP = datetime(2026, 11, 22, 13, 0)


@tagged("post_install", "-at_install")
class TestPortalLink(CreditRecoveryCommon):
    """The personal link on the debtor form: created on demand, copied, sent by e-mail, SMS or
    WhatsApp as a manual contact (opt-outs, window and caps first, then a sealed log)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321", "email": "maria@example.com"})
        cls.invoice = cls.create_invoice(500.0, date(2026, 9, 9), date(2026, 10, 9))
        with cls.on(date(2026, 11, 23)):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.invoice.recovery_debtor_id

    def links(self):
        return self.env["credit.recovery.portal.token"].sudo().search([("debtor_id", "=", self.debtor.id)])

    @freeze_time(MONDAY_10H_SP)
    def test_no_link_until_asked_then_created_and_copied(self):
        debtor = self.debtor.with_user(self.agent)
        form = Form(debtor)
        self.assertFalse(form.portal_link_url, "opening the form creates no link")
        self.assertFalse(self.links())
        self.assertFalse(debtor.portal_visit_ids)
        debtor.action_portal_create_link()
        link = self.links()
        self.assertEqual(len(link), 1)
        self.assertTrue(debtor.portal_link_url.endswith("/c/" + link.token))
        self.assertIn("Personal link of the self-service page created", debtor.message_ids[0].body)
        debtor.action_portal_create_link()
        self.assertEqual(self.links(), link, "one active link per debtor")
        arch = self.env["credit.recovery.debtor"].get_view(view_type="form")["arch"]
        self.assertIn('widget="CopyClipboardChar"', arch)
        self.assertIn("No visit yet", arch)

    @freeze_time(MONDAY_10H_SP)
    def test_send_by_email_is_a_sealed_contact(self):
        debtor = self.debtor.with_user(self.agent)
        result = debtor.action_portal_send_email()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("maria@example.com", result["params"]["message"])
        link = self.links()
        contact = self.env["credit.recovery.contact"].search([("debtor_id", "=", self.debtor.id)])
        self.assertEqual((contact.channel, contact.direction, contact.state), ("email", "outbound", "logged"))
        self.assertEqual(contact.user_id, self.agent)
        self.assertTrue(contact.evidence_hash, "sealed as evidence")
        self.assertIn(link.url, contact.notes)
        self.assertEqual(contact.delivery_state, "sent")
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", contact.message_id.id)])
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn(link.url, mail.body_html)
        self.assertNotIn("500", contact.notes, "no amount in the link message")
        # The day's cap (one contact per day) is reached: the next send is refused before it goes out.
        with self.assertRaisesText(UserError, "per day"):
            debtor.action_portal_send_sms()
        self.assertFalse(self.env["sms.sms"].sudo().search([("partner_id", "=", self.customer.id)]))

    @freeze_time(MONDAY_10H_SP)
    def test_send_by_sms(self):
        self.debtor.with_user(self.agent).action_portal_send_sms()
        sms = self.env["sms.sms"].sudo().search([("partner_id", "=", self.customer.id)])
        self.assertEqual(sms.number, "+5511987654321")
        self.assertIn(self.links().url, sms.body)
        contact = self.env["credit.recovery.contact"].search([("debtor_id", "=", self.debtor.id)])
        self.assertEqual((contact.channel, contact.state, contact.phone_number), ("sms", "logged", "+5511987654321"))
        self.assertTrue(contact.evidence_hash)

    @freeze_time(MONDAY_10H_SP)
    def test_send_by_whatsapp_opens_click_to_chat_awaiting_the_outcome(self):
        action = self.debtor.with_user(self.agent).action_portal_send_whatsapp()
        self.assertTrue(action["url"].startswith("https://wa.me/5511987654321?text="))
        self.assertIn(self.links().url, unquote_plus(action["url"]))
        contact = self.env["credit.recovery.contact"].browse(action["contact_id"])
        self.assertEqual((contact.channel, contact.state), ("whatsapp", "draft"))

    @freeze_time(MONDAY_10H_SP)
    def test_opt_outs_and_missing_addresses_refuse_with_what_to_do(self):
        debtor = self.debtor.with_user(self.agent)
        self.customer.recovery_optout_email = True
        with self.assertRaisesText(UserError, "refused contacts by Email"):
            debtor.action_portal_send_email()
        self.customer.write({"recovery_optout_email": False, "recovery_do_not_contact": True})
        with self.assertRaisesText(UserError, "asked not to be contacted"):
            debtor.action_portal_send_sms()
        self.assertTrue(self.debtor.portal_can_email and self.debtor.portal_can_text)
        self.customer.write({"recovery_do_not_contact": False, "mobile": False, "email": False})
        self.assertFalse(self.debtor.portal_can_email or self.debtor.portal_can_text, "the buttons are hidden")
        with self.assertRaisesText(UserError, "no valid mobile number"):
            debtor.action_portal_send_whatsapp()
        with self.assertRaisesText(UserError, "no working e-mail address"):
            debtor.action_portal_send_email()
        self.assertFalse(self.env["credit.recovery.contact"].search([("debtor_id", "=", self.debtor.id)]))

    @freeze_time(SUNDAY_10H_SP)
    def test_outside_the_contact_window_nothing_goes_out(self):
        with self.assertRaisesText(UserError, "cannot be contacted now"):
            self.debtor.with_user(self.agent).action_portal_send_email()
        self.assertFalse(self.env["mail.mail"].sudo().search([("recipient_ids", "in", self.customer.ids)]))
