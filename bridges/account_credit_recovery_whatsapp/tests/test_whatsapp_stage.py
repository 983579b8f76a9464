"""WhatsApp Business as a stage channel: the stage's approved template goes out with the collection
message (its variables read on the message), through the gateway's account, to a simulated Graph API
on loopback; Meta's statuses, posted to Odoo's real webhook route, update the contact log."""

from datetime import datetime, timedelta

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import NOTICE_DAY, WhatsappCommon
from .graph_simulator import notification, status


@tagged("post_install", "-at_install")
class TestWhatsappStage(WhatsappCommon):
    def deliver_and_send(self):
        dispatch = self.run_and_deliver()
        self.send_queued()
        return dispatch, dispatch.whatsapp_message_ids

    def epoch(self, moment):
        return int((moment - datetime(1970, 1, 1)).total_seconds())

    def test_stage_template_sent_with_the_right_variables(self):
        dispatch = self.run_and_deliver()
        self.assertEqual(dispatch.state, "sent")
        self.assertEqual((dispatch.email_sent, dispatch.whatsapp_sent), (1, 1))
        message = dispatch.whatsapp_message_ids
        self.assertEqual(message.state, "queued", "queued by the delivery, sent by the send cron")
        self.assertFalse(self.graph.sent)
        log = message.contact_id
        self.assertRecordValues(
            log,
            [
                {
                    "channel": "whatsapp",
                    "direction": "outbound",
                    "is_automatic": True,
                    "delivery_state": "sent",
                    "dispatch_id": dispatch.id,
                    "phone_number": "+" + self.number,
                }
            ],
        )
        self.assertTrue(log.evidence_hash, "sealed as the e-mail's and the SMS's logs")
        self.assertIn("Olá, Maria.", log.notes)
        self.assertEqual(dispatch.preview_whatsapp, message.body, "the preview is the text sent")
        self.send_queued()
        self.assertEqual(len(self.graph.sent), 1)
        sent = self.graph.sent[0]
        self.assertEqual(sent["to"], self.number)
        self.assertEqual(sent["template"]["name"], self.template.template_name)
        self.assertEqual(sent["template"]["language"], {"code": "pt_BR"})
        amount = dispatch.amount_claimed
        self.assertGreater(amount, 1000.0, "the claimed amount: principal, late fine and interest")
        self.assertEqual(
            self.graph.template_parameters(sent),
            [
                "Maria",
                f"R$\xa0{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", "."),
                dispatch.portal_url,
                dispatch.portal_pix_code,
                "company_1_data – CNPJ 11222333000181",
            ],
        )
        self.assertIn(f"/c/{self.debtor_token()}", dispatch.portal_url)
        self.assertTrue(dispatch.portal_pix_code.startswith("000201"))
        self.assertRecordValues(message, [{"state": "sent", "wamid": sent["wamid"]}])
        self.assertIn(f"{amount:.2f}".replace(".", ",")[-3:], message.body)

    def debtor_token(self):
        return self.env["credit.recovery.portal.token"].search([("partner_id", "=", self.customer.id)], limit=1).token

    def test_statuses_update_the_log(self):
        dispatch, message = self.deliver_and_send()
        log = message.contact_id
        debtor = dispatch.debtor_id
        when = self.epoch(NOTICE_DAY)
        self.webhook(notification("x", statuses=[status(message.wamid, "delivered", self.number, when + 5)]))
        self.assertEqual((message.state, log.delivery_state), ("delivered", "delivered"))
        history = self.env["credit.recovery.worklist"]._score_history(debtor.ids, NOTICE_DAY)
        self.assertFalse(history[debtor.id][2], "delivered is not read: the debtor is not known to be reached")
        self.webhook(notification("x", statuses=[status(message.wamid, "read", self.number, when + 60)]))
        self.assertEqual((message.state, log.delivery_state), ("read", "read"))
        self.assertEqual(message.status_at, NOTICE_DAY + timedelta(seconds=60))
        # A late "sent" never takes it back.
        self.webhook(notification("x", statuses=[status(message.wamid, "sent", self.number, when + 1)]))
        self.assertEqual((message.state, log.delivery_state), ("read", "read"))
        self.assertFalse(log._get_tampered(), "a status is no change of the sealed content")
        # Read is a right-party signal: Contact now and the contact rate count it.
        history = self.env["credit.recovery.worklist"]._score_history(debtor.ids, NOTICE_DAY)
        self.assertTrue(history[debtor.id][2])
        rates = self.env["credit.recovery.kpi"]._contact_rates(
            self.company.id, NOTICE_DAY.date() - timedelta(days=1), NOTICE_DAY.date() + timedelta(days=1), None
        )
        self.assertEqual(rates["right_party_contact_rate"], 100.0)

    def test_failed_status_keeps_metas_code_and_flags_the_number(self):
        _dispatch, message = self.deliver_and_send()
        log = message.contact_id
        self.webhook(
            notification(
                "x",
                statuses=[
                    status(
                        message.wamid,
                        "failed",
                        self.number,
                        self.epoch(NOTICE_DAY) + 5,
                        error=(131026, "Message undeliverable", "Recipient is not a WhatsApp user"),
                    )
                ],
            )
        )
        self.assertEqual((message.state, message.error_code), ("failed", "131026"))
        self.assertEqual(log.delivery_state, "failed")
        self.assertIn("131026", log.delivery_failure)
        self.assertTrue(self.customer.recovery_whatsapp_failed)
        self.assertFalse(self.customer.recovery_sms_failed, "WhatsApp's failure is not the SMS's")
        # A new number deserves a new try.
        self.customer.mobile = "+55 11 98888-7777"
        self.assertFalse(self.customer.recovery_whatsapp_failed)

    def test_failed_number_is_left_out_of_the_next_message(self):
        self.customer.recovery_whatsapp_failed = True
        dispatch = self.run_and_deliver()
        self.assertEqual(dispatch.state, "sent")
        self.assertEqual((dispatch.email_sent, dispatch.whatsapp_sent), (1, 0))
        self.assertFalse(dispatch.whatsapp_message_ids)
        self.assertIn("WhatsApp: no valid mobile number", dispatch.note)

    def test_forged_webhook_changes_nothing(self):
        _dispatch, message = self.deliver_and_send()
        log = message.contact_id
        with mute_logger("odoo.addons.mail_gateway.controllers.gateway"):
            self.webhook(
                notification("x", statuses=[status(message.wamid, "read", self.number, self.epoch(NOTICE_DAY))]),
                forged=True,
            )
        self.assertEqual((message.state, log.delivery_state), ("sent", "sent"))

    def test_malformed_webhook_is_answered_and_ignored(self):
        _dispatch, message = self.deliver_and_send()
        with mute_logger(
            "odoo.addons.account_credit_recovery_whatsapp.models.mail_gateway_whatsapp",
            "odoo.addons.mail_gateway.controllers.gateway",
        ):
            self.webhook({"entry": "not a list"})
            self.webhook({"entry": [{"changes": [{"field": "messages", "value": {"statuses": [{"id": 5}, "x"]}}]}]})
            self.webhook(
                notification("x", statuses=[{"id": message.wamid, "status": "seen-by-aliens", "timestamp": "soon"}])
            )
        self.assertEqual(message.state, "sent")

    def test_graph_refusal_keeps_its_code(self):
        self.graph.fail_numbers[self.number] = (131030, "Recipient phone number not in allowed list")
        _dispatch, message = self.deliver_and_send()
        self.assertEqual((message.state, message.error_code), ("failed", "131030"))
        self.assertEqual(message.contact_id.delivery_state, "failed")
        self.assertTrue(self.customer.recovery_whatsapp_failed)

    def test_opt_out_leaves_whatsapp_out_of_the_message(self):
        self.customer.recovery_optout_whatsapp = True
        dispatch = self.run_and_deliver()
        self.assertEqual((dispatch.state, dispatch.email_sent, dispatch.whatsapp_sent), ("sent", 1, 0))
        self.assertIn("WhatsApp: the customer refused", dispatch.note)
        self.send_queued()
        self.assertFalse(self.graph.sent)

    def test_a_whatsapp_only_stage_sends_the_message(self):
        self.policy.stage_ids.write({"mail_template_id": False, "sms_template_id": False, "activity_type_id": False})
        dispatch = self.run_and_deliver()
        self.assertEqual((dispatch.state, dispatch.whatsapp_sent), ("sent", 1))
        self.assertEqual(dispatch.contact_ids.mapped("channel"), ["whatsapp"])

    def test_not_approved_template_is_not_sent(self):
        self.template.state = "pending"
        dispatch = self.run_and_deliver()
        self.assertEqual(dispatch.whatsapp_sent, 0)
        self.assertIn("not approved by Meta", dispatch.note)

    def test_send_cron_sends_the_queue(self):
        self.run_and_deliver()
        cron = self.env.ref("account_credit_recovery_whatsapp.ir_cron_send_whatsapp_messages")
        cron.method_direct_trigger()
        self.assertEqual(len(self.graph.sent), 1)
