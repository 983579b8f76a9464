from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..tools.evidence import sha256_hex
from .common import CreditRecoveryCommon

# 2026-11-23 is a Monday. São Paulo is UTC-3: 12:00 UTC is 09:00 there, inside the contact window.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)

REPLY_EMAIL = """Return-Path: <maria@example.org>
To: {to}
From: Maria Silva <maria@example.org>
Subject: {subject}
Message-ID: {message_id}
{threading}Date: Mon, 23 Nov 2026 12:00:00 +0000
MIME-Version: 1.0
{headers}Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

{body}
"""


@tagged("post_install", "-at_install")
class TestInbound(CreditRecoveryCommon):
    """Messages the debtor sends, on any channel: sealed inbound logs, once each, with an
    activity, plain text everywhere, stop requests, the agent's replies and the suggestions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write(
            {"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321", "email": "maria@example.org", "lang": "en_US"}
        )
        cls.invoice = cls.create_invoice(800.0, date(2026, 9, 1), date(2026, 10, 1))
        debtor_ids = cls.env["credit.recovery.debtor"].sudo()._get_or_create({(cls.customer.id, cls.company.id)})
        cls.debtor = cls.env["credit.recovery.debtor"].browse(debtor_ids[cls.customer.id, cls.company.id])
        cls.debtor.sudo().user_id = cls.agent
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "collect.example.com", "catchall_alias": "catchall", "bounce_alias": "bounce"}
        )
        cls.company.alias_domain_id = cls.alias_domain

    def receive(self, text, external_id, channel="whatsapp", **kwargs):
        return self.debtor._recovery_receive_inbound(channel, text, external_id, **kwargs)

    def reply_activities(self):
        activity_type = self.env.ref("account_credit_recovery.mail_activity_type_recovery_reply")
        return self.debtor.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)

    @freeze_time(MONDAY_9H_SP)
    def test_inbound_message_is_a_sealed_log_recorded_once(self):
        log = self.receive(
            "Segue o comprovante",
            "wamid.HBgM1",
            attachments=[("recibo.pdf", b"%PDF-1.4 receipt", "application/pdf")],
            received_at=datetime(2026, 11, 23, 11, 58),
        )
        self.assertEqual((log.direction, log.channel, log.external_id), ("inbound", "whatsapp", "wamid.HBgM1"))
        self.assertEqual(log.debtor_id, self.debtor)
        self.assertEqual(log.date, datetime(2026, 11, 23, 11, 58))
        self.assertEqual(log.notes, "Segue o comprovante")
        self.assertEqual(len(log.evidence_hash), 64)
        self.assertTrue(log.evidence_sequence, "chained into the company's evidence ledger")
        self.assertFalse(log._get_tampered())
        self.assertEqual(log.attachment_ids.mapped("name"), ["recibo.pdf"])
        self.assertEqual((log.attachment_ids.res_model, log.attachment_ids.res_id), ("credit.recovery.contact", log.id))
        self.assertEqual(log._evidence_payload()["attachments"][0][2], sha256_hex(b"%PDF-1.4 receipt"))
        self.assertEqual(len(self.reply_activities()), 1)
        self.assertEqual(self.reply_activities().user_id, self.agent, "the collection responsible is told")
        again = self.receive("Segue o comprovante", "wamid.HBgM1")
        self.assertEqual(again, log, "the same message twice is one log")
        self.assertEqual(self.env["credit.recovery.contact"].search_count([("external_id", "=", "wamid.HBgM1")]), 1)
        self.assertEqual(len(self.reply_activities()), 1)
        # The same id on another channel is another message.
        self.assertNotEqual(self.receive("oi", "wamid.HBgM1", channel="sms"), log)

    @freeze_time(MONDAY_9H_SP)
    def test_inbound_text_stays_plain_text(self):
        payload = '<img src=x onerror="alert(1)"><b>não</b> <a href="http://evil">clique</a>'
        log = self.receive(payload, "wamid.html")
        self.assertEqual(log.notes, payload, "recorded as typed")
        note = str(self.reply_activities().note)
        self.assertNotIn("<img", note)
        self.assertIn("&lt;img", note)
        for message in self.debtor.message_ids:
            self.assertNotIn("<img", str(message.body))
            self.assertNotIn('<a href="http://evil', str(message.body))

    @freeze_time(MONDAY_9H_SP)
    def test_received_later_than_now_is_now_and_dates_are_read(self):
        log = self.receive("pago sexta", "wamid.future", received_at=datetime(2026, 11, 24))
        self.assertEqual(log.date, MONDAY_9H_SP)
        self.assertEqual((log.suggested_meaning, log.suggested_date), ("promise", date(2026, 11, 27)))
        self.assertEqual(log.suggestion_state, "pending")
        with self.assertRaises(ValidationError):
            self.receive("x", "  ")

    @freeze_time(MONDAY_9H_SP)
    def test_stop_keyword_opts_out_confirms_and_refuses_the_next_message(self):
        log = self.receive("PARAR", "sms-1", channel="sms")
        self.assertTrue(log.is_stop_request)
        self.assertTrue(self.customer.recovery_optout_sms)
        self.assertFalse(self.customer.recovery_optout_email)
        confirmation = self.env["credit.recovery.contact"].search(
            [("debtor_id", "=", self.debtor.id), ("direction", "=", "outbound"), ("channel", "=", "sms")]
        )
        self.assertEqual(len(confirmation), 1)
        self.assertEqual(confirmation.reply_to_id, log)
        self.assertIn("no longer receive collection messages by SMS", confirmation.notes)
        self.assertTrue(confirmation.override_justification)
        self.assertEqual(len(confirmation.evidence_hash), 64)
        sms = self.env["sms.sms"].search([("mail_message_id", "=", confirmation.message_id.id)])
        self.assertEqual((sms.number, sms.state), ("+5511987654321", "outgoing"))
        with self.assertRaisesText(UserError, "refused contacts by SMS"):
            self.debtor.with_user(self.agent)._recovery_send_reply("sms", "Olá Maria")
        # E-mail is another channel: still allowed.
        self.assertEqual(self.debtor.with_user(self.agent)._recovery_send_reply("email", "Olá").channel, "email")

    @freeze_time(MONDAY_9H_SP)
    def test_do_not_call_me_opts_out_of_calls(self):
        self.receive("Não me ligue mais, por favor", "sms-call", channel="sms")
        self.assertTrue(self.customer.recovery_optout_phone)
        self.assertFalse(self.customer.recovery_optout_sms)
        confirmation = self.debtor.conversation_ids.filtered(lambda contact: contact.direction == "outbound")
        self.assertEqual(confirmation.channel, "sms", "confirmed on the channel the request came by")
        self.assertIn("no longer receive collection calls", confirmation.notes)
        with self.assertRaisesText(UserError, "refused contacts by Phone call"):
            self.env["credit.recovery.contact"].with_user(self.agent).create(
                {"partner_id": self.customer.id, "channel": "phone", "direction": "outbound"}
            )

    @freeze_time(MONDAY_9H_SP)
    def test_agent_replies_by_email_under_the_contact_rules(self):
        log = self.debtor.with_user(self.agent)._recovery_send_reply("email", "Olá Maria,\n<b>obrigado</b>")
        self.assertEqual((log.direction, log.channel, log.user_id), ("outbound", "email", self.agent))
        self.assertEqual(len(log.evidence_hash), 64)
        self.assertIn("&lt;b&gt;obrigado", str(log.message_id.body))
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", log.message_id.id)])
        self.assertIn(self.customer, mail.recipient_ids)
        self.assertIn("catchall@collect.example.com", log.message_id.reply_to)
        with self.assertRaisesText(UserError, "no service sends them"):
            self.debtor.with_user(self.agent)._recovery_send_reply("letter", "Olá")
        with self.assertRaisesText(UserError, "Type the message"):
            self.debtor.with_user(self.agent)._recovery_send_reply("email", "   ")
        # Outside the contact window (22:00 in São Paulo) the reply is refused as any contact.
        with freeze_time(datetime(2026, 11, 24, 1, 0)), self.assertRaisesText(UserError, "contact window"):
            self.debtor.with_user(self.agent)._recovery_send_reply("email", "Olá")

    @freeze_time(MONDAY_9H_SP)
    def test_reply_wizard_defaults_to_the_last_channel(self):
        self.receive("oi", "sms-2", channel="sms")
        action = self.debtor.with_user(self.agent).action_reply()
        self.assertEqual(action["context"]["default_channel"], "sms")
        wizard = Form(self.env["credit.recovery.reply"].with_user(self.agent).with_context(**action["context"]))
        wizard.text = "Olá, recebemos sua mensagem"
        wizard.save().action_send()
        sent = self.debtor.conversation_ids.filtered(lambda contact: contact.direction == "outbound")
        self.assertEqual((sent.channel, sent.notes), ("sms", "Olá, recebemos sua mensagem"))
        self.assertEqual(self.debtor.conversation_ids.sorted(lambda contact: (contact.date, contact.id))[-1], sent)

    @freeze_time(MONDAY_9H_SP)
    def test_agent_cannot_alter_sealed_inbound_logs(self):
        log = self.receive("não reconheço", "wamid.attack", attachments=[("foto.jpg", b"\xff\xd8jpeg", "image/jpeg")])
        agent_log = log.with_user(self.agent)
        with self.assertRaisesText(UserError, "cannot be changed"):
            agent_log.write({"notes": "paguei"})
        with self.assertRaisesText(UserError, "cannot be changed"):
            agent_log.write({"suggestion_state": "accepted"})
        with self.assertRaisesText(UserError, "never deleted"):
            agent_log.unlink()
        with self.assertRaisesText(UserError, "can be neither changed nor deleted"):
            log.attachment_ids.with_user(self.agent).unlink()
        with self.assertRaisesText(UserError, "set by the system"):
            self.env["credit.recovery.contact"].with_user(self.agent).create(
                {
                    "partner_id": self.customer.id,
                    "channel": "whatsapp",
                    "direction": "inbound",
                    "external_id": "wamid.forged",
                }
            )
        self.assertFalse(log._get_tampered())

    @freeze_time(MONDAY_9H_SP)
    def test_suggestion_promise_button(self):
        log = self.receive("só consigo dia 10", "wamid.promise")
        self.assertEqual((log.suggested_meaning, log.suggested_date), ("promise", date(2026, 12, 10)))
        log.with_user(self.agent).action_suggestion_promise()
        promise = self.env["credit.recovery.promise"].search([("contact_id", "=", log.id)])
        self.assertEqual((promise.date, promise.amount, promise.user_id), (date(2026, 12, 10), 800.0, self.agent))
        self.assertEqual(log.suggestion_state, "accepted")
        with self.assertRaisesText(UserError, "no suggestion waiting"):
            log.with_user(self.agent).action_suggestion_promise()

    @freeze_time(MONDAY_9H_SP)
    def test_suggestion_paid_and_dismiss_buttons(self):
        log = self.receive("já paguei", "wamid.paid")
        self.assertEqual(log.suggested_meaning, "paid")
        with self.assertRaisesText(UserError, "suggests something else"):
            log.with_user(self.agent).action_suggestion_dispute()
        log.with_user(self.agent).action_suggestion_paid()
        self.assertEqual(
            (self.invoice.recovery_dispute_state, self.invoice.recovery_dispute_kind), ("open", "already_paid")
        )
        other = self.receive("paguei ontem", "wamid.paid2")
        other.with_user(self.agent).action_suggestion_dismiss()
        self.assertEqual(other.suggestion_state, "dismissed")
        nothing = self.receive("bom dia", "wamid.none")
        self.assertFalse(nothing.suggestion_state)

    @freeze_time(MONDAY_9H_SP)
    def test_suggestion_dispute_button_opens_the_wizard(self):
        log = self.receive("Isso não é meu, não fiz essa compra", "wamid.dispute")
        action = log.with_user(self.agent).action_suggestion_dispute()
        self.assertEqual(log.suggestion_state, "pending", "nothing decided before the agent confirms")
        wizard = Form(self.env["credit.recovery.dispute"].with_user(self.agent).with_context(**action["context"]))
        self.assertEqual(wizard.note, "Isso não é meu, não fiz essa compra")
        wizard.save().action_confirm()
        self.assertEqual(
            (self.invoice.recovery_dispute_state, self.invoice.recovery_dispute_kind), ("open", "not_recognised")
        )
        self.assertEqual(log.suggestion_state, "accepted")

    def test_suggestion_buttons_are_for_agents(self):
        with freeze_time(MONDAY_9H_SP):
            log = self.receive("já paguei", "wamid.user")
        user = self.env["res.users"].create(
            {"name": "Sales", "login": "sales_inbound", "groups_id": [(6, 0, [self.env.ref("base.group_user").id])]}
        )
        with self.assertRaises(AccessError):
            log.with_user(user).action_suggestion_paid()

    # ------------------------------------------------------------------
    # E-mail replies through Odoo's mail gateway
    # ------------------------------------------------------------------

    def process(self, body, message_id, subject="Re: Your account", to="catchall@collect.example.com", **kwargs):
        threading = ""
        if kwargs.get("in_reply_to"):
            threading = f"In-Reply-To: {kwargs['in_reply_to']}\nReferences: {kwargs['in_reply_to']}\n"
        raw = REPLY_EMAIL.format(
            to=to,
            subject=subject,
            message_id=message_id,
            threading=threading,
            headers=kwargs.get("headers", ""),
            body=body,
        )
        return self.env["mail.thread"].message_process(None, raw.encode())

    @freeze_time(MONDAY_9H_SP)
    def test_email_reply_by_references_is_an_inbound_log(self):
        sent = self.debtor.with_user(self.agent)._recovery_send_reply("email", "Quando pode pagar?")
        body = "Só consigo dia 10.\n\nEm seg., 23 de nov. de 2026, Empresa escreveu:\n> Quando pode pagar?"
        thread_id = self.process(body, "<reply-1@example.org>", in_reply_to=sent.message_id.message_id)
        self.assertEqual(thread_id, self.debtor.id)
        log = self.env["credit.recovery.contact"].search([("external_id", "=", "<reply-1@example.org>")])
        self.assertEqual((log.channel, log.direction, log.debtor_id), ("email", "inbound", self.debtor))
        self.assertEqual(log.notes, "Só consigo dia 10.")
        self.assertEqual(log.reply_to_id, sent)
        self.assertEqual((log.suggested_meaning, log.suggested_date), ("promise", date(2026, 12, 10)))
        self.assertIn("message.eml", log.attachment_ids.mapped("name"), "the original e-mail, sealed with the log")
        self.assertEqual(len(log.evidence_hash), 64)
        self.assertEqual(len(self.reply_activities()), 1)
        # Delivered twice by the mail server: one log.
        self.process(body, "<reply-1@example.org>", in_reply_to=sent.message_id.message_id)
        self.assertEqual(
            self.env["credit.recovery.contact"].search_count([("external_id", "=", "<reply-1@example.org>")]), 1
        )

    @freeze_time(MONDAY_9H_SP)
    def test_email_out_of_office_is_not_a_contact(self):
        sent = self.debtor.with_user(self.agent)._recovery_send_reply("email", "Quando pode pagar?")
        self.process(
            "Estou fora do escritório até dia 10.",
            "<ooo-1@example.org>",
            subject="Resposta automática: Re: Your account",
            in_reply_to=sent.message_id.message_id,
            headers="Auto-Submitted: auto-replied\n",
        )
        self.assertFalse(self.env["credit.recovery.contact"].search([("external_id", "=", "<ooo-1@example.org>")]))
        self.assertFalse(self.reply_activities())

    @freeze_time(MONDAY_9H_SP)
    def test_email_to_catchall_matched_by_sender(self):
        thread_id = self.process("Já paguei ontem", "<new-1@example.org>", subject="Boleto")
        self.assertEqual(thread_id, self.debtor.id)
        log = self.env["credit.recovery.contact"].search([("external_id", "=", "<new-1@example.org>")])
        self.assertEqual((log.debtor_id, log.suggested_meaning), (self.debtor, "paid"))
        self.assertEqual(log.suggested_date, date(2026, 11, 22))

    @freeze_time(MONDAY_9H_SP)
    def test_email_stop_request_opts_out_of_email(self):
        self.process("PARAR", "<stop-1@example.org>", subject="Boleto")
        self.assertTrue(self.customer.recovery_optout_email)
        confirmation = self.env["credit.recovery.contact"].search(
            [("debtor_id", "=", self.debtor.id), ("direction", "=", "outbound"), ("channel", "=", "email")]
        )
        self.assertEqual(len(confirmation), 1)
        with self.assertRaisesText(UserError, "refused contacts by Email"):
            self.debtor.with_user(self.agent)._recovery_send_reply("email", "Olá")
