import json
import re
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from ..tools import pix
from .common import CreditRecoveryCommon

# A 1x1 PNG: the drawn signature the portal widget sends (base64).
SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


class PortalHttpCommon(CreditRecoveryCommon, HttpCase):
    """A debtor with a CPF, two overdue invoices and a personal link; the page called over HTTP."""

    @classmethod
    def setUpClass(cls):
        # pylint: disable=unsubscriptable-object
        super().setUpClass()
        cls.open_contact_window()
        brl = cls.env.ref("base.BRL")
        brl.active = True
        cls.company.currency_id = brl
        cls.company.partner_id.write({"country_id": cls.env.ref("base.br").id, "city": "São Paulo"})
        cls.company.vat = "11222333000181"
        cls.env["res.partner.bank"].create(
            {
                "acc_number": "0001-123456",
                "partner_id": cls.company.partner_id.id,
                "proxy_value": "cobranca@example.com",
            }
        )
        cls.set_agreement_accounts()
        cls.customer.vat = "123.456.789-09"
        cls.today = fields.Date.today()
        cls.invoice = cls.create_invoice(1000.0, cls.today - timedelta(days=75), cls.today - timedelta(days=45))
        cls.invoice_2 = cls.create_invoice(300.0, cls.today - timedelta(days=60), cls.today - timedelta(days=30))
        cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.invoice.recovery_debtor_id
        Token = cls.env["credit.recovery.portal.token"]
        cls.link = Token._get_or_create_tokens(cls.debtor)[cls.debtor.id]
        cls.url = f"/c/{cls.link.token}"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def open_page(self, verify=True):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        if not verify:
            return response.text
        response = self.url_open(f"{self.url}/verify", data={"digits": "12309", "csrf_token": self.csrf(response.text)})
        self.assertEqual(response.status_code, 200, response.text[-3000:])
        self.assertIn("o_credit_recovery_total", response.text)
        return response.text

    def accept_occasional_3x(self):
        """The debtor accepts the shipped 3x offer on the page, first due in 10 days, and signs."""
        template = self.env.ref("account_credit_recovery.proposal_occasional_3x")
        return self.env["credit.recovery.portal"]._accept_offer(
            self.link,
            template_id=template.id,
            installments=3,
            first_due=fields.Date.to_string(self.today + timedelta(days=10)),
            name="Maria Silva",
            signature=SIGNATURE,
        )

    def terms_html(self, agreement):
        """The agreement terms as printed (HTML of the QWeb report)."""
        return (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_credit_recovery.action_report_agreement_terms", agreement.ids)[0]
            .decode()
        )

    def post(self, path, data, html=None, files=None):
        data = {**data, "csrf_token": self.csrf(html or self.url_open(self.url).text)}
        return self.url_open(f"{self.url}{path}", data=data, files=files)

    def json_call(self, path, params):
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        response = self.url_open(
            f"{self.url}{path}", data=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 200)
        return response.json()["result"]

    def render_collection_email(self):
        """The collection e-mail of the notice stage for the debtor, rendered as the run sends it."""
        action = self.env["credit.recovery.action"].sudo().search([("debtor_id", "=", self.debtor.id)], limit=1)
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
        if action:
            action.dispatch_id = dispatch
        return dispatch, dispatch._render_messages(self.stage_notice)

    def portal_logs(self):
        return self.env["credit.recovery.contact"].search(
            [("debtor_id", "=", self.debtor.id), ("channel", "=", "portal")]
        )


