"""Each claim's dynamic PIX charge at the (simulated) PSP: the page, the message, the letter, the
WhatsApp text and the agreements carry it; reused, updated, replaced, removed when superseded; the
static code, and why, when the PSP cannot be reached."""

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account_credit_recovery.tools import pix

from ..models import credit_recovery_portal as portal_module
from .common import PixCollectionCommon

REMOVED = "REMOVIDA_PELO_USUARIO_RECEBEDOR"


@tagged("post_install", "-at_install")
class TestPixCharges(PixCollectionCommon):
    def test_the_page_carries_a_charge_per_claim_with_its_amount_fine_and_interest(self):
        html = self.open_page()
        values = self.page_values()
        claim = self.debtor._get_claims()[self.debtor.id]

        # The total claimed today: a cob of exactly that amount, with the provider's expiry.
        total = self.at_psp(values["pix_total"])
        self.assertTrue(total, "the page's total is a dynamic charge")
        self.assertIn(values["pix_total"], html)
        self.assertEqual(total["kind"], "cob")
        self.assertEqual(Decimal(total["body"]["valor"]["original"]), claim.total.quantize(Decimal("0.01")))
        self.assertEqual(total["body"]["calendario"]["expiracao"], self.provider.pix_charge_expiry)

        # The installment overdue 10 days: a cobv of its open amount, its due date, the policy's
        # fine and interest (the bank computes them on the day of payment), the debtor's CPF.
        row = self.row_of(values, self.overdue)
        cobv = self.at_psp(row["pix"])
        self.assertEqual(cobv["kind"], "cobv")
        body = cobv["body"]
        self.assertEqual(body["valor"]["original"], "200.00")
        self.assertEqual(body["calendario"]["dataDeVencimento"], fields.Date.to_string(self.overdue.invoice_date_due))
        self.assertEqual(body["valor"]["multa"], {"modalidade": 2, "valorPerc": f"{self.policy.fine_percent:.2f}"})
        self.assertEqual(
            body["valor"]["juros"], {"modalidade": 3, "valorPerc": f"{self.policy.interest_percent_month:.2f}"}
        )
        self.assertEqual(body["devedor"], {"cpf": "12345678909", "nome": "Maria Silva"})
        self.assertIn(row["pix"], html)

        # Overdue longer than a cobv stays payable (the provider's 30 days): a cob of today's total.
        row = self.row_of(values, self.long_overdue)
        cob = self.at_psp(row["pix"])
        self.assertEqual(cob["kind"], "cob")
        self.assertEqual(
            Decimal(cob["body"]["valor"]["original"]), Decimal(str(row["total"])).quantize(Decimal("0.01"))
        )

        # Not due yet (paid in advance): a cobv of its amount on its due date.
        row = self.row_of(values, self.not_due)
        cobv = self.at_psp(row["pix"])
        self.assertEqual((cobv["kind"], cobv["body"]["valor"]["original"]), ("cobv", "600.00"))
        self.assertEqual(
            cobv["body"]["calendario"]["dataDeVencimento"], fields.Date.to_string(self.not_due.invoice_date_due)
        )

        charges = self.charges(state="active")
        self.assertEqual(len(charges), 4, "one live charge per claim")
        self.assertEqual(
            set(charges.mapped("key")),
            {f"debtor-{self.debtor.id}"}
            | {
                f"line-{line.id}"
                for line in (self.long_overdue | self.overdue | self.not_due).line_ids
                if line.account_type == "asset_receivable"
            },
        )

    def test_a_charge_is_reused_while_unchanged_and_updated_when_the_amount_changes(self):
        # Today at 12:00 UTC, then tomorrow at 09:00 UTC: the same day in UTC and in Brazil, and 21
        # hours apart, within the total's validity (a day, less the hour of margin) whenever the
        # suite runs (at the real clock's moment, run before 01:00 UTC, tomorrow's midnight found
        # the charge about to expire and replaced it).
        with freeze_time(datetime.combine(self.today, time(12))):
            values = self.page_values()
            count, puts = len(self.psp.charges), sum(1 for request in self.psp.requests if request["method"] == "PUT")
            again = self.page_values()
        self.assertEqual(again["pix_total"], values["pix_total"])
        self.assertEqual([row["pix"] for row in again["rows"]], [row["pix"] for row in values["rows"]])
        self.assertEqual(len(self.psp.charges), count, "nothing new at the PSP")
        self.assertEqual(sum(1 for request in self.psp.requests if request["method"] == "PUT"), puts)

        # Tomorrow the total claimed has a day more of interest: the same charge, its amount changed.
        total = self.charges(key=f"debtor-{self.debtor.id}", state="active")
        txid, amount = total.txid, Decimal(str(total.amount))
        with freeze_time(datetime.combine(self.today + timedelta(days=1), time(9))):
            tomorrow = self.page_values()
            claim = self.debtor._get_claims()[self.debtor.id]
        self.assertGreater(claim.total, amount)
        charge = self.psp.charges[txid]
        self.assertEqual(charge["revisao"], 1)
        self.assertEqual(Decimal(charge["body"]["valor"]["original"]), claim.total.quantize(Decimal("0.01")))
        self.assertEqual(self.at_psp(tomorrow["pix_total"])["txid"], txid)
        self.assertEqual(self.charges(key=f"debtor-{self.debtor.id}", state="active"), total)

    def test_a_partial_payment_replaces_the_installment_s_charge(self):
        values = self.page_values()
        old = self.at_psp(self.row_of(values, self.overdue)["pix"])
        old_total = self.at_psp(values["pix_total"])
        self.pay(self.overdue, 50.0, self.today)
        self.assertEqual(old["status"], REMOVED, "the charge of 200,00 no longer claims what is due")
        self.assertEqual(old_total["status"], REMOVED, "nor the total that counted it")
        values = self.page_values()
        new = self.at_psp(self.row_of(values, self.overdue)["pix"])
        self.assertNotEqual(new["txid"], old["txid"])
        self.assertEqual(new["body"]["valor"]["original"], "150.00")
        self.assertEqual(len(self.charges(key=f"line-{self.installment(self.overdue).id}", state="active")), 1)

    def test_the_message_carries_its_claim_s_charge_and_the_page_shares_it(self):
        dispatch = self.queued_message()
        dispatch._send_stage_actions()
        charge = dispatch.pix_charge_id
        self.assertTrue(charge, dispatch.pix_note)
        self.assertEqual(dispatch.pix_note, f"PIX: dynamic charge {charge.txid}")
        at_psp = self.psp.charges[charge.txid]
        self.assertEqual(
            Decimal(at_psp["body"]["valor"]["original"]), Decimal(str(dispatch.amount_due)).quantize(Decimal("0.01"))
        )
        self.assertIn(at_psp["pixCopiaECola"], self.sent_body())
        # The page's total claims the same: the same charge, not a second one.
        self.assertEqual(self.page_values()["pix_total"], at_psp["pixCopiaECola"])
        self.assertEqual(len(self.charges(key=f"debtor-{self.debtor.id}")), 1)

    def test_psp_unreachable_the_message_goes_out_with_the_static_code_and_says_why(self):
        dispatch = self.queued_message()
        self.psp.down = True
        try:
            dispatch._send_stage_actions()
        finally:
            self.psp.down = False
        self.assertFalse(dispatch.pix_charge_id)
        self.assertTrue(dispatch.pix_note.startswith("PIX: static code (PSP unreachable: "), dispatch.pix_note)
        body = self.sent_body()
        self.assertIn(dispatch.portal_pix_code, body)
        self.assertEqual(pix.validate(dispatch.portal_pix_code), [], "a valid static BR Code")
        self.assertEqual(float(pix.amount_of(dispatch.portal_pix_code)), dispatch.amount_due)
        self.assertFalse(self.charges())

    def test_the_letter_and_the_whatsapp_text_carry_the_total_s_charge(self):
        report = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account_credit_recovery.report_collection_letter", self.debtor.ids)[0]
            .decode()
        )
        charge = self.charges(key=f"debtor-{self.debtor.id}", state="active")
        self.assertTrue(charge)
        self.assertIn(charge.copy_paste, report)
        action = self.debtor.with_user(self.agent).action_whatsapp()
        contact = self.env["credit.recovery.contact"].browse(action["contact_id"])
        self.assertIn(charge.copy_paste, contact.notes)
        self.assertEqual(len(self.charges(key=f"debtor-{self.debtor.id}")), 1, "one charge for the one total")

    def test_an_agreement_replaces_the_invoices_their_charges_are_removed(self):
        values = self.page_values()
        superseded = [self.at_psp(self.row_of(values, invoice)["pix"]) for invoice in (self.long_overdue, self.overdue)]
        superseded.append(self.at_psp(values["pix_total"]))
        agreement = self.accept_occasional_3x()
        self.assertEqual(agreement.state, "active")
        self.assertEqual([charge["status"] for charge in superseded], [REMOVED] * 3)
        self.assertFalse(
            self.charges(state="active").filtered(
                lambda charge: charge.move_line_ids.move_id & (self.long_overdue | self.overdue)
            )
        )
        # The agreement's next installment: a cobv of what is still due on it, on its due date.
        first = agreement.line_ids.filtered(lambda line: not line.paid).sorted(
            lambda line: (line.date_due, line.sequence)
        )[0]
        agreement.invalidate_recordset(["portal_pix_code"])
        code = agreement.with_context(recovery_pix_charge=True).portal_pix_code
        at_psp = self.at_psp(code)
        self.assertEqual(at_psp["kind"], "cobv")
        self.assertEqual(
            Decimal(at_psp["body"]["valor"]["original"]), Decimal(str(first.amount_residual)).quantize(Decimal("0.01"))
        )
        self.assertEqual(at_psp["body"]["calendario"]["dataDeVencimento"], fields.Date.to_string(first.date_due))
        self.assertIn(code, self.open_page_after_agreement())

    def open_page_after_agreement(self):
        response = self.url_open(self.url)
        response = self.url_open(f"{self.url}/verify", data={"digits": "12309", "csrf_token": self.csrf(response.text)})
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_a_dispute_pauses_the_invoice_its_charges_are_removed(self):
        values = self.page_values()
        row = self.at_psp(self.row_of(values, self.overdue)["pix"])
        total = self.at_psp(values["pix_total"])
        other = self.at_psp(self.row_of(values, self.not_due)["pix"])
        self.overdue._recovery_open_dispute("product_problem", "Goods never delivered")
        self.assertEqual((row["status"], total["status"], other["status"]), (REMOVED, REMOVED, "ATIVA"))

    def test_removal_while_the_psp_is_down_is_retried_by_the_cron(self):
        values = self.page_values()
        row = self.at_psp(self.row_of(values, self.overdue)["pix"])
        self.psp.down = True
        try:
            self.overdue._recovery_open_dispute("product_problem", "Goods never delivered")
        finally:
            self.psp.down = False
        charge = self.charges(key=f"line-{self.installment(self.overdue).id}")
        self.assertEqual(charge.state, "superseded")
        self.assertIn("PSP unreachable", charge.reason)
        self.assertEqual(row["status"], "ATIVA")
        self.env["credit.recovery.pix.charge"]._cron_remove_superseded()
        self.assertEqual(charge.state, "removed")
        self.assertEqual(row["status"], REMOVED)

    def test_without_a_provider_the_static_code_as_before(self):
        self.provider.state = "disabled"
        values = self.page_values()
        self.assertEqual(pix.validate(values["pix_total"]), [])
        self.assertEqual(float(pix.amount_of(values["pix_total"])), values["total"])
        self.assertFalse(self.charges())

    def test_only_a_sandbox_provider_s_codes_can_be_paid_from_the_page(self):
        html = self.open_page()
        self.assertNotIn("Simulate payment (sandbox)", html, "a real PSP's charges are paid at a bank only")
        self.provider.pix_psp = "sandbox"
        self.env["credit.recovery.pix.charge"].sudo().search([]).write({"state": "removed"})
        html = self.open_page()
        values = self.page_values()
        charge = self.charges(key=f"debtor-{self.debtor.id}", state="active")
        self.assertEqual(charge.copy_paste, values["pix_total"])
        self.assertIn("Simulate payment (sandbox)", html)
        self.assertIn('action="/payment/pix_api/sandbox/pay"', html)
        self.assertIn(f'name="reference" value="{charge.transaction_id.reference}"', html)
        # The page's own button, as the debtor presses it: its form's fields posted to the route.
        form = html[html.index('action="/payment/pix_api/sandbox/pay"') :]
        form = form[: form.index("</form>")]
        fields_ = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
        response = self.url_open("/payment/pix_api/sandbox/pay", data=fields_, allow_redirects=False)
        self.assertIn(response.status_code, (200, 303), response.text[:300])
        self.env.invalidate_all()
        paid = self.env["payment.transaction"].sudo().search([("reference", "=", fields_["reference"])])
        self.assertEqual(paid.state, "done")
        self.assertTrue(paid.payment_id, "the sandbox PIX was registered as a payment")

    def test_the_delivery_cron_prepares_each_message_s_charge(self):
        dispatch = self.queued_message()
        # 13:00 in São Paulo, inside the default contact window.
        with freeze_time(f"{self.today} 16:00:00"):
            self.env["credit.recovery.dispatch"]._deliver_batch()
        self.env.invalidate_all()
        self.assertEqual(dispatch.state, "sent", dispatch.note)
        self.assertTrue(dispatch.pix_charge_id)
        self.assertEqual(dispatch.pix_note, f"PIX: dynamic charge {dispatch.pix_charge_id.txid}")
        at_psp = self.psp.charges[dispatch.pix_charge_id.txid]
        self.assertEqual(
            Decimal(at_psp["body"]["valor"]["original"]),
            Decimal(str(dispatch.amount_claimed)).quantize(Decimal("0.01")),
        )
        self.assertIn(at_psp["pixCopiaECola"], self.sent_body())
        self.assertEqual(dispatch.portal_pix_code, at_psp["pixCopiaECola"], "the message shows the code it carried")

    def test_a_visit_makes_a_few_new_installment_charges_the_rest_at_the_next_visits(self):
        with patch.object(portal_module, "PAGE_MAX_NEW_CHARGES", 1):
            first = self.page_values()
            dynamic = [row for row in first["rows"] if self.at_psp(row["pix"])]
            self.assertEqual(len(dynamic), 1, "one new installment charge a visit here")
            self.assertTrue(self.at_psp(first["pix_total"]), "the total has its charge whatever the cap")
            static = [row for row in first["rows"] if not self.at_psp(row["pix"])]
            self.assertTrue(static and all(pix.validate(row["pix"]) == [] for row in static), "the others: static")
            second = self.page_values()
        self.assertEqual(len([row for row in second["rows"] if self.at_psp(row["pix"])]), 2)
