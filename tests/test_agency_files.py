"""Agencies that work in their own system: the assignment file they are handed, the results file they send back."""

import base64
import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

from freezegun import freeze_time
from openpyxl import Workbook, load_workbook

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..tools.agency_files import RESULT_COLUMNS
from .common import CreditRecoveryCommon

TODAY = date(2026, 11, 10)  # a Tuesday, no holiday
NOW = "2026-11-10 15:00:00"  # 12:00 in São Paulo: inside the contact window
HEADER = ";".join(RESULT_COLUMNS)


@tagged("post_install", "-at_install")
class TestAgencyFiles(CreditRecoveryCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        brl = cls.env.ref("base.BRL")
        brl.active = True
        cls.company.currency_id = brl
        cls.company.partner_id.write({"country_id": cls.env.ref("base.br").id, "tz": "America/Sao_Paulo"})
        cls.customer.write(
            {
                "vat": "123.456.789-09",
                "email": "maria@example.com",
                "phone": "+55 11 3333-4444",
                "mobile": "+55 11 98765-4321",
                "street": '=HYPERLINK("http://evil.example","Rua")',
                "city": "São Paulo",
                "zip": "01310-100",
                "tz": "America/Sao_Paulo",
            }
        )
        cls.other = cls.env["res.partner"].create(
            {
                "name": "João Souza",
                "vat": "987.654.321-00",
                "country_id": cls.env.ref("base.br").id,
                "tz": "America/Sao_Paulo",
            }
        )
        cls.overdue = cls.create_invoice(433.0, TODAY - timedelta(days=70), TODAY - timedelta(days=40))
        cls.overdue |= cls.create_invoice(200.0, TODAY - timedelta(days=40), TODAY - timedelta(days=10))
        cls.other_invoice = cls.create_invoice(
            150.0, TODAY - timedelta(days=50), TODAY - timedelta(days=20), partner=cls.other
        )
        with cls.on(TODAY):
            cls.env["account.move"]._cron_refresh_recovery_state()
        cls.debtor = cls.overdue[:1].recovery_debtor_id
        cls.other_debtor = cls.other_invoice.recovery_debtor_id
        cls.agency = cls.env["credit.recovery.agency"].create(
            {"partner_id": cls.env["res.partner"].create({"name": "Assessoria Exemplo Ltda", "is_company": True}).id}
        )
        cls.rival = cls.env["credit.recovery.agency"].create(
            {"partner_id": cls.env["res.partner"].create({"name": "Cobra Bem Ltda", "is_company": True}).id}
        )
        agency_groups = "base.group_user,account_credit_recovery.group_credit_recovery_agency"
        cls.agency_user = new_test_user(
            cls.env, login="agencia_files", groups=agency_groups, company_id=cls.company.id, tz="America/Sao_Paulo"
        )
        cls.rival_user = new_test_user(cls.env, login="rival_files", groups=agency_groups, company_id=cls.company.id)
        cls.agency.user_ids = [Command.set(cls.agency_user.ids)]
        cls.rival.user_ids = [Command.set(cls.rival_user.ids)]
        with cls.on(TODAY):
            cls.assignment = cls.debtor.with_user(cls.manager)._recovery_assign_agency(
                cls.agency, TODAY + timedelta(days=60)
            )
        cls.reference = f"CR-AG-{cls.assignment.id}"

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def download(self, action):
        attachment_id = int(re.match(r"/web/content/(\d+)\?download=true$", action["url"]).group(1))
        return self.env["ir.attachment"].browse(attachment_id).raw

    def results_csv(self, *rows):
        return base64.b64encode(("\n".join([HEADER, *rows]) + "\n").encode())

    def import_file(self, content, filename="resultados.csv", user=None):
        wizard = (
            self.env["credit.recovery.agency.results"]
            .with_user(user or self.agency_user)
            .create({"agency_id": self.agency.id, "file": content, "filename": filename})
        )
        return wizard.action_import()

    def agency_logs(self):
        return self.env["credit.recovery.contact"].search([("agency_id", "=", self.agency.id)])

    # ------------------------------------------------------------------
    # The assignment file
    # ------------------------------------------------------------------

    @freeze_time(NOW)
    def test_export_xlsx_amounts_of_the_page(self):
        """Each installment updated today with the claim's fine and interest: the debtor's total is,
        to the cent, what the page claims; formulas are neutralised; the download is noted."""
        self.debtor.invalidate_recordset()
        page_amount = Decimal(str(self.debtor.amount_claimable)).quantize(Decimal("0.01"))
        self.assertGreater(page_amount, Decimal("633.00"))  # fine and interest on 633,00
        claim = self.debtor._get_claims(TODAY)[self.debtor.id]
        action = self.agency.with_user(self.manager).action_download_assignment_xlsx()
        book = load_workbook(io.BytesIO(self.download(action)))
        self.assertEqual(book.sheetnames, ["Debtors", "Installments", "Contacts"])
        sheet = book["Debtors"]
        header = [cell.value for cell in sheet[1]]
        debtors = [dict(zip(header, [cell.value for cell in row], strict=True)) for row in sheet.iter_rows(min_row=2)]
        self.assertEqual(len(debtors), 1)
        debtor = debtors[0]
        self.assertEqual(
            (debtor["reference"], debtor["vat"], debtor["name"]), (self.reference, "123.456.789-09", "Maria Silva")
        )
        self.assertEqual((debtor["email"], debtor["mobile"]), ("maria@example.com", "'+55 11 98765-4321"))
        self.assertEqual(debtor["street"], '\'=HYPERLINK("http://evil.example","Rua")')  # text, never a formula
        self.assertEqual(sheet.cell(2, header.index("street") + 1).data_type, "s")
        self.assertEqual(Decimal(str(debtor["amount_updated"])).quantize(Decimal("0.01")), page_amount)
        sheet = book["Installments"]
        header = [cell.value for cell in sheet[1]]
        installments = [
            dict(zip(header, [cell.value for cell in row], strict=True)) for row in sheet.iter_rows(min_row=2)
        ]
        self.assertEqual(sorted(row["document"] for row in installments), sorted(self.overdue.mapped("name")))
        expected = {line.move.name: line.charges.total for line in claim.lines}
        for row in installments:
            self.assertEqual(Decimal(str(row["amount_updated"])).quantize(Decimal("0.01")), expected[row["document"]])
        self.assertEqual(
            sum(Decimal(str(row["amount_updated"])) for row in installments).quantize(Decimal("0.01")), page_amount
        )
        self.assertEqual(sorted(row["original_amount"] for row in installments), [200.0, 433.0])
        note = self.agency.message_ids[0]
        self.assertIn("downloaded the assignment file", note.body)
        self.assertIn("for 1 debtor(s)", note.body)
        self.assertIn(self.manager.name, note.body)
        # The file is read by who downloaded it, not by the agency's users (now, later or after a recall).
        self.assertFalse(note.attachment_ids)
        file = self.env["ir.attachment"].browse(int(re.search(r"/web/content/(\d+)", action["url"]).group(1)))
        self.assertFalse(file.res_model)
        Attachment = self.env["ir.attachment"]
        self.assertEqual(Attachment.with_user(self.manager).search([("id", "=", file.id)]), file)
        self.assertFalse(Attachment.with_user(self.agency_user).search([("id", "=", file.id)]))

    @freeze_time(NOW)
    def test_export_csv_zip_with_contacts(self):
        """A zip of three CSV files; the contacts so far, the agency's marked as such."""
        self.import_file(self.results_csv(f"{self.reference};;10/11/2026 10:30;phone;out;no_answer;;;;"))
        action = self.assignment.with_user(self.agency_user).action_download_agency_file_csv()
        archive = zipfile.ZipFile(io.BytesIO(self.download(action)))
        self.assertEqual(sorted(archive.namelist()), ["contacts.csv", "debtors.csv", "installments.csv"])
        contacts = list(csv.DictReader(io.StringIO(archive.read("contacts.csv").decode("utf-8-sig")), delimiter=";"))
        self.assertEqual(
            [(row["reference"], row["date"], row["channel"], row["outcome"], row["by"]) for row in contacts],
            [(self.reference, "2026-11-10 10:30", "phone", "no_answer", "agency")],
        )
        debtors = list(csv.DictReader(io.StringIO(archive.read("debtors.csv").decode("utf-8-sig")), delimiter=";"))
        self.assertTrue(debtors[0]["street"].startswith("'="))
        self.assertIn(self.agency_user.name, self.agency.message_ids[0].body)

    @freeze_time(NOW)
    def test_export_refused(self):
        """Only a manager or the agency's own users; never a recalled assignment."""
        with self.assertRaises(AccessError):
            self.agency.with_user(self.agent).action_download_assignment_xlsx()
        with self.assertRaises(AccessError):
            self.assignment.with_user(self.rival_user).action_download_agency_file_xlsx()
        with self.assertRaises(AccessError):
            self.agency.with_user(self.rival_user).action_import_results()
        self.assignment._recovery_recall("manual")
        with self.assertRaisesText(UserError, "Recalled assignments are not handed over again"):
            self.assignment.with_user(self.manager).action_download_agency_file_csv()
        with self.assertRaisesText(UserError, "has no debtor assigned"):
            self.agency.with_user(self.manager).action_download_assignment_csv()

    # ------------------------------------------------------------------
    # The results file
    # ------------------------------------------------------------------

    @freeze_time(NOW)
    def test_import_csv_sealed_logs_and_promise_once(self):
        """Good rows: sealed logs marked as the agency's, a promise through its outcome; importing
        the same file again records nothing twice."""
        promises_before = self.env["credit.recovery.promise"].search_count([])
        content = self.results_csv(
            f"{self.reference};;10/11/2026 10:30;telefone;;sem resposta;Caixa <b>cheia</b>;;;",
            ";123.456.789-09;2026-11-10 11:15;whatsapp;in;promise;Paga dia 20;;20/11/2026;300,00",
        )
        result = self.import_file(content)
        self.assertIn("2 contact(s) recorded, 1 with a promise to pay; 0 row(s)", result["params"]["message"])
        logs = self.agency_logs()
        self.assertEqual(len(logs), 2)
        self.assertTrue(all(logs.mapped("evidence_hash")))
        self.assertEqual(logs.debtor_id, self.debtor)
        self.assertEqual(logs.user_id, self.agency_user)
        no_answer = logs.filtered(lambda log: log.channel == "phone")
        self.assertEqual(no_answer.notes, "Caixa <b>cheia</b>")  # text, as typed
        chatter = self.debtor.message_ids.filtered(lambda message: "cheia" in (message.body or ""))
        self.assertIn("Caixa &lt;b&gt;cheia&lt;/b&gt;", chatter.body)  # escaped, never HTML
        self.assertEqual((no_answer.direction, no_answer.date), ("outbound", datetime(2026, 11, 10, 13, 30)))
        promise = self.env["credit.recovery.promise"].search([("contact_id", "in", logs.ids)])
        self.assertEqual((promise.amount, promise.date, promise.state), (300.0, date(2026, 11, 20), "open"))
        self.assertEqual(promise.invoice_ids, self.overdue)
        again = self.import_file(content)
        self.assertIn("0 contact(s) recorded, 0 with a promise to pay; 2 row(s)", again["params"]["message"])
        self.assertEqual(len(self.agency_logs()), 2)
        self.assertEqual(self.env["credit.recovery.promise"].search_count([]), promises_before + 1)
        self.assertIn("imported the results file resultados.csv", self.agency.message_ids[0].body)

    @freeze_time(NOW)
    def test_import_xlsx_by_a_manager(self):
        book = Workbook()
        sheet = book.active
        sheet.append(list(RESULT_COLUMNS))
        sheet.append(
            [
                None,
                "12345678909",
                datetime(2026, 11, 10, 9, 45),
                "email",
                "out",
                "callback",
                None,
                date(2026, 11, 12),
                None,
                None,
            ]
        )
        buffer = io.BytesIO()
        book.save(buffer)
        self.import_file(base64.b64encode(buffer.getvalue()), "resultados.xlsx", user=self.manager)
        log = self.agency_logs()
        self.assertEqual(
            (log.channel, log.outcome_id, log.next_action_date),
            ("email", self.env.ref("account_credit_recovery.outcome_callback"), date(2026, 11, 12)),
        )
        self.assertEqual(log.user_id, self.manager)
        self.assertTrue(log.evidence_hash)

    @freeze_time(NOW)
    def test_import_bad_rows_nothing_imported(self):
        """A clear error naming every bad row and what to fix; the good rows are not recorded either."""
        content = self.results_csv(
            f"{self.reference};;10/11/2026 10:30;phone;;no_answer;;;;",
            f"{self.reference};;31/11/2026 10:30;fax;;no_answer;;;;",
            f"{self.reference};;10/11/2026 10:40;phone;;promise;;;;",
            f"{self.reference};;10/11/2026 10:50;phone;;promise;;;01/11/2026;50,00",
            f"{self.reference};;10/11/2026 16:00;phone;;no_answer;;;;",
        )
        with self.assertRaises(UserError) as catcher:
            self.import_file(content)
        message = str(catcher.exception)
        self.assertIn("nothing was recorded", message)
        self.assertIn("Row 3: the date 31/11/2026 10:30 is not a date and time", message)
        self.assertIn("Row 3: the channel fax is unknown", message)
        self.assertIn("Row 4: a promise needs its promised date and amount", message)
        self.assertIn("Row 5: the promised date is in the past", message)
        self.assertIn("Row 6: the contact is dated in the future", message)
        self.assertNotIn("Row 2", message)
        self.assertFalse(self.agency_logs())

    @freeze_time(NOW)
    def test_import_refused_by_the_contact_rules(self):
        """A row the contact window refuses (a call at 06:00) is named, and the good rows before it are not kept."""
        content = self.results_csv(
            f"{self.reference};;10/11/2026 10:30;phone;;no_answer;;;;",
            f"{self.reference};;10/11/2026 06:00;phone;;refused;;;;",
        )
        with self.assertRaises(UserError) as catcher:
            self.import_file(content)
        message = str(catcher.exception)
        self.assertIn("Row 3: ", message)
        self.assertIn("outside the contact window", message)
        self.assertNotIn("Row 2", message)
        self.assertFalse(self.agency_logs())
        self.assertFalse(
            self.env["credit.recovery.contact"].search(
                [("debtor_id", "=", self.debtor.id), ("channel", "!=", "agency")]
            ),
            "nothing but the hand-over record",
        )

    @freeze_time(NOW)
    def test_import_refuses_debtors_not_assigned(self):
        """Another debtor, another agency's, or after the recall: refused, with the same answer."""
        content = self.results_csv(
            ";987.654.321-00;10/11/2026 10:30;phone;;no_answer;;;;",
            "CR-AG-999999;;10/11/2026 10:30;phone;;no_answer;;;;",
            f"{self.reference};987.654.321-00;10/11/2026 10:30;phone;;no_answer;;;;",
        )
        with self.assertRaises(UserError) as catcher:
            self.import_file(content)
        message = str(catcher.exception)
        self.assertIn("Row 2: 98765432100 is not a debtor assigned to the agency now", message)
        self.assertIn("Row 3: CR-AG-999999 is not a debtor assigned to the agency now", message)
        self.assertIn("Row 4: the CPF/CNPJ is not the one of the debtor of", message)
        with self.assertRaises(AccessError):
            self.import_file(
                self.results_csv(f"{self.reference};;10/11/2026 10:30;phone;;no_answer;;;;"), user=self.rival_user
            )
        self.assignment._recovery_recall("manual")
        with self.assertRaisesText(UserError, f"{self.reference} is not a debtor assigned to the agency now"):
            self.import_file(self.results_csv(f"{self.reference};;10/11/2026 10:30;phone;;no_answer;;;;"))
        self.assertFalse(
            self.env["credit.recovery.contact"].search(
                [("partner_id", "in", (self.customer | self.other).ids), ("channel", "!=", "agency")]
            )
        )

    @freeze_time(NOW)
    def test_import_file_refused_before_parsing(self):
        with self.assertRaisesText(UserError, "The file is too big"):
            self.import_file(base64.b64encode(b"x" * (2 * 1024 * 1024 + 1)))
        with self.assertRaisesText(UserError, "The file cannot be read"):
            self.import_file(base64.b64encode(b"PK\x03\x04garbage"), "resultados.xlsx")
        with self.assertRaisesText(UserError, "The file has no outcome column"):
            self.import_file(base64.b64encode(b"reference;date;channel\nCR-AG-1;10/11/2026 10:30;phone\n"))
