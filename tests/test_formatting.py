from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, tagged

from .common import CreditRecoveryCommon

# 8 September: "08/09/2026" in Portuguese, "09/08/2026" in American English, never "2026-09-08".
SEPT_8 = date(2026, 9, 8)
THURSDAY_10H_SP = datetime(2026, 9, 10, 13, 0)


@tagged("post_install", "-at_install")
class TestDatesAndNumbersInTheReadersLanguage(CreditRecoveryCommon):
    """Dates and amounts written into a message, a name or a list read as the reader writes them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("pt_BR")
        cls.customer.tz = "America/Sao_Paulo"
        cls.invoice = cls.create_invoice(1000.0, date(2026, 8, 2), date(2026, 9, 1))

    def log_promise(self, amount, promise_date, lang):
        with freeze_time(THURSDAY_10H_SP):
            contact = (
                self.env["credit.recovery.contact"]
                .with_user(self.agent)
                .with_context(lang=lang)
                .create(
                    {
                        "partner_id": self.customer.id,
                        "invoice_ids": [Command.set(self.invoice.ids)],
                        "channel": "phone",
                        "outcome_id": self.env.ref("account_credit_recovery.outcome_promise").id,
                        "promise_amount": amount,
                        "promise_date": promise_date,
                    }
                )
            )
            self.env.flush_all()
        return contact.debtor_id.promise_ids.filtered(lambda promise: promise.contact_id == contact)

    def test_promised_date_in_the_past_in_the_agents_language(self):
        with self.assertRaises(ValidationError) as catcher:
            self.log_promise(300.0, SEPT_8, "pt_BR")
        self.assertIn("08/09/2026", str(catcher.exception))
        self.assertNotIn("2026-09-08", str(catcher.exception))

    def test_promise_name_in_each_readers_language(self):
        promise = self.log_promise(300.0, date(2026, 9, 15), "en_US")
        portuguese = promise.with_context(lang="pt_BR").display_name
        self.assertIn("15/09/2026", portuguese)
        self.assertIn("300,00", portuguese)
        self.assertNotIn("2026-09-15", portuguese)
        self.assertIn("09/15/2026", promise.with_context(lang="en_US").display_name)

    def test_run_name_in_the_readers_language(self):
        run = (
            self.env["credit.recovery.run"]
            .with_context(lang="pt_BR")
            .new({"company_id": self.company.id, "date": SEPT_8})
        )
        self.assertEqual(run.name, f"{self.company.name} – 08/09/2026")

    def test_page_promise_noted_for_the_team_in_its_language(self):
        self.env["account.move"]._cron_refresh_recovery_state()
        debtor = self.invoice.recovery_debtor_id
        link = self.env["credit.recovery.portal.token"]._get_or_create_tokens(debtor)[debtor.id]
        day = fields.Date.context_today(self.env["credit.recovery.portal"]) + timedelta(days=5)
        self.env["credit.recovery.portal"].with_context(lang="pt_BR")._promise(link, fields.Date.to_string(day))
        log = self.env["credit.recovery.contact"].search([("debtor_id", "=", debtor.id), ("channel", "=", "portal")])
        self.assertIn(day.strftime("%d/%m/%Y"), log.notes)
        self.assertNotIn(fields.Date.to_string(day), log.notes)

    def test_messages_list_shows_the_claimed_amount_with_its_currency(self):
        views = self.env["credit.recovery.dispatch"].get_views([(False, "list")])
        loaded = views["models"]["credit.recovery.dispatch"]["fields"]
        self.assertIn("amount_due", loaded)
        self.assertIn("currency_id", loaded, "a monetary column is written with its currency only when it is loaded")

    def test_interest_rate_shown_with_two_decimals(self):
        digits = self.env["credit.recovery.policy"]._fields["interest_percent_month"].get_digits(self.env)
        self.assertEqual(digits, (5, 2), "1,00 % per month, like the late fine, not 1,0000")


@tagged("post_install", "-at_install")
class TestKanbanColumnTotal(CreditRecoveryCommon, HttpCase):
    """In Chromium: the debtors kanban's column total is written as its cards write their amounts."""

    def test_column_total_written_like_the_cards(self):
        self.create_invoice(1000.25, date(2026, 8, 2), date(2026, 9, 1))
        other = self.env["res.partner"].create({"name": "João Souza", "country_id": self.env.ref("base.br").id})
        self.create_invoice(234.25, date(2026, 8, 2), date(2026, 9, 1), partner=other)
        self.refresh_on(date(2026, 9, 20))
        debtors = self.env["credit.recovery.debtor"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(debtors.stage_id), 1, "both in one column")
        self.assertEqual(self.company.currency_id.symbol, "$")
        self.start_tour(
            "/odoo/action-account_credit_recovery.action_credit_recovery_debtor",
            "credit_recovery_kanban_total_tour",
            login=self.manager.login,
        )
