"""Batched delivery: a batch gives what delivering its messages one by one gives, in a constant
number of queries, and one failing debtor never stops the others."""

from datetime import date, datetime
from unittest.mock import patch

from markupsafe import Markup

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.common import STATE_FIELDS
from .common import CreditRecoveryCommon

DUE = date(2026, 3, 2)
NOTICE_DAY = datetime(2026, 3, 10, 13, 0)  # 10:00 in São Paulo, a Tuesday


@tagged("post_install", "-at_install")
class TestBatchedDelivery(CreditRecoveryCommon):
    def make_debtors(self, count, tag):
        partners = self.env["res.partner"].create(
            [
                {
                    "name": f"{tag} {n}",
                    "email": f"{tag.lower()}{n}@example.com",
                    "mobile": f"+55 11 9{n:04d}-{n:04d}",
                    "tz": "America/Sao_Paulo",
                    "street": "Rua Augusta 100",
                    "city": "São Paulo",
                    "country_id": self.env.ref("base.br").id,
                }
                for n in range(1, count + 1)
            ]
        )
        for partner in partners:
            self.create_invoice(100 + partner.id % 7, date(2026, 2, 1), DUE, partner=partner)
        return partners

    def run_and_queue(self):
        Run = self.env["credit.recovery.run"]
        with self.on(NOTICE_DAY):
            for _call in range(20):
                Run._cron_run_collection()
                if not Run.search_count([("state", "in", ("refresh", "plan"))]):
                    break

    def messages_of(self, partners):
        return self.env["credit.recovery.dispatch"].search([("debtor_id.partner_id", "in", partners.ids)], order="id")

    def summary(self, partner):
        """What one debtor received, in a form two debtors can be compared by."""
        debtor = self.env["credit.recovery.debtor"].search([("partner_id", "=", partner.id)])
        dispatch = debtor.dispatch_ids
        chatter = debtor.message_ids.filtered(lambda message: message.message_type in ("comment", "sms"))
        mails = self.env["mail.mail"].search([("mail_message_id", "in", chatter.ids)])
        sms = self.env["sms.sms"].search([("mail_message_id", "in", chatter.ids)])
        notifications = self.env["mail.notification"].search([("mail_message_id", "in", chatter.ids)])
        return {
            "state": dispatch.state,
            "counts": (dispatch.email_sent, dispatch.sms_sent, dispatch.activity_count),
            "chatter": sorted(chatter.mapped("message_type")),
            "mails": [(mail.state, mail.recipient_ids == partner) for mail in mails],
            "sms": [(text.state, text.number) for text in sms],
            "notifications": sorted((n.notification_type, n.notification_status) for n in notifications),
            "logs": sorted((log.channel, log.delivery_state, bool(log.evidence_hash)) for log in dispatch.contact_ids),
            "log_invoices": dispatch.contact_ids.invoice_ids == dispatch.invoice_ids,
            "activities": sorted(debtor.activity_ids.mapped("activity_type_id.name")),
            "body_names_invoice": all(
                invoice.name in (chatter.filtered(lambda m: m.message_type == "comment").body or "")
                for invoice in dispatch.invoice_ids
            ),
        }

    def test_a_batch_gives_what_one_by_one_gives(self):
        batch = self.make_debtors(4, "Lote")
        single = self.make_debtors(4, "Avulso")
        self.run_and_queue()
        Dispatch = self.env["credit.recovery.dispatch"]
        with self.on(NOTICE_DAY):
            for dispatch in self.messages_of(single):
                dispatch.sudo()._deliver_messages(NOTICE_DAY)
            done, _remaining = Dispatch._deliver_batch()
        self.assertEqual(done, 4)
        expected = self.summary(single[0])
        self.assertEqual(expected["state"], "sent")
        self.assertEqual(expected["counts"], (1, 1, 0))
        self.assertEqual(expected["chatter"], ["comment", "sms"])
        self.assertEqual(expected["notifications"], [("email", "ready"), ("sms", "ready")])
        self.assertTrue(expected["log_invoices"] and expected["body_names_invoice"])
        for partner in batch | single:
            summary = self.summary(partner)
            summary["sms"] = [(state, bool(number)) for state, number in summary["sms"]]
            reference = dict(expected, sms=[(state, bool(number)) for state, number in expected["sms"]])
            self.assertEqual(summary, reference, partner.name)

    def test_one_failing_debtor_never_stops_the_others(self):
        partners = self.make_debtors(3, "Falha")
        self.run_and_queue()
        bad = partners[1]
        Dispatch = type(self.env["credit.recovery.dispatch"])
        prepare = Dispatch._prepare_contact_vals

        def failing(dispatch, *args, **kwargs):
            if dispatch.debtor_id.partner_id == bad:
                raise ValueError("the e-mail server refused it")
            return prepare(dispatch, *args, **kwargs)

        # The failure is logged as an error, as it should be: muted here, where it is expected
        # (Odoo's runner and OCA's CI count error logs as failures).
        with (
            self.on(NOTICE_DAY),
            patch.object(Dispatch, "_prepare_contact_vals", failing),
            mute_logger("odoo.addons.account_credit_recovery.models.credit_recovery_dispatch_delivery"),
        ):
            self.env["credit.recovery.dispatch"]._deliver_batch()
        messages = self.messages_of(partners)
        states = {message.debtor_id.partner_id: message.state for message in messages}
        self.assertEqual(states, {partners[0]: "sent", bad: "error", partners[2]: "sent"})
        failed = messages.filtered(lambda message: message.state == "error")
        self.assertIn("refused", failed.note)
        self.assertFalse(failed.contact_ids, "nothing of the failed message is left half done")
        self.assertFalse(failed.debtor_id.message_ids.filtered(lambda message: message.message_type == "comment"))

    def test_queries_per_batch_do_not_grow_with_its_size(self):
        small = self.make_debtors(2, "Pequeno")
        large = self.make_debtors(8, "Grande")
        warm = self.make_debtors(2, "Aquece")
        self.run_and_queue()
        Dispatch = self.env["credit.recovery.dispatch"]
        counts = {}
        with self.on(NOTICE_DAY):
            for label, partners in (("warm", warm), ("small", small), ("large", large)):
                others = self.messages_of(warm | small | large) - self.messages_of(partners)
                queued = others.filtered(lambda message: message.state == "queued")
                queued.sudo().write({"scheduled_at": datetime(2026, 3, 11, 13, 0)})
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                Dispatch._deliver_batch()
                counts[label] = self.env.cr.sql_log_count - before
                queued.sudo().write({"scheduled_at": NOTICE_DAY})
        self.assertEqual(set(self.messages_of(small | large).mapped("state")), {"sent"})
        self.assertLessEqual(counts["large"], counts["small"] + 12, counts)

    def test_bodies_are_stored_as_odoo_stores_them(self):
        """The batch renders, formats and sanitizes each body once: what is stored is what Odoo's
        own one-record rendering and the ORM's sanitizing give, in the chatter and the e-mail."""
        partners = self.make_debtors(3, "Corpo")
        self.run_and_queue()
        Message = self.env["mail.message"]
        with self.on(NOTICE_DAY):
            self.env["credit.recovery.dispatch"]._deliver_batch()
        self.env.invalidate_all()
        with self.on(NOTICE_DAY):
            for dispatch in self.messages_of(partners):
                self.assertEqual(dispatch.state, "sent")
                chatter = dispatch.debtor_id.message_ids
                email = chatter.filtered(lambda message: message.message_type == "comment")
                sms = chatter.filtered(lambda message: message.message_type == "sms")
                rendered = dispatch._render_messages(dispatch.stage_id)  # one record: Odoo's own path
                body = Message._fields["body"].convert_to_cache(Markup(rendered["body"]), email)
                self.assertTrue(body and "<table" in body)
                self.assertEqual(email.body, body, dispatch.partner_id.name)
                self.assertEqual((email.subject, email.email_from), (rendered["subject"], rendered["email_from"]))
                self.assertIn(dispatch.currency_id.format(dispatch.amount_due), email.subject)
                self.assertEqual(self.env["mail.mail"].search([("mail_message_id", "=", email.id)]).body_html, body)
                text = Message._fields["body"].convert_to_cache(Markup("<p>%s</p>") % rendered["sms"], sms)
                self.assertEqual(sms.body, text)

    def test_placeholders_render_in_a_batch_as_one_by_one(self):
        """A batch's placeholders, checked and compiled once, give what Odoo gives record by
        record; a failing one raises Odoo's own error."""
        partners = self.make_debtors(3, "Marca & Cia")
        self.run_and_queue()
        dispatches = self.messages_of(partners)
        Template = self.env["mail.template"]
        source = (
            "{{ object.partner_id.name }} <{{ object.company_id.email or 'none' }}>: "
            "{{ format_amount(object.amount_due, object.currency_id) }} {{ object.portal_url or '' }}{{ False }}"
        )
        with self.on(NOTICE_DAY):
            batch = Template._render_template_inline_template(source, dispatches._name, dispatches.ids)
            for dispatch in dispatches:
                single = Template._render_template_inline_template(source, dispatch._name, dispatch.ids)
                self.assertEqual(batch[dispatch.id], single[dispatch.id])
                self.assertIn("Marca & Cia", batch[dispatch.id])
            with self.assertRaises(UserError):
                Template._render_template_inline_template("{{ object.no_field }}", dispatches._name, dispatches.ids)

    def test_logs_keep_the_invoice_states_and_the_seal(self):
        """The automatic logs carry no callback or promised date: the invoices' collection state and
        the debtors' fields computed from it are what computing them again gives (a debtor whose
        latest log asked for a callback loses it: the message is now the latest contact); the
        debtor's last contact follows; the ledger verifies."""
        partners = self.make_debtors(3, "Selo")
        self.run_and_queue()
        called_back = self.env["credit.recovery.debtor"].search([("partner_id", "=", partners[0].id)])
        with self.on(datetime(2026, 3, 10, 12, 0)):
            self.env["credit.recovery.contact"].with_user(self.agent).create(
                {
                    "partner_id": partners[0].id,
                    "channel": "phone",
                    "direction": "inbound",  # the customer called: no contact counted against the caps
                    "outcome_id": self.env.ref("account_credit_recovery.outcome_callback").id,
                    "next_action_date": date(2026, 3, 12),
                }
            )
        self.assertEqual(called_back.callback_date, date(2026, 3, 12))
        self.assertEqual(called_back.next_action_date, date(2026, 3, 12))
        with self.on(NOTICE_DAY):
            self.env["credit.recovery.dispatch"]._deliver_batch()
        self.env.invalidate_all()
        with self.on(NOTICE_DAY):
            dispatches = self.messages_of(partners)
            logs = dispatches.contact_ids
            self.assertEqual(len(logs), 6)
            self.assertTrue(all(logs.mapped("evidence_ledger_hash")))
            states = dispatches.invoice_ids.recovery_invoice_id.sudo()
            self.assertFalse(called_back.callback_date)
            self.assertEqual(
                called_back.next_action_date, min(called_back.invoice_ids.mapped("recovery_next_action_date"))
            )
            debtors = dispatches.debtor_id.sudo()
            names = sorted(
                field.name
                for field in self.env["credit.recovery.contact"]._debtor_followers(
                    self.env.registry.field_computed[states._fields["refresh_date"]]
                )
            )
            self.assertIn("credit_status", names)
            stored_debtors = [{name: debtor[name] for name in names} for debtor in debtors]
            stored = [{name: state[name] for name in STATE_FIELDS} for state in states]
            states._compute_state()
            self.assertEqual(stored, [{name: state[name] for name in STATE_FIELDS} for state in states])
            for name in names:
                debtors._fields[name].compute_value(debtors)
            self.assertEqual(stored_debtors, [{name: debtor[name] for name in names} for debtor in debtors])
            for dispatch in dispatches:
                self.assertEqual(dispatch.debtor_id.last_contact_date, max(dispatch.contact_ids.mapped("date")))
                self.assertEqual(
                    set(dispatch.invoice_ids.mapped("recovery_last_contact_date")),
                    {max(dispatch.contact_ids.mapped("date"))},
                )
                self.assertEqual(dispatch.debtor_id.action_verify_evidence()["params"]["type"], "success")

    def test_outside_the_window_a_batch_is_rescheduled_set_based(self):
        """At 04:40 in São Paulo nothing is sent: every due message moves to the window's next
        moment, with the same queries for 2 messages as for 8 (one UPDATE for the batch)."""
        small = self.make_debtors(2, "Cedo")
        large = self.make_debtors(8, "Madrugada")
        self.run_and_queue()
        Dispatch = self.env["credit.recovery.dispatch"]
        night = datetime(2026, 3, 10, 7, 40)  # 04:40 in São Paulo
        counts = {}
        with self.on(night):
            for label, partners in (("small", small), ("large", large)):
                messages = self.messages_of(partners)
                messages.sudo().write({"scheduled_at": datetime(2026, 3, 10, 7, 0)})
                self.env.flush_all()
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                done, _remaining = Dispatch._deliver_batch()
                counts[label] = self.env.cr.sql_log_count - before
                self.assertEqual(done, len(partners))
                self.assertEqual(set(messages.mapped("state")), {"queued"})
                self.assertTrue(all(message.scheduled_at > night for message in messages))
                self.assertEqual(len(set(messages.mapped("scheduled_at"))), 1, "the window's next moment, for all")
                self.assertFalse(messages.contact_ids)
        self.assertLessEqual(counts["large"], counts["small"] + 2, counts)
