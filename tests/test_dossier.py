import io
from datetime import date, datetime

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CreditRecoveryCommon

MONDAY_10H_SP = datetime(2026, 11, 23, 13, 0)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with white space folded (the extractor separates words with tabs)."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@tagged("post_install", "-at_install")
class TestDossier(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"vat": "12.345.678/0001-95", "street": "Rua 25 de Março, 1000", "city": "São Paulo", "zip": "01021-200"}
        )
        cls.customer.write(
            {
                "vat": "529.982.247-25",
                "tz": "America/Sao_Paulo",
                "mobile": "+55 11 98765-4321",
                "phone": "1234",
                "email": "maria@example.com",
                "street": "Rua Augusta, 1200",
                "city": "São Paulo",
            }
        )
        cls.invoice = cls.create_invoice(1000.0, date(2026, 9, 1), date(2026, 10, 9))
        cls.old_invoice = cls.create_invoice(250.0, date(2021, 6, 1), date(2021, 7, 1))

    def render(self, debtor, report="account_credit_recovery.action_report_dossier", invoices=None):
        data = {"invoice_ids": invoices.ids} if invoices else None
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, debtor.ids, data=data)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        return pdf_text(pdf)

    def log_call(self, notes):
        with freeze_time(MONDAY_10H_SP):
            contact = self.env["credit.recovery.contact"].create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self.invoice.ids)],
                    "channel": "phone",
                    "phone_number": "+55 11 98765-4321",
                    "call_duration": 4.25,
                    "outcome_id": self.env.ref("account_credit_recovery.outcome_refused").id,
                    "reason_id": self.env.ref("account_credit_recovery.reason_income_loss").id,
                    "notes": notes,
                    "attachment_ids": [Command.create({"name": "recibo.txt", "raw": b"receipt"})],
                }
            )
            self.env.flush_all()
        return contact

    @freeze_time(date(2026, 11, 23))
    def test_dossier_content(self):
        contact = self.log_call("Lost her job last month")
        debtor = contact.debtor_id
        text = self.render(debtor)
        for expected in (
            self.company.name,
            "12.345.678/0001-95",
            "Maria Silva",
            "529.982.247-25",
            "+5511987654321",
            "invalid number",
            "maria@example.com",
            self.invoice.name,
            "Lost her job last month",
            "+55 11 98765-4321",  # the number called, as people write it
            "04:15 min",  # the call's duration, as the call timer showed it
            contact.evidence_hash[:32],
            "recibo.txt",
            "page 1 /",
            "Dossier digest",
        ):
            self.assertIn(expected, text, expected)
        # 1,000.00 overdue 45 days on 23/11: fine 20.00, interest 15.00, total 1,035.00
        self.assertIn("1,035.00", text)
        self.assertIn("PRESCRIBED", text, "the 2021 invoice is past its 5-year prescription")

    @freeze_time(date(2026, 11, 23))
    def test_invoices_paid_on_time_are_left_out(self):
        """The debtor's dossier lists its debts: an invoice paid by its due date never was one."""
        on_time = self.create_invoice(80.0, date(2026, 8, 1), date(2026, 8, 31))
        self.pay(on_time, 80.0, date(2026, 8, 31))
        debtor = self.log_call("Lost her job last month").debtor_id
        text = self.render(debtor)
        self.assertIn(self.invoice.name, text)
        self.assertIn(self.old_invoice.name, text, "open, if prescribed")
        self.assertNotIn(on_time.name, text)

    @freeze_time(date(2026, 11, 23))
    def test_portuguese_formats(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.customer.lang = "pt_BR"
        debtor = self.log_call("Perdeu o emprego").debtor_id
        text = self.render(debtor)
        self.assertIn("1.035,00", text)
        self.assertIn("09/10/2026", text)
        self.assertNotIn("1,035.00", text)

    @freeze_time(date(2026, 11, 23))
    def test_partner_without_contacts(self):
        debtor = self.invoice.recovery_debtor_id
        text = self.render(debtor, invoices=self.invoice)
        self.assertIn("No contact has been recorded", text)
        self.assertNotIn("PRESCRIBED", text, "only the selected invoice is in this dossier")

    @freeze_time(date(2026, 11, 23))
    def test_versions_and_digest(self):
        contact = self.log_call("Will pay next week")
        debtor = contact.debtor_id
        first = debtor._generate_dossier()
        second = debtor._generate_dossier()
        self.assertEqual(first.description, second.description, "same data, same digest")
        self.assertIn("v1", first.name)
        self.assertIn("v2", second.name)
        self.assertEqual((first.res_model, first.res_id), ("credit.recovery.debtor", debtor.id))
        self.assertIn(first.description.split(":")[1], debtor.message_ids[1].body)
        self.assertIn(second, debtor.message_ids[0].attachment_ids)
        self.env.flush_all()
        self.env.cr.execute("UPDATE credit_recovery_contact SET notes = 'Never called' WHERE id = %s", [contact.id])
        self.env.invalidate_all()
        third = debtor._generate_dossier()
        self.assertNotEqual(third.description, second.description, "altered content, different digest")
        self.assertEqual(debtor.action_verify_evidence()["params"]["type"], "danger")

    @freeze_time(date(2026, 11, 23))
    def test_dossier_from_selected_invoices(self):
        action = self.invoice.with_user(self.agent).with_context(force_report_rendering=True).action_recovery_dossier()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        self.assertEqual(
            (attachment.res_model, attachment.res_id), ("credit.recovery.debtor", self.invoice.recovery_debtor_id.id)
        )
        text = pdf_text(attachment.raw)
        self.assertIn(self.invoice.name, text)
        self.assertNotIn(self.old_invoice.name, text)
        other = self.env["res.partner"].create({"name": "Outro"})
        other_invoice = self.create_invoice(10.0, date(2026, 9, 1), date(2026, 10, 1), partner=other)
        with self.assertRaisesText(UserError, "one customer"):
            (self.invoice | other_invoice).action_recovery_dossier()

    @freeze_time(date(2026, 11, 23))
    def test_collection_letter(self):
        self.refresh_on(date(2026, 11, 23))
        debtor = self.invoice.recovery_debtor_id
        self.assertEqual(debtor.stage_id, self.stage_legal)
        text = self.render(debtor, report="account_credit_recovery.action_report_collection_letter")
        for expected in ("CNPJ 12.345.678/0001-95", "Late fine", "Interest", "1,000.00", "20.00", "15.00", "negotiate"):
            self.assertIn(expected, text, expected)
        self.assertIn("legal department", text)
        self.assertEqual(
            self.stage_legal.letter_report_id.sudo().report_name, "account_credit_recovery.report_collection_letter"
        )
