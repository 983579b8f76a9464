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
{headers}Content-Type: {content_type}; charset=utf-8
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
        self.receive("STOP", "sms-1b", channel="sms")
        self.assertEqual(
            len(self.debtor.conversation_ids.filtered(lambda contact: contact.direction == "outbound")),
            1,
            "asked twice: confirmed once",
        )
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
        self.receive("oi de novo", "chat-1", channel="chat")
        action = self.debtor.with_user(self.agent).action_reply()
        self.assertEqual(action["context"]["default_channel"], "email", "the page has no way back: e-mail")

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
        # A caller's context sets nothing on the log: no outcome, no automatic flag, no seal of its own.
        forged = self.debtor.with_context(
            default_outcome_id=self.env.ref("account_credit_recovery.outcome_do_not_contact").id,
            default_is_automatic=True,
            default_direction="outbound",
            default_evidence_hash="0" * 64,
        )._recovery_receive_inbound("whatsapp", "oi", "wamid.context")
        self.assertEqual((forged.direction, forged.outcome_id.id, forged.is_automatic), ("inbound", False, False))
        self.assertNotEqual(forged.evidence_hash, "0" * 64)
        self.assertFalse(self.customer.recovery_do_not_contact)

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
            content_type=kwargs.get("content_type", "text/plain"),
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
    def test_email_html_reply_stays_plain_text(self):
        sent = self.debtor.with_user(self.agent)._recovery_send_reply("email", "Quando pode pagar?")
        body = (
            '<div>Paguei <b>ontem</b><img src="x" onerror="alert(1)"><a href="https://evil.example">pix</a></div>'
            '<div class="gmail_quote">Em seg. escreveu:<blockquote>Quando pode pagar?</blockquote></div>'
        )
        self.process(body, "<html-1@example.org>", in_reply_to=sent.message_id.message_id, content_type="text/html")
        log = self.env["credit.recovery.contact"].search([("external_id", "=", "<html-1@example.org>")])
        self.assertEqual(log.suggested_meaning, "paid")
        self.assertIn("Paguei", log.notes)
        self.assertNotIn("<", log.notes.replace("<https://evil.example>", ""))
        self.assertNotIn("Quando pode pagar", log.notes, "the quoted message is left out")
        posted = self.debtor.message_ids.filtered(lambda message: message.message_id == "<html-1@example.org>")
        self.assertTrue(posted)
        self.assertNotIn("<img", str(posted.body))
        self.assertNotIn("<a ", str(posted.body))

    @freeze_time(MONDAY_9H_SP)
    def test_email_of_a_colleague_is_not_a_contact(self):
        sent = self.debtor.with_user(self.agent)._recovery_send_reply("email", "Quando pode pagar?")
        self.agent.partner_id.email = "agent@company.example"
        raw = REPLY_EMAIL.format(
            to="catchall@collect.example.com",
            subject="Re: Your account",
            message_id="<agent-1@company.example>",
            threading=f"In-Reply-To: {sent.message_id.message_id}\n",
            headers="",
            content_type="text/plain",
            body="Já paguei, disse ela ao telefone",
        ).replace("Maria Silva <maria@example.org>", "Agent <agent@company.example>")
        self.env["mail.thread"].message_process(None, raw.encode())
        self.assertTrue(
            self.debtor.message_ids.filtered(lambda message: message.message_id == "<agent-1@company.example>")
        )
        self.assertFalse(
            self.env["credit.recovery.contact"].search([("external_id", "=", "<agent-1@company.example>")])
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

    @freeze_time(MONDAY_9H_SP)
    def test_inbound_message_in_the_dossier(self):
        log = self.receive(
            "Não reconheço <b>essa</b> compra",
            "wamid.dossier",
            attachments=[("print.png", b"\x89PNG image", "image/png")],
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_credit_recovery.action_report_dossier", self.debtor.ids)[0]
            .decode()
        )
        self.assertIn("Não reconheço &lt;b&gt;essa&lt;/b&gt; compra", html)
        self.assertIn("Message ID: wamid.dossier", html)
        self.assertIn("print.png", html)
        self.assertIn(log.evidence_hash, html)


@tagged("post_install", "-at_install")
class TestInboundCollectionEmail(CreditRecoveryCommon):
    """A reply to the e-mail the collection run sent lands on the debtor by its references."""

    DUE = date(2026, 3, 2)
    NOTICE_DAY = datetime(2026, 3, 10, 13, 0)  # 10:00 in São Paulo, a Tuesday

    def test_reply_to_the_runs_email_is_an_inbound_log(self):
        alias_domain = self.env["mail.alias.domain"].create(
            {"name": "collect.example.com", "catchall_alias": "catchall", "bounce_alias": "bounce"}
        )
        self.company.alias_domain_id = alias_domain
        partner = self.env["res.partner"].create(
            {
                "name": "Joana Lima",
                "email": "joana@example.org",
                "tz": "America/Sao_Paulo",
                "country_id": self.env.ref("base.br").id,
            }
        )
        self.create_invoice(150.0, date(2026, 2, 1), self.DUE, partner=partner)
        Run = self.env["credit.recovery.run"]
        with self.on(self.NOTICE_DAY):
            for _call in range(20):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break
            self.env["credit.recovery.dispatch"]._deliver_batch()
        debtor = self.env["credit.recovery.debtor"].search([("partner_id", "=", partner.id)])
        sent = debtor.contact_ids.filtered(lambda log: log.channel == "email" and log.is_automatic)
        self.assertEqual(len(sent), 1, "the run sent its collection e-mail")
        self.assertIn("catchall@collect.example.com", sent.message_id.reply_to, "replies come back to Odoo")
        raw = REPLY_EMAIL.format(
            to="catchall@collect.example.com",
            subject=f"Re: {sent.message_id.subject}",
            message_id="<joana-1@example.org>",
            threading=f"In-Reply-To: {sent.message_id.message_id}\nReferences: {sent.message_id.message_id}\n",
            headers="",
            content_type="text/plain",
            body="Não reconheço essa compra.\n\n> Sua fatura está em atraso",
        ).replace("Maria Silva <maria@example.org>", "Joana Lima <joana@example.org>")
        with self.on(self.NOTICE_DAY):
            self.env["mail.thread"].message_process(None, raw.encode())
        log = debtor.contact_ids.filtered(lambda contact: contact.direction == "inbound")
        self.assertEqual((log.channel, log.external_id, log.reply_to_id), ("email", "<joana-1@example.org>", sent))
        self.assertEqual((log.notes, log.suggested_meaning), ("Não reconheço essa compra.", "dispute"))
        self.assertTrue(log.evidence_hash)
