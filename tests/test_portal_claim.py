"""One claimed amount per debtor and day, on every channel and the page; the page after an agreement."""

import re
from datetime import timedelta
from decimal import Decimal

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import format_amount

from ..tools import pix
from . import test_portal_http as portal_http
from .common import CreditRecoveryCommon

SIGNATURE = portal_http.SIGNATURE


@tagged("post_install", "-at_install")
class TestPortalClaim(CreditRecoveryCommon, HttpCase):
    """The same debtor on the same day: the e-mail, SMS, WhatsApp text, letter, page and PIX codes
    claim one amount, the overdue installments with their charges; what is not due yet is apart."""

    # The page's own helpers (identity check, CSRF), whatever they become.
    csrf = portal_http.PortalHttpCommon.csrf
    open_page = portal_http.PortalHttpCommon.open_page
    accept_occasional_3x = portal_http.PortalHttpCommon.accept_occasional_3x
    terms_html = portal_http.PortalHttpCommon.terms_html

    @classmethod
    def setUpClass(cls):
        # pylint: disable=unsubscriptable-object
        super().setUpClass()
        brl = cls.env.ref("base.BRL")
        brl.active = True
        cls.company.currency_id = brl
        cls.company.partner_id.write({"country_id": cls.env.ref("base.br").id, "city": "São Paulo"})
        cls.company.vat = "11222333000181"
        cls.bank = cls.env["res.bank"].create({"name": "Banco do Brasil S.A.", "bic": "BRASBRRJ"})
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "0001 12345-6",
                "bank_id": cls.bank.id,
                "partner_id": cls.company.partner_id.id,
                "proxy_value": "cobranca@example.com",
            }
        )
        cls.set_agreement_accounts()
        cls.open_contact_window()
        cls.customer.write(
            {
                "vat": "123.456.789-09",
                "email": "maria@example.com",
                "mobile": "+55 11 98765-4321",
                "street": "Rua Augusta 100",
                "city": "São Paulo",
            }
        )
        cls.today = fields.Date.today()
        # Issue 28: R$ 633,00 overdue (433,00 + 200,00) and two invoices not due until later.
        cls.overdue = cls.create_invoice(433.0, cls.today - timedelta(days=70), cls.today - timedelta(days=40))
        cls.overdue |= cls.create_invoice(200.0, cls.today - timedelta(days=40), cls.today - timedelta(days=10))
        cls.not_due = cls.create_invoice(600.0, cls.today - timedelta(days=10), cls.today + timedelta(days=20))
        cls.not_due |= cls.create_invoice(497.45, cls.today - timedelta(days=5), cls.today + timedelta(days=50))
        cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.overdue[:1].recovery_debtor_id
        cls.link = cls.env["credit.recovery.portal.token"]._get_or_create_tokens(cls.debtor)[cls.debtor.id]
        cls.url = f"/c/{cls.link.token}"

    def verified_html(self):
        """The page after the identity check (``open_page`` without its claimed total: after an
        agreement nothing may be overdue)."""
        response = self.url_open(self.url)
        response = self.url_open(f"{self.url}/verify", data={"digits": "12309", "csrf_token": self.csrf(response.text)})
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_credit_recovery_not_due", response.text)
        return response.text

    def shown_total(self, html):
        shown = re.search(r'o_credit_recovery_total[^>]*>R\$\W*<span class="oe_currency_value">([\d,.]+)<', html)
        return shown and shown.group(1)

    def test_one_claimed_amount_on_every_channel(self):
        claim = self.debtor._get_claims()[self.debtor.id]
        self.assertEqual(claim.principal, Decimal("633.00"), "only the overdue installments are claimed")
        self.assertEqual(set(claim.by_move()), set(self.overdue))
        amount = float(claim.total)
        self.assertGreater(amount, 633.0, "with their late fine and interest")
        formatted = format_amount(self.env, amount, self.company.currency_id)

        # The page: the claimed amount first, with its PIX code; what is not due yet apart.
        html = self.open_page()
        values = self.env["credit.recovery.portal"]._page_values(self.link)
        self.assertEqual(values["total"], amount)
        self.assertEqual(self.shown_total(html), f"{amount:,.2f}")
        self.assertEqual(float(pix.amount_of(values["pix_total"])), amount)
        self.assertIn(values["pix_total"], html)
        self.assertEqual({row["move"] for row in values["claimed_rows"]}, set(self.overdue))
        self.assertEqual({row["move"] for row in values["not_due_rows"]}, set(self.not_due))
        self.assertAlmostEqual(values["not_due_total"], 1097.45)
        self.assertTrue(all(not row["fine"] and not row["interest"] for row in values["not_due_rows"]))
        self.assertLess(html.index("o_credit_recovery_total"), html.index("o_credit_recovery_not_due"))

        # The e-mail and the SMS of a collection message on the overdue invoices, and its PIX code.
        dispatch = (
            self.env["credit.recovery.dispatch"]
            .sudo()
            .create(
                {
                    "debtor_id": self.debtor.id,
                    "company_id": self.company.id,
                    "stage_id": self.stage_notice.id,
                    "scheduled_at": fields.Datetime.now(),
                }
            )
        )
        self.env["credit.recovery.action"].sudo().create(
            [
                {
                    "move_id": invoice.id,
                    "stage_id": self.stage_notice.id,
                    "due_date": invoice.invoice_date_due,
                    "amount": invoice.amount_residual,  # as planned: the principal
                    "reached_date": self.today,
                    "dispatch_id": dispatch.id,
                }
                for invoice in self.overdue
            ]
        )
        rendered = dispatch._render_messages(self.stage_notice)
        self.assertEqual(dispatch.amount_due, amount)
        self.assertAlmostEqual(
            sum(row["amount"] for row in dispatch._message_rows()["claimed"]),
            amount,
            msg="its rows add up to its total",
        )
        self.assertIn(formatted, rendered["subject"])
        self.assertIn(formatted, rendered["body"])
        self.assertIn(formatted, rendered["sms"])
        self.assertEqual(float(pix.amount_of(dispatch.portal_pix_code)), amount)
        self.assertIn(dispatch.portal_pix_code, rendered["body"])

        # The WhatsApp text and its PIX code.
        action = self.env["credit.recovery.contact"]._action_whatsapp(self.debtor)
        text = self.env["credit.recovery.contact"].browse(action["contact_id"]).notes
        self.assertIn(formatted, text)
        self.assertEqual(self.debtor.amount_claimable, amount)
        self.assertEqual(float(pix.amount_of(self.debtor.portal_pix_code)), amount)

        # The collection letter: its table, its total and its PIX code.
        letter = self.env["report.account_credit_recovery.report_collection_letter"]._get_report_values(
            self.debtor.ids
        )["dossiers"][self.debtor.id]
        totals = letter["totals"]
        self.assertEqual(float(totals["open"] + totals["fine"] + totals["interest"]), amount)
        self.assertEqual({debt["invoice"] for debt in letter["debts"]}, set(self.overdue))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_credit_recovery.action_report_collection_letter", self.debtor.ids)[0]
            .decode()
        )
        self.assertIn(values["pix_total"], html)

        # The offers negotiate what is claimed, never an invoice not due.
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        offer, _vals, invoices = self.env["credit.recovery.portal"]._prepare_offer(self.link, template.id)
        self.assertEqual(invoices, self.overdue)
        self.assertAlmostEqual(offer.principal + offer.fine + offer.interest, amount)
        self.assertEqual(offer._portal_not_due_principal(), 0.0)

    def make_dispatch(self, stage, installments):
        """A queued message at ``stage`` with one action per ``(invoice, due date, amount)``."""
        dispatch = (
            self.env["credit.recovery.dispatch"]
            .sudo()
            .create(
                {
                    "debtor_id": self.debtor.id,
                    "company_id": self.company.id,
                    "stage_id": stage.id,
                    "scheduled_at": fields.Datetime.now(),
                }
            )
        )
        self.env["credit.recovery.action"].sudo().create(
            [
                {
                    "move_id": invoice.id,
                    "stage_id": stage.id,
                    "due_date": due,
                    "amount": amount,
                    "reached_date": self.today,
                    "dispatch_id": dispatch.id,
                }
                for invoice, due, amount in installments
            ]
        )
        return dispatch

    def money(self, amount):
        return format_amount(self.env, amount, self.company.currency_id)

    def test_stage_email_rows_add_up_to_what_it_claims(self):
        """Every claimed installment is listed with its own total (two installments of one invoice
        each their own), adding up to the total and the PIX code; a reminder of an installment not
        due yet is listed apart, as falling due, never in what is owed now."""
        payment_term = self.env["account.payment.term"].create(
            {
                "name": "2 installments",
                "line_ids": [
                    Command.create({"value": "fixed", "value_amount": 150.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 30}),
                ],
            }
        )
        split = self.create_invoice(410.0, self.today - timedelta(days=75), payment_term=payment_term)
        self.env["account.move"]._cron_refresh_recovery_state()
        dues = sorted(split.line_ids.filtered("date_maturity").mapped("date_maturity"))
        claim = self.debtor._get_claims()[self.debtor.id]
        lines = {(line.move, line.due): line.charges.total for line in claim.lines}
        self.assertEqual({due for move, due in lines if move == split}, set(dues))
        soon = self.not_due[:1]
        dispatch = self.make_dispatch(
            self.stage_notice,
            [
                (split, dues[0], 150.0),
                (split, dues[1], 260.0),
                (self.overdue[0], self.overdue[0].invoice_date_due, 433.0),
                (soon, soon.invoice_date_due, 600.0),
            ],
        )
        rows = dispatch._message_rows()
        amount = float(claim.total)
        self.assertEqual(dispatch.amount_due, amount)
        self.assertEqual(
            [(row["move"], row["due"], row["amount"]) for row in rows["claimed"]],
            [(line.move, line.due, float(line.charges.total)) for line in claim.lines],
            "every claimed installment, the message's actions or not, each with its own total",
        )
        self.assertAlmostEqual(sum(row["amount"] for row in rows["claimed"]), amount)
        self.assertEqual([(row["move"], row["amount"]) for row in rows["due_soon"]], [(soon, 600.0)])
        rendered = dispatch._render_messages(self.stage_notice)
        body = rendered["body"]
        for line in claim.lines:
            self.assertIn(self.money(float(line.charges.total)), body)
        self.assertNotIn(
            self.money(float(lines[split, dues[0]] + lines[split, dues[1]])), body, "never the invoice's whole share"
        )
        self.assertIn(self.overdue[1].name, body, "claimed without an action of this message: listed")
        self.assertIn("not included in the total above", body)
        self.assertIn(self.money(600.0), body)
        self.assertIn(self.money(amount), rendered["subject"])
        self.assertEqual(float(pix.amount_of(dispatch.portal_pix_code)), amount)

        # A reminder-only message: the claimed amount is listed (what it totals), its installment apart.
        reminder = self.make_dispatch(self.stage_reminder, [(soon, soon.invoice_date_due, 600.0)])
        rows = reminder._message_rows()
        self.assertEqual(reminder.amount_due, amount)
        self.assertAlmostEqual(sum(row["amount"] for row in rows["claimed"]), amount)
        self.assertEqual([(row["move"], row["amount"]) for row in rows["due_soon"]], [(soon, 600.0)])
        body = reminder._render_messages(self.stage_reminder)["body"]
        self.assertIn(self.overdue[0].name, body)
        self.assertIn(split.name, body)

        # Nothing claimed: the reminder claims the installment falling due, as falling due.
        (self.overdue | split).button_draft()
        (self.overdue | split).button_cancel()
        reminder.invalidate_recordset()
        rows = reminder._message_rows()
        self.assertFalse(rows["claimed"])
        self.assertEqual(reminder.amount_due, 600.0)
        body = reminder._render_messages(self.stage_reminder)["body"]
        self.assertIn("friendly reminder", body)
        self.assertIn("Total falling due", body)
        self.assertNotIn("Days overdue", body)
        self.assertEqual(float(pix.amount_of(reminder.portal_pix_code)), 600.0)

    def test_page_promise_covers_the_claim_only(self):
        """The page's promise is of the claimed amount: its invoices and their claimed principal, never
        an invoice not due yet; an older promise on another invoice does not block it."""
        older = self.create_invoice(150.0, self.today - timedelta(days=50), self.today - timedelta(days=20))
        self.env["account.move"]._cron_refresh_recovery_state()
        self.env["credit.recovery.promise"].sudo().create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "debtor_id": self.debtor.id,
                "invoice_ids": [Command.set(older.ids)],
                "amount": 150.0,
                "date": self.today + timedelta(days=3),
            }
        )
        claim = self.debtor._get_claims()[self.debtor.id]
        self.assertEqual(set(claim.by_move()), set(self.overdue), "the promised invoice is not claimed")
        Portal = self.env["credit.recovery.portal"]
        values = Portal._page_values(self.link)
        self.assertIn(older, [row["move"] for row in values["other_rows"]])
        contact = Portal._promise(self.link, self.today + timedelta(days=5))
        promise = self.debtor.promise_ids.filtered(lambda promise: promise.invoice_ids != older)
        self.assertEqual(len(promise), 1, contact)
        self.assertEqual(promise.invoice_ids, self.overdue, "never an invoice not due yet")
        self.assertEqual(promise.amount, float(claim.principal))
        self.assertAlmostEqual(promise.amount, 633.0)
        with self.assertRaisesRegex(UserError, "You have already promised to pay on"):
            Portal._promise(self.link, self.today + timedelta(days=6))

    def test_fine_is_rounded_once_and_capped_on_the_page_the_pix_code_and_the_offer(self):
        # Issue 28: R$ 1.450,15 in three installments, 2 % fine: 29,003 at most (half-up per
        # installment it was 3 x 9,67 = 29,01, and the page asked a cent more than the offer). Each
        # installment's 2 % rounded down: 3 x 9,66 = 28,98 on the page and in the offer alike.
        self.not_due.button_draft()
        self.not_due.button_cancel()
        self.overdue.button_draft()
        self.overdue.button_cancel()
        payment_term = self.env["account.payment.term"].create(
            {
                "name": "3 installments",
                "line_ids": [
                    Command.create({"value": "fixed", "value_amount": 483.38, "nb_days": 0}),
                    Command.create({"value": "fixed", "value_amount": 483.38, "nb_days": 30}),
                    Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 40}),
                ],
            }
        )
        invoice = self.create_invoice(1450.15, self.today - timedelta(days=75), payment_term=payment_term)
        self.assertEqual(
            sorted(invoice.line_ids.filtered("date_maturity").mapped("amount_residual")), [483.38, 483.38, 483.39]
        )
        self.env["account.move"]._cron_refresh_recovery_state()
        values = self.env["credit.recovery.portal"]._page_values(self.link)
        fine = sum(row["fine"] for row in values["claimed_rows"])
        self.assertAlmostEqual(fine, 28.98)
        self.assertLessEqual(Decimal(str(fine)), Decimal("1450.15") * 2 / 100)
        debt = self.env["credit.recovery.agreement"]._prepare_agreement_vals(invoice)
        self.assertAlmostEqual(debt["fine"], 28.98)
        offer_total = debt["principal"] + debt["fine"] + debt["interest"]
        self.assertAlmostEqual(values["total"], offer_total)
        self.assertEqual(float(pix.amount_of(values["pix_total"])), round(offer_total, 2))
        self.assertEqual(self.debtor.amount_claimable, values["total"])

    def test_after_an_agreement_the_page_leads_with_the_next_installment(self):
        agreement = self.accept_occasional_3x()
        self.assertEqual(agreement.state, "active")
        html = self.verified_html()
        self.assertNotIn("o_credit_recovery_nothing_open", html)
        self.assertNotIn("You have nothing open with us", html)
        first = agreement.line_ids.sorted("date_due")[0]
        block = html[html.index("o_credit_recovery_next_installment") :]
        self.assertRegex(block[:3000], rf"o_credit_recovery_next_amount[^>]*>R\$\W*<span[^>]*>{first.amount:,.2f}<")
        self.assertIn(first.date_due.strftime("%m/%d/%Y"), block[:3000])
        self.assertIn(agreement.portal_pix_code, block[:3000], "the next installment's own PIX code")
        self.assertEqual(float(pix.amount_of(agreement.portal_pix_code)), first.amount)
        self.assertIn("data:image/png;base64,", block[:4000], "with its QR code")
        self.assertLess(html.index("o_credit_recovery_next_installment"), html.index("o_credit_recovery_not_due"))
        for line in agreement.line_ids:
            self.assertIn(f"{line.amount:,.2f}", html, "the schedule")

        # A partial payment of the next installment: the page and its PIX code ask for the rest.
        self.env["account.payment.register"].with_context(
            active_model="account.move.line", active_ids=first.move_line_id.ids
        ).create({"payment_date": self.today, "amount": 50.0})._create_payments()
        rest = round(first.amount - 50.0, 2)
        self.assertAlmostEqual(first.amount_residual, rest)
        self.assertFalse(first.paid)
        agreement.invalidate_recordset(["portal_pix_code"])
        self.assertEqual(float(pix.amount_of(agreement.portal_pix_code)), rest)
        html = self.verified_html()
        block = html[html.index("o_credit_recovery_next_installment") :]
        self.assertRegex(block[:3000], rf"o_credit_recovery_next_amount[^>]*>R\$\W*<span[^>]*>{rest:,.2f}<")
        self.assertIn(agreement.portal_pix_code, block[:3000])

        # Once everything is paid, and only then, nothing is open.
        for line in agreement.line_ids:
            self.env["account.payment.register"].with_context(
                active_model="account.move.line", active_ids=line.move_line_id.ids
            ).create({"payment_date": self.today})._create_payments()
        html = self.verified_html()
        self.assertNotIn("o_credit_recovery_nothing_open", html, "the invoices not due yet are still open")
        self.assertNotIn("o_credit_recovery_next_installment", html, "the agreement is paid")
        self.not_due.button_draft()
        self.not_due.button_cancel()
        self.assertTrue(self.env["credit.recovery.portal"]._page_values(self.link)["nothing_open"])
        response = self.url_open(self.url)  # the identity check of ``open_page``, without its total
        response = self.url_open(f"{self.url}/verify", data={"digits": "12309", "csrf_token": self.csrf(response.text)})
        self.assertIn("o_credit_recovery_nothing_open", response.text)
        self.assertNotIn("o_credit_recovery_next_installment", response.text)

    def test_agreement_terms_print_agencia_and_conta(self):
        agreement = self.accept_occasional_3x()
        html = self.terms_html(agreement)
        self.assertNotIn("BIC", html)
        self.assertNotIn("BRASBRRJ", html)
        self.assertIn("Banco do Brasil S.A.", html)
        self.assertRegex(html, r'o_credit_recovery_agency"[^>]*>0001<')
        self.assertRegex(html, r'o_credit_recovery_account"[^>]*>12345-6<')
        # An account number without a plain agência is printed as stored: no agência invented.
        self.company.partner_id.bank_ids.acc_number = "0001-123456"
        html = self.terms_html(agreement)
        self.assertRegex(html, r'o_credit_recovery_agency"[^>]*>—<')
        self.assertRegex(html, r'o_credit_recovery_account"[^>]*>0001-123456<')
