"""The debtor's WhatsApp messages, posted by the simulated Meta to Odoo's real webhook route, become
sealed inbound contacts on the debtor; "PARAR" stops the channel; the agent answers on WhatsApp in
free text only inside Meta's 24-hour window."""

import time
from datetime import datetime

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PHONE_NUMBER_ID, WhatsappCommon
from .graph_simulator import notification, text_message

LATER_DAY = datetime(2026, 3, 17, 13, 0)  # a week after the notice, a Tuesday: the next stage


@tagged("post_install", "-at_install")
class TestWhatsappInbound(WhatsappCommon):
    def reply(self, wamid, text, context_id=None, sender=None, at=None):
        moment = int(at if at is not None else time.time()) - 5
        self.webhook(
            notification(
                PHONE_NUMBER_ID, messages=[text_message(wamid, sender or self.number, text, moment, context_id)]
            )
        )

    def inbound_logs(self):
        return self.env["credit.recovery.contact"].search(
            [("partner_id", "=", self.customer.id), ("direction", "=", "inbound")]
        )

    def test_reply_becomes_a_sealed_inbound_log_with_an_activity(self):
        dispatch = self.run_and_deliver()
        self.send_queued()
        outbound = dispatch.whatsapp_message_ids
        self.reply("wamid.IN1", "Paguei ontem <b>pelo PIX</b>", context_id=outbound.wamid)
        log = self.inbound_logs()
        self.assertRecordValues(
            log,
            [
                {
                    "channel": "whatsapp",
                    "direction": "inbound",
                    "external_id": "wamid.IN1",
                    "notes": "Paguei ontem <b>pelo PIX</b>",  # plain text, as typed
                    "debtor_id": dispatch.debtor_id.id,
                    "reply_to_id": outbound.contact_id.id,
                    "state": "logged",
                }
            ],
        )
        self.assertTrue(log.evidence_hash, "sealed")
        activity = dispatch.debtor_id.activity_ids.filtered(
            lambda activity: (
                activity.activity_type_id == self.env.ref("account_credit_recovery.mail_activity_type_recovery_reply")
            )
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("&lt;b&gt;", str(activity.note), "the public's text is escaped, never HTML")
        self.assertIn(log, dispatch.debtor_id.conversation_ids)

    def test_the_same_webhook_twice_records_one_reply(self):
        self.run_and_deliver()
        self.reply("wamid.TWICE", "Só consigo dia 10")
        self.reply("wamid.TWICE", "Só consigo dia 10")
        self.assertEqual(len(self.inbound_logs()), 1)

    def test_a_stranger_is_no_debtors_contact(self):
        self.run_and_deliver()
        self.reply("wamid.STRANGER", "Oi", sender="5521999990000")
        self.assertFalse(self.env["credit.recovery.contact"].search([("external_id", "=", "wamid.STRANGER")]))

    def test_parar_opts_out_and_no_later_message_goes_on_whatsapp(self):
        self.run_and_deliver()
        self.send_queued()
        self.assertEqual(len(self.graph.sent), 1)
        self.reply("wamid.STOP", "PARAR")
        self.assertTrue(self.customer.recovery_optout_whatsapp)
        confirmation = self.graph.sent[-1]
        self.assertEqual((confirmation["type"], confirmation["to"]), ("text", self.number))
        self.assertIn("WhatsApp", confirmation["text"]["body"])
        self.assertTrue(self.inbound_logs().is_stop_request)
        sent_before = len(self.graph.sent)
        dispatch = self.run_and_deliver(LATER_DAY).sorted("id")[-1]
        self.assertNotEqual(dispatch.stage_id, self.stage_notice, "a later stage's message")
        self.assertEqual((dispatch.state, dispatch.email_sent, dispatch.whatsapp_sent), ("sent", 1, 0))
        self.assertIn("WhatsApp: the customer refused", dispatch.note)
        self.send_queued()
        self.assertEqual(len(self.graph.sent), sent_before, "nothing more on WhatsApp")

    def test_agent_answers_in_free_text_inside_the_24_hour_window(self):
        self.run_and_deliver()
        self.reply("wamid.Q", "Posso parcelar?")
        debtor = self.inbound_logs().debtor_id
        log = debtor.with_user(self.manager)._recovery_send_reply("whatsapp", "Sim, em até 3x pelo seu link.")
        sent = self.graph.sent[-1]
        self.assertEqual(sent["type"], "text")
        self.assertEqual(sent["text"]["body"], "Sim, em até 3x pelo seu link.")
        self.assertRecordValues(
            log, [{"channel": "whatsapp", "direction": "outbound", "delivery_state": "sent", "state": "logged"}]
        )
        self.assertEqual(log.whatsapp_message_ids.wamid, sent["wamid"])

    def test_agent_cannot_send_free_text_outside_the_24_hour_window(self):
        self.run_and_deliver()
        self.reply("wamid.OLD", "Vou ver", at=time.time() - 3 * 24 * 3600)
        debtor = self.inbound_logs().debtor_id
        sent_before = len(self.graph.sent)
        with self.assertRaisesText(UserError, "24 hours"):
            debtor.with_user(self.manager)._recovery_send_reply("whatsapp", "Alguma novidade?")
        self.assertEqual(len(self.graph.sent), sent_before)
        self.assertLess(debtor.whatsapp_window_until, fields.Datetime.now())
