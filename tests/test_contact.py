from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CreditRecoveryCommon

# 2026-11-23 is a Monday. São Paulo is UTC-3: 12:00 UTC is 09:00 there.
MONDAY_9H_SP = datetime(2026, 11, 23, 12, 0)


@tagged("post_install", "-at_install")
class TestContactLog(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"tz": "America/Sao_Paulo", "mobile": "+55 11 98765-4321", "phone": "+55 11 3456-7890"})
        cls.invoice = cls.create_invoice(800.0, date(2026, 9, 1), date(2026, 10, 1))
        cls.outcome_no_answer = cls.env.ref("account_credit_recovery.outcome_no_answer")
        cls.outcome_promise = cls.env.ref("account_credit_recovery.outcome_promise")
        cls.reason_income = cls.env.ref("account_credit_recovery.reason_income_loss")

    def log(self, user=None, **vals):
        values = {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.invoice.ids)],
            "channel": "phone",
            "direction": "outbound",
            "outcome_id": self.outcome_no_answer.id,
        } | vals
        return self.env["credit.recovery.contact"].with_user(user or self.agent).create(values)

    @freeze_time(MONDAY_9H_SP)
    def test_agent_logs_a_call_from_the_invoice(self):
        self.company.country_id = self.env.ref("base.br")
        action = self.invoice.with_user(self.agent).action_recovery_log_contact()
        form = Form(self.env["credit.recovery.contact"].with_user(self.agent).with_context(**action["context"]))
        self.assertEqual(form.phone_number, "(11) 98765-4321", "the valid mobile is proposed first, as people write it")
        self.assertIn('href="tel:+5511987654321"', form.phone_number_link, "linked to call it")
        form.phone_number = "11 9ABC-DEFG"
        self.assertFalse(form.phone_number_link, "no link to a number that is not valid")
        form.phone_number = "11 3456-7890"
        self.assertIn('href="tel:+551134567890"', form.phone_number_link)
        self.assertIn("(11) 3456-7890", form.phone_number_link)
        form.phone_number = "(11) 98765-4321"
        form.outcome_id = self.outcome_no_answer
        form.reason_id = self.reason_income
        form.notes = "Customer lost her job, will call back"
        form.call_duration = 3.5
        contact = form.save()
        self.assertEqual(contact.state, "logged")
        self.assertEqual(contact.invoice_ids, self.invoice)
        self.assertEqual(contact.user_id, self.agent)
        self.assertEqual(len(contact.evidence_hash), 64)
        # Shown as people write it at home, kept in E.164 for the evidence and the links.
        self.assertEqual(contact.phone_number_display, "(11) 98765-4321")
        self.assertEqual(contact.phone_number, "+5511987654321")
        self.assertIn('<a href="tel:+5511987654321">', contact.phone_number_link)
        self.assertIn("(11) 98765-4321</a>", contact.phone_number_link)
        self.assertEqual(contact.call_duration, 3.5, "kept in minutes: 3:30 on the call timer")
        debtor = contact.debtor_id
        self.assertEqual(debtor.partner_id, self.customer)
        self.assertEqual(debtor.last_contact_date, MONDAY_9H_SP)
        self.assertEqual(self.invoice.recovery_last_contact_date, MONDAY_9H_SP)
        note = debtor.message_ids[0]
        self.assertIn("Outbound contact", note.body)
        self.assertIn("lost her job", note.body)
        self.assertIn(contact.evidence_hash, note.body)
        # What the customer said stays on the collection record (LGPD): a neutral line on the invoice.
        self.assertEqual(self.invoice.message_ids[0].body, "<p>A collection contact was logged.</p>")
        self.assertNotIn("lost her job", " ".join(self.customer.message_ids.mapped("body")))

    @freeze_time(MONDAY_9H_SP)
    def test_logs_are_immutable_for_everyone(self):
        contact = self.log()
        for user in (self.agent, self.manager):
            with self.subTest(user=user.login):
                with self.assertRaisesText(UserError, "cannot be changed"):
                    contact.with_user(user).write({"notes": "edited"})
                with self.assertRaisesText(UserError, "never deleted"):
                    contact.with_user(user).unlink()
        with self.assertRaisesText(UserError, "never deleted"):
            contact.sudo().unlink()

    @freeze_time(MONDAY_9H_SP)
    def test_manager_corrects_with_a_linked_log(self):
        contact = self.log()
        with self.assertRaises(AccessError):
            self.log(correction_of_id=contact.id, correction_reason="Agents cannot correct")
        with self.assertRaises(AccessError):
            contact.with_user(self.agent).action_correct()
        action = contact.with_user(self.manager).action_correct()
        form = Form(self.env["credit.recovery.contact"].with_user(self.manager).with_context(**action["context"]))
        form.outcome_id = self.outcome_promise
        form.promise_amount = 300.0
        form.promise_date = date(2026, 11, 30)
        form.correction_reason = "The agent picked the wrong outcome: the customer answered and promised."
        correction = form.save()
        self.assertEqual(correction.correction_of_id, contact)
        self.assertEqual(contact.correction_ids, correction)
        self.assertEqual(contact.outcome_id, self.outcome_no_answer, "the original stays as it was")
        self.assertTrue(correction.evidence_hash)

    def test_contact_window_in_the_debtors_time_zone(self):
        cases = [
            (datetime(2026, 11, 23, 22, 30), True),  # Monday 19:30 in São Paulo
            (datetime(2026, 11, 23, 23, 30), False),  # Monday 20:30 in São Paulo
            (datetime(2026, 11, 21, 16, 30), True),  # Saturday 13:30
            (datetime(2026, 11, 21, 17, 30), False),  # Saturday 14:30
            (datetime(2026, 11, 22, 14, 0), False),  # Sunday 11:00
        ]
        for moment, allowed in cases:
            with self.subTest(moment=moment), freeze_time(moment):
                if allowed:
                    self.assertTrue(self.log().evidence_hash)
                else:
                    with self.assertRaisesText(UserError, "Next allowed moment"):
                        self.log()

    @freeze_time(datetime(2026, 11, 22, 14, 0))
    def test_refusal_tells_the_agent_when_to_call(self):
        with self.assertRaises(UserError) as catcher:
            self.log()
        message = str(catcher.exception)
        self.assertIn("outside the contact window", message)
        self.assertIn("11/23/26, 8:00", message.replace("\u202f", " "))
        self.assertIn("(Brasilia Time)", message)
        self.assertNotIn("America/Sao_Paulo", message)

    @freeze_time(datetime(2026, 11, 20, 13, 0))  # Friday 10:00 in São Paulo
    def test_holiday_of_the_policy_calendar_is_refused(self):
        self.add_holiday(date(2026, 11, 20))
        with self.assertRaisesText(UserError, "this is a holiday"):
            self.log()
        self.assertTrue(self.log(direction="inbound").evidence_hash, "inbound contacts are always logged")

    @freeze_time(MONDAY_9H_SP)
    def test_daily_cap_counts_every_outbound_channel(self):
        self.assertFalse(self.log(channel="sms").is_over_cap)
        # A call that took place is recorded: flagged over the cap (issue 12), no longer refused.
        self.assertTrue(self.log(channel="phone").is_over_cap)
        with self.assertRaises(AccessError):
            self.log(override_justification="Customer asked us to call back today")
        contact = self.log(self.manager, override_justification="Customer asked us to call back today")
        self.assertEqual(contact.override_user_id, self.manager)
        self.assertIn("Customer asked us", contact.override_justification)

    def test_weekly_cap(self):
        for day in (23, 24, 25):
            with freeze_time(datetime(2026, 11, day, 12, 0)):
                self.log()
        with freeze_time(datetime(2026, 11, 26, 12, 0)):
            self.assertTrue(self.log().is_over_cap, "recorded, flagged over the weekly cap")
        with freeze_time(datetime(2026, 11, 30, 12, 0)):
            self.assertFalse(self.log().is_over_cap)

    @freeze_time(MONDAY_9H_SP)
    def test_opt_outs_are_always_honoured(self):
        self.customer.recovery_optout_whatsapp = True
        with self.assertRaisesText(UserError, "refused contacts by WhatsApp"):
            self.log(channel="whatsapp")
        self.customer.recovery_do_not_contact = True
        with self.assertRaisesText(UserError, "asked not to be contacted"):
            self.log(self.manager, override_justification="Urgent")
        self.assertTrue(self.log(direction="inbound"))

    @freeze_time(MONDAY_9H_SP)
    def test_callback_sets_the_next_action(self):
        self.refresh_on(date(2026, 11, 23))
        self.assertEqual(self.invoice.recovery_next_action_date, date(2026, 11, 30), "legal action starts then")
        with self.assertRaisesText(ValidationError, "called back"):
            self.log(outcome_id=self.env.ref("account_credit_recovery.outcome_callback").id)
        self.log(
            outcome_id=self.env.ref("account_credit_recovery.outcome_callback").id, next_action_date=date(2026, 11, 26)
        )
        self.env.flush_all()
        self.assertEqual(self.invoice.recovery_next_action_date, date(2026, 11, 26))
        self.assertEqual(self.invoice.recovery_debtor_id.next_action_date, date(2026, 11, 26))

    @freeze_time(MONDAY_9H_SP)
    def test_log_contact_refuses_a_number_with_letters_before_sealing(self):
        """phonenumbers reads letters as keypad digits: the log would seal somebody else's number."""
        self.company.country_id = self.env.ref("base.br")
        Contact = self.env["credit.recovery.contact"].with_user(self.agent)
        logged = Contact.search_count([("partner_id", "=", self.customer.id)])
        for typed in ("11 9ABC-DEFG", "0800-FLOWERS", "+55 11 9ABCD-1234"):
            with self.subTest(typed=typed):
                with self.assertRaisesText(ValidationError, f"“{typed}” has letters"):
                    self.log(phone_number=typed)
                action = self.invoice.with_user(self.agent).action_recovery_log_contact()
                form = Form(Contact.with_context(**action["context"]))
                form.phone_number = typed
                form.outcome_id = self.outcome_no_answer
                with self.assertRaisesText(ValidationError, "e.g. (11) 96123-4567"):
                    form.save()
        self.assertEqual(Contact.search_count([("partner_id", "=", self.customer.id)]), logged, "nothing sealed")
        with self.assertRaisesText(ValidationError, "“(11) 1234” is not a valid phone number"):
            self.log(phone_number="(11) 1234")
        # A valid number is recorded in E.164 form, whichever way it was typed.
        self.assertEqual(self.log(phone_number=" 11 3456-7890 ").phone_number, "+551134567890")
        self.assertEqual(self.log(direction="inbound", phone_number=False).phone_number, False)

    @freeze_time(MONDAY_9H_SP)
    def test_log_contact_never_proposes_an_invalid_number(self):
        self.company.country_id = self.env.ref("base.br")
        self.customer.write({"mobile": "11 9ABC-DEFG", "phone": "(11) 3456-7890"})
        action = self.invoice.with_user(self.agent).action_recovery_log_contact()
        self.assertEqual(action["context"]["default_phone_number"], "(11) 3456-7890")
        form = Form(self.env["credit.recovery.contact"].with_user(self.agent).with_context(**action["context"]))
        self.assertEqual(form.phone_number, "(11) 3456-7890", "the valid landline, not the mobile with letters")
        self.assertIn("“11 9ABC-DEFG” has letters", self.invoice.recovery_debtor_id.phone_problem, "said on the debtor")
        self.customer.phone = "0800-FLOWERS"
        form = Form(self.env["credit.recovery.contact"].with_user(self.agent).with_context(**action["context"]))
        form.channel = "whatsapp"
        self.assertFalse(form.phone_number, "no valid number: none is proposed")

    @freeze_time(MONDAY_9H_SP)
    def test_do_not_contact_outcome_sets_the_flag(self):
        self.log(outcome_id=self.env.ref("account_credit_recovery.outcome_do_not_contact").id)
        self.assertTrue(self.customer.recovery_do_not_contact)

    @freeze_time(MONDAY_9H_SP)
    def test_whatsapp_click_to_chat_for_mobiles_only(self):
        debtor = self.invoice.recovery_debtor_id.with_user(self.agent)
        action = debtor.action_whatsapp()
        self.assertTrue(action["url"].startswith("https://wa.me/5511987654321?text="))
        self.assertIn(self.company.name.replace(" ", "+"), action["url"])
        contact = self.env["credit.recovery.contact"].browse(action["contact_id"])
        self.assertEqual((contact.channel, contact.state), ("whatsapp", "draft"))
        self.assertFalse(contact.evidence_hash)
        with self.assertRaisesText(UserError, "Choose the outcome"):
            contact.with_user(self.agent).action_complete()
        contact.with_user(self.agent).outcome_id = self.outcome_no_answer
        contact.with_user(self.agent).action_complete()
        self.assertEqual(contact.state, "logged")
        self.assertTrue(contact.evidence_hash)

        landline_only = self.env["res.partner"].create(
            {"name": "Fixo Apenas", "country_id": self.env.ref("base.br").id, "phone": "(11) 3456-7890"}
        )
        invoice = self.create_invoice(100.0, date(2026, 9, 1), date(2026, 10, 1), partner=landline_only)
        # The WhatsApp buttons are hidden (with why), and the action says what to do.
        self.assertTrue(debtor.has_mobile and self.invoice.recovery_has_mobile)
        self.assertFalse(invoice.recovery_debtor_id.has_mobile or invoice.recovery_has_mobile)
        with self.assertRaisesText(UserError, "no valid mobile number, and WhatsApp needs one"):
            invoice.recovery_debtor_id.with_user(self.agent).action_whatsapp()
        with self.assertRaisesText(UserError, "no valid mobile number, and WhatsApp needs one"):
            invoice.with_user(self.agent).action_recovery_whatsapp()
        # A mobile with letters is no mobile.
        landline_only.mobile = "+55 11 9ABCD-1234"
        self.assertFalse(invoice.recovery_debtor_id.has_mobile)
        with self.assertRaisesText(UserError, "no valid mobile number"):
            invoice.recovery_debtor_id.action_whatsapp()

    @freeze_time(MONDAY_9H_SP)
    def test_verify_evidence_finds_altered_logs(self):
        kept, altered = self.log(), self.log(self.manager, override_justification="Second call, same day")
        debtor = kept.debtor_id
        self.assertEqual(debtor.action_verify_evidence()["params"]["type"], "success")
        self.customer.name = "Maria Silva Santos"  # renaming the customer alters no log
        self.outcome_no_answer.name = "Did not pick up"
        self.assertEqual(debtor.action_verify_evidence()["params"]["type"], "success")
        self.env.flush_all()
        self.env.cr.execute("UPDATE credit_recovery_contact SET notes = 'rewritten' WHERE id = %s", [altered.id])
        result = debtor.action_verify_evidence()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn(f"#{altered.id}", result["params"]["message"])
        self.assertNotIn(f"#{kept.id} ", result["params"]["message"])
