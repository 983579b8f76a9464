import re
from datetime import date

from odoo.tests import HttpCase, tagged

from ..models.credit_recovery_portal_message import PORTAL_MESSAGES_PER_DAY
from .common import CreditRecoveryCommon
from .test_portal_http import PortalHttpCommon


@tagged("post_install", "-at_install")
class TestInboundPortal(PortalHttpCommon):
    """ "Send a message" on the self-service page, over HTTP: a sealed inbound chat log, once."""

    def chat_logs(self):
        return self.env["credit.recovery.contact"].search(
            [("debtor_id", "=", self.debtor.id), ("channel", "=", "chat"), ("direction", "=", "inbound")]
        )

    def nonce(self, html):
        return re.search(r'name="nonce" value="([0-9a-f]{32})"', html).group(1)

    def test_message_from_the_page_is_a_sealed_inbound_log(self):
        html = self.open_page()
        self.assertIn("Send a message to our team", html)
        payload = "<script>alert(1)</script> Só consigo pagar dia 10"
        response = self.post("/message", {"text": payload, "nonce": self.nonce(html)}, html)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your message was sent to our team", response.text)
        log = self.chat_logs()
        self.assertEqual(len(log), 1)
        self.assertEqual(log.notes, payload, "kept as typed, plain text")
        self.assertEqual(len(log.evidence_hash), 64)
        self.assertEqual(log.suggested_meaning, "promise")
        activity = self.debtor.activity_ids.filtered(
            lambda activity: (
                activity.activity_type_id == self.env.ref("account_credit_recovery.mail_activity_type_recovery_reply")
            )
        )
        self.assertEqual(len(activity), 1)
        self.assertNotIn("<script", str(activity.note))
        # The same form sent twice (a double click) is one message.
        self.post("/message", {"text": payload, "nonce": self.nonce(html)}, html)
        self.assertEqual(len(self.chat_logs()), 1)

    def test_message_is_refused_without_csrf_too_long_or_too_often(self):
        html = self.open_page()
        response = self.url_open(f"{self.url}/message", data={"text": "oi"})
        self.assertEqual(response.status_code, 400, "no CSRF token: refused")
        response = self.post("/message", {"text": "x" * 1001}, html)
        self.assertIn("Your text is too long", response.text)
        response = self.post("/message", {"text": "   "}, html)
        self.assertIn("Type your message", response.text)
        self.assertFalse(self.chat_logs())
        for index in range(PORTAL_MESSAGES_PER_DAY):
            self.env["credit.recovery.portal"]._send_message(self.link, f"mensagem {index}")
        response = self.post("/message", {"text": "mais uma"}, html)
        self.assertIn("You have sent many messages today", response.text)
        self.assertEqual(len(self.chat_logs()), PORTAL_MESSAGES_PER_DAY)

    def test_message_needs_the_identity_check(self):
        html = self.open_page(verify=False)
        self.post("/message", {"text": "oi"}, html)
        self.assertFalse(self.chat_logs())


@tagged("post_install", "-at_install")
class TestConversationTour(CreditRecoveryCommon, HttpCase):
    """In Chromium: the agent reads the message in the debtor's conversation and records its promise."""

    def test_agent_records_the_promise_from_the_conversation(self):
        self.customer.tz = "America/Sao_Paulo"
        self.create_invoice(500.0, date(2026, 8, 2), date(2026, 9, 1))
        debtor = self.env["credit.recovery.debtor"].search([("partner_id", "=", self.customer.id)])
        debtor.sudo().user_id = self.agent
        log = debtor._recovery_receive_inbound("chat", "<b>Só</b> consigo dia 10", "tour-1")
        self.assertEqual(log.suggested_meaning, "promise")
        self.start_tour(
            f"/odoo/action-account_credit_recovery.action_credit_recovery_debtor/{debtor.id}",
            "credit_recovery_conversation_tour",
            login=self.agent.login,
        )
        promise = self.env["credit.recovery.promise"].search([("contact_id", "=", log.id)])
        self.assertEqual((promise.date, log.suggestion_state), (log.suggested_date, "accepted"))