@tagged("post_install", "-at_install")
class TestPortalHttp(PortalHttpCommon):
    """The debtor's self-service page, called as a browser (and a forger) would."""

    def test_wrong_or_revoked_token_is_a_bare_404(self):
        for path in ("/c/wrongtoken1", f"/c/{self.link.token[:-1]}", "/c/x/terms/1"):
            response = self.url_open(path)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn(self.customer.name, response.text)
        self.link.with_user(self.manager).action_revoke()
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(self.customer.name, response.text)
        with self.assertRaises(AccessError):
            self.link.with_user(self.agent).action_revoke()

    def test_identity_check_before_any_amount_and_limited_attempts(self):
        html = self.open_page(verify=False)
        self.assertNotIn("o_credit_recovery_total", html)
        self.assertNotIn("1,000", html)
        self.policy.portal_max_attempts = 3
        for _attempt in range(3):
            response = self.post("/verify", {"digits": "99999"}, html)
            self.assertNotIn("o_credit_recovery_total", response.text)
        self.assertTrue(self.link._lock_until(self.policy, "127.0.0.1"))
        response = self.post("/verify", {"digits": "12309"}, html)
        self.assertNotIn("o_credit_recovery_total", response.text, "locked: even the right digits wait")
        # The lock lasts ``portal_lock_minutes``: an hour later, the failures are past.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE credit_recovery_portal_visit SET date = date - interval '1 hour' WHERE token_id = %s",
            [self.link.id],
        )
        self.env.invalidate_all()
        response = self.post("/verify", {"digits": "12309"}, html)
        self.assertIn("o_credit_recovery_total", response.text)
        self.assertIn("***.456.789-**", response.text, "the CPF is shown masked")
        events = self.link.visit_ids.mapped("event")
        self.assertIn("identity_failed", events)
        self.assertIn("identity_ok", events)

    def test_a_post_without_csrf_token_is_refused(self):
        response = self.url_open(f"{self.url}/verify", data={"digits": "12309"})
        self.assertEqual(response.status_code, 400)

    def test_amounts_are_the_negotiation_figures_and_pix_is_valid(self):
        html = self.open_page()
        vals = self.env["credit.recovery.agreement"]._prepare_agreement_vals(self.invoice | self.invoice_2)
        total = vals["principal"] + vals["fine"] + vals["interest"]
        values = self.env["credit.recovery.portal"]._page_values(self.link)
        self.assertAlmostEqual(values["total"], total)
        self.assertEqual(
            [(row["principal"], row["fine"], row["interest"]) for row in values["rows"]],
            [(1000.0, 20.0, 15.0), (300.0, 6.0, 3.0)],
        )
        shown = re.search(r'o_credit_recovery_total[^>]*>R\$\W*<span class="oe_currency_value">([\d,.]+)<', html)
        self.assertEqual(shown.group(1), f"{total:,.2f}")
        payload = values["pix_total"]
        self.assertEqual(pix.validate(payload), [])
        self.assertEqual(float(pix.amount_of(payload)), total)
        self.assertIn(payload, html)
        self.assertIn("data:image/png;base64,", html, "the QR code of the total")
        self.assertIn(self.company.name, html, "creditor identification (CDC art. 42-A)")

    def test_dispatch_messages_carry_the_link_and_a_valid_pix_code(self):
        dispatch, rendered = self.render_collection_email()
        self.assertIn(self.link.url, rendered["body"])
        self.assertIn(self.link.url, rendered["sms"])
        if dispatch.amount_due:
            self.assertIn(dispatch.portal_pix_code, rendered["body"])
            self.assertEqual(pix.validate(dispatch.portal_pix_code), [])
        # The link in the rendered e-mail opens the page.
        path = re.search(r'href="[^"]*(/c/[A-Za-z0-9_-]+)"', rendered["body"]).group(1)
        self.assertEqual(self.url_open(path).status_code, 200)

    def test_accept_inside_the_limits_confirms_signs_and_logs(self):
        html = self.open_page()
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        first_due = fields.Date.to_string(self.today + timedelta(days=20))
        response = self.post("/offer", {"template_id": template.id, "installments": 4, "first_due": first_due}, html)
        self.assertIn("o_credit_recovery_offer_total", response.text)
        self.assertIn("portal.signature_form", response.text)
        result = self.json_call(
            f"/accept?template_id={template.id}&installments=4&first_due={first_due}",
            {
                "name": "Maria Silva",
                "signature": SIGNATURE,
            },
        )
        self.assertNotIn("error", result, result)
        agreement = self.debtor.agreement_ids
        self.assertEqual(len(agreement), 1)
        self.assertEqual(agreement.state, "active")
        self.assertEqual(agreement.move_id.state, "posted")
        self.assertEqual((agreement.installments, agreement.portal_signed_by), (4, "Maria Silva"))
        self.assertTrue(agreement.portal_signature)
        log = self.portal_logs()
        self.assertEqual(len(log), 1)
        self.assertEqual(
            (log.direction, log.outcome_id), ("inbound", self.env.ref("account_credit_recovery.outcome_agreement"))
        )
        self.assertTrue(log.evidence_hash and log.sealed_at)
        self.assertIn("127.0.0.1", log.notes)
        self.assertTrue(log.attachment_ids, "the signed terms are attached to the sealed log")
        # The terms PDF, then the feedback asked after acceptance.
        response = self.url_open(f"{self.url}/terms/{agreement.id}")
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        page = self.url_open(self.url).text
        self.assertIn("o_credit_recovery_feedback", page)
        self.post("/feedback", {"agreement_id": agreement.id, "rating": 5, "comment": "Fácil"}, page)
        feedback = self.debtor.portal_feedback_ids
        self.assertEqual((feedback.rating, feedback.moment, feedback.comment), (5, "accepted", "Fácil"))

    def test_forged_offer_beyond_the_limits_is_refused(self):
        html = self.open_page()
        template = self.env.ref("account_credit_recovery.proposal_occasional_6x")
        first_due = fields.Date.to_string(self.today + timedelta(days=20))
        result = self.json_call(
            f"/accept?template_id={template.id}&installments=40&first_due={first_due}",
            {"name": "Maria Silva", "signature": "iVBORw0KGgo="},
        )
        self.assertIn("error", result)
        far = fields.Date.to_string(self.today + timedelta(days=400))
        result = self.json_call(
            f"/accept?template_id={template.id}&installments=2&first_due={far}",
            {"name": "Maria Silva", "signature": "iVBORw0KGgo="},
        )
        self.assertIn("error", result)
        self.assertFalse(self.debtor.agreement_ids, "nothing is created beyond the limits")
        self.assertFalse(self.portal_logs())
        # Asking the team for those terms only schedules an activity.
        self.post(
            "/offer",
            {"template_id": template.id, "installments": 40, "first_due": first_due, "request_team": 1},
            html,
        )
        self.assertFalse(self.debtor.agreement_ids)
        self.assertIn("40 installments", self.debtor.activity_ids.note or "")

    def test_dispute_pauses_the_invoice_like_the_back_office(self):
        html = self.open_page()
        self.post("/dispute", {"invoice_ids": self.invoice.id, "note": "Never bought this"}, html)
        self.assertEqual(self.invoice.recovery_dispute_state, "open")
        self.assertEqual(self.invoice.recovery_dispute_kind, "not_recognised")
        self.assertNotEqual(self.invoice_2.recovery_dispute_state, "open")
        log = self.portal_logs()
        self.assertEqual((log.direction, log.invoice_ids), ("inbound", self.invoice))
        self.assertTrue(log.evidence_hash)
        values = self.env["credit.recovery.portal"]._page_values(self.link)
        disputed = [row for row in values["rows"] if row["move"] == self.invoice]
        self.assertTrue(disputed[0]["disputed"] and not disputed[0]["payable"] and not disputed[0]["pix"])
        self.assertIn("Under review", self.url_open(self.url).text)

    def test_another_debtors_invoice_cannot_be_reached(self):
        other = self.env["res.partner"].create({"name": "João Souza"})
        foreign = self.create_invoice(
            500.0, self.today - timedelta(days=70), self.today - timedelta(days=40), partner=other
        )
        html = self.open_page()
        self.post("/dispute", {"invoice_ids": foreign.id, "note": "forged"}, html)
        self.assertNotEqual(foreign.recovery_dispute_state, "open")
        self.assertFalse(self.portal_logs())

    def test_already_paid_with_receipt_and_promise(self):
        html = self.open_page()
        self.post(
            "/paid",
            {"invoice_ids": self.invoice_2.id, "note": "Paid by PIX yesterday"},
            html,
            files={"receipt": ("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")},
        )
        self.assertEqual(self.invoice_2.recovery_dispute_kind, "already_paid")
        log = self.portal_logs()
        self.assertEqual(log.attachment_ids.mapped("name"), ["receipt.pdf"])
        date = fields.Date.to_string(self.today + timedelta(days=5))
        self.post("/promise", {"date": date}, html)
        promise = self.debtor.promise_ids
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.date, self.today + timedelta(days=5))
        self.assertEqual(promise.invoice_ids, self.invoice)

    def test_optout_is_honoured_at_once(self):
        html = self.open_page()
        self.post("/optout", {"channels": ["sms", "email"]}, html)
        self.assertTrue(self.customer.recovery_optout_sms and self.customer.recovery_optout_email)
        self.assertFalse(self.customer.recovery_optout_phone)
        self.assertTrue(self.customer._recovery_channel_opted_out("sms"))
        self.assertEqual(len(self.portal_logs()), 1)

    def test_tour_from_the_email_link_to_the_signed_agreement(self):
        """In Chromium, as the debtor: the e-mail's link, the CPF check, the updated total, the PIX
        code copied, an offer inside the limits accepted and signed with a drawn signature."""
        _dispatch, rendered = self.render_collection_email()
        path = re.search(r'href="[^"]*(/c/[A-Za-z0-9_-]+)"', rendered["body"]).group(1)
        self.assertEqual(path, self.url)
        self.start_tour(path, "credit_recovery_portal_tour")
        agreement = self.debtor.agreement_ids
        self.assertEqual(len(agreement), 1)
        self.assertEqual((agreement.state, agreement.installments), ("active", 4))
        self.assertEqual(agreement.invoice_ids, self.invoice | self.invoice_2)
        self.assertEqual(agreement.move_id.state, "posted")
        self.assertAlmostEqual(agreement.total, 1300.0, msg="3x without interest: fine and interest waived")
        self.assertEqual(agreement.portal_signed_by, "Maria Silva")
        self.assertGreater(len(agreement.portal_signature), 500, "a drawn signature, not an empty canvas")
        log = self.portal_logs()
        self.assertEqual(len(log), 1)
        self.assertEqual(
            (log.direction, log.outcome_id), ("inbound", self.env.ref("account_credit_recovery.outcome_agreement"))
        )
        self.assertTrue(log.evidence_hash and log.sealed_at, "the acceptance is a sealed log")
        self.assertIn("Chrome", log.notes, "the browser's user agent is recorded")
        self.assertEqual(log.attachment_ids.mimetype, "application/pdf")
        events = set(self.link.visit_ids.mapped("event"))
        self.assertTrue({"view", "identity_ok", "offer", "action"} <= events, events)

    def test_whatsapp_letter_and_terms_carry_the_link_and_the_pix_code(self):
        page_pix = self.env["credit.recovery.portal"]._page_values(self.link)["pix_total"]
        # The letter: the page's link, and the PIX code of the letter's total (the page's own code).
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_credit_recovery.action_report_collection_letter", self.debtor.ids)[0]
            .decode()
        )
        self.assertIn(self.link.url, html)
        self.assertIn(page_pix, html)
        self.assertEqual(pix.validate(page_pix), [])
        # The WhatsApp text: the link and the PIX code of the amount it claims.
        self.customer.mobile = "+55 11 98765-4321"
        action = self.env["credit.recovery.contact"]._action_whatsapp(self.debtor)
        text = self.env["credit.recovery.contact"].browse(action["contact_id"]).notes
        self.assertIn(self.link.url, text)
        self.assertIn(self.debtor.portal_pix_code, text)
        self.assertEqual(float(pix.amount_of(self.debtor.portal_pix_code)), self.debtor.amount_claimable)
        # The agreement terms: the PIX code of the next installment and the link.
        agreement = self.accept_occasional_3x()
        html = self.terms_html(agreement)
        self.assertEqual(pix.validate(agreement.portal_pix_code), [])
        self.assertIn(agreement.portal_pix_code, html)
        self.assertIn(self.link.url, html)
