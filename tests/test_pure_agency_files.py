"""The agency files without a database: what the assignment file holds, how a results file is read."""

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from odoo.tests import tagged

from ..tools import agency_files
from ..tools.agency_files import AgencyFileError
from .common import PureCase, cases

HEADER = "reference;vat;date;channel;direction;outcome;note;callback_date;promised_date;amount\n"


def results_csv(*lines, header=HEADER):
    return (header + "\n".join(lines) + "\n").encode()


@tagged("post_install", "-at_install")
class TestPureAgencyFiles(PureCase):
    @cases(
        equals=('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        plus=("+55 11 98765-4321", "'+55 11 98765-4321"),
        minus=("-1+1", "'-1+1"),
        at=("@SUM(A1)", "'@SUM(A1)"),
        tab=("\t=1", "'\t=1"),
        plain=("Maria Silva", "Maria Silva"),
        number=(Decimal("-12.50"), Decimal("-12.50")),
        empty=(None, ""),
    )
    def test_neutralise(self, value, expected):
        """A cell a spreadsheet would run as a formula starts with an apostrophe; numbers stay numbers."""
        self.assertEqual(agency_files.neutralise(value), expected)

    def test_reference_round_trip(self):
        self.assertEqual(agency_files.assignment_reference(42), "CR-AG-42")
        self.assertEqual(agency_files.parse_reference(" cr-ag-42 "), 42)
        self.assertEqual(agency_files.parse_reference("CRAG42"), 42)
        self.assertIsNone(agency_files.parse_reference("42; DROP"))

    def tables(self):
        debtors = [
            {
                "reference": "CR-AG-1",
                "name": "=cmd|' /C calc'!A0",
                "vat": "123.456.789-09",
                "amount_updated": Decimal("653.35"),
            }
        ]
        installments = [
            {
                "reference": "CR-AG-1",
                "document": "INV/2026/0001",
                "due_date": date(2026, 10, 1),
                "amount_updated": Decimal("441.66"),
            }
        ]
        contacts = [
            {"reference": "CR-AG-1", "date": datetime(2026, 11, 2, 10, 30), "channel": "phone", "outcome": "@no_answer"}
        ]
        return debtors, installments, contacts

    def test_csv_zip(self):
        """Three CSV files, ``;`` separated, formulas neutralised, amounts with a decimal point."""
        archive = zipfile.ZipFile(io.BytesIO(agency_files.build_csv_zip(*self.tables())))
        self.assertEqual(sorted(archive.namelist()), ["contacts.csv", "debtors.csv", "installments.csv"])
        debtors = list(csv.reader(io.StringIO(archive.read("debtors.csv").decode("utf-8-sig")), delimiter=";"))
        self.assertEqual(tuple(debtors[0]), agency_files.DEBTOR_COLUMNS)
        row = dict(zip(debtors[0], debtors[1], strict=True))
        self.assertEqual(row["name"], "'=cmd|' /C calc'!A0")
        self.assertEqual(row["amount_updated"], "653.35")
        installments = archive.read("installments.csv").decode("utf-8-sig")
        self.assertIn("2026-10-01", installments)
        contacts = archive.read("contacts.csv").decode("utf-8-sig")
        self.assertIn("2026-11-02 10:30;phone;;'@no_answer", contacts)

    def test_xlsx(self):
        """Three sheets; text is text (no formula), amounts are numbers."""
        book = load_workbook(io.BytesIO(agency_files.build_xlsx(*self.tables())))
        self.assertEqual(book.sheetnames, ["Debtors", "Installments", "Contacts"])
        sheet = book["Debtors"]
        header = [cell.value for cell in sheet[1]]
        row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
        self.assertEqual(row["name"], "'=cmd|' /C calc'!A0")
        self.assertEqual(sheet.cell(2, header.index("name") + 1).data_type, "s")
        self.assertEqual(row["amount_updated"], 653.35)
        self.assertEqual(book["Installments"].cell(2, 3).value, "INV/2026/0001")

    @cases(
        comma=("1.234,56", Decimal("1234.56")),
        comma_only=("1234,5", Decimal("1234.5")),
        point=("1234.56", Decimal("1234.56")),
        us_thousands=("1,234.56", Decimal("1234.56")),
        br_thousands=("1.234", Decimal("1234")),
        currency=("R$ 300,00", Decimal("300.00")),
        number=(300.5, Decimal("300.5")),
        three_decimals=("12.3456", None),
        words=("trezentos", None),
        two_commas=("1,2,3", None),
        negative=("-10,00", None),
    )
    def test_amount(self, text, expected):
        self.assertEqual(agency_files.parse_amount(text), expected)

    @cases(
        brazilian=("05/11/2026 14:30", datetime(2026, 11, 5, 14, 30)),
        iso=("2026-11-05T14:30:00", datetime(2026, 11, 5, 14, 30)),
        iso_space=("2026-11-05 14:30", datetime(2026, 11, 5, 14, 30)),
        spreadsheet=(datetime(2026, 11, 5, 14, 30, 12, 5), datetime(2026, 11, 5, 14, 30, 12)),
        day_only=("05/11/2026", None),
        american=("11/31/2026 10:00", None),
    )
    def test_datetime(self, value, expected):
        self.assertEqual(agency_files.parse_datetime(value), expected)

    def test_date(self):
        self.assertEqual(agency_files.parse_date("20/12/2026"), date(2026, 12, 20))
        self.assertEqual(agency_files.parse_date("2026-12-20"), date(2026, 12, 20))
        self.assertIsNone(agency_files.parse_date("2026-13-01"))

    def test_read_csv_good_rows(self):
        """Portuguese column names and codes, ``,`` separated; a promise is a contact with its date and amount."""
        raw = (
            "Referência,CPF/CNPJ,Data,Canal,Direção,Resultado,Observação,Data retorno,Data prometida,Valor\n"
            'CR-AG-7,,05/11/2026 14:30,Telefone,,Promessa,"Paga dia 20, <b>sem</b> falta",,20/12/2026,"1.234,56"\n'
            ",123.456.789-09,2026-11-05 15:00,whatsapp,entrada,sem resposta,,,,\n"
            ",,,,,,,,,\n"
        ).encode()
        rows, errors = agency_files.parse_results(agency_files.read_table(raw, "results.csv"))
        self.assertEqual(errors, [])
        promise, inbound = rows
        self.assertEqual(
            (promise.line, promise.reference, promise.channel, promise.direction), (2, 7, "phone", "outbound")
        )
        self.assertEqual(
            (promise.outcome, promise.amount, promise.promised_date),
            ("promise", Decimal("1234.56"), date(2026, 12, 20)),
        )
        self.assertEqual(promise.note, "Paga dia 20, <b>sem</b> falta")  # text, kept as typed
        self.assertEqual((inbound.vat, inbound.direction, inbound.outcome), ("12345678909", "inbound", "no_answer"))
        self.assertEqual(promise.key(1), rows[0].key(1))
        self.assertNotEqual(promise.key(1), promise.key(2))

    def test_read_xlsx(self):
        book = Workbook()
        sheet = book.active
        sheet.append(list(agency_files.RESULT_COLUMNS))
        sheet.append(
            [
                "CR-AG-3",
                None,
                datetime(2026, 11, 5, 9, 0),
                "email",
                "out",
                "callback",
                "ok",
                date(2026, 11, 9),
                None,
                None,
            ]
        )
        buffer = io.BytesIO()
        book.save(buffer)
        rows, errors = agency_files.parse_results(agency_files.read_table(buffer.getvalue(), "r.xlsx"))
        self.assertEqual(errors, [])
        self.assertEqual((rows[0].when, rows[0].callback_date), (datetime(2026, 11, 5, 9, 0), date(2026, 11, 9)))

    def test_bad_rows_every_problem(self):
        """Every problem of every line, by line number: nothing is half-read."""
        raw = results_csv(
            "CR-AG-1;;05/11/2026 14:30;phone;;no_answer;;;;",
            "XX-9;123;31/02/2026 10:00;fax;sideways;maybe;;;;",
            "CR-AG-1;;05/11/2026 14:30;phone;;promise;;;;",
            "CR-AG-1;;05/11/2026 14:30;phone;;refused;;;20/12/2026;10",
            ";;05/11/2026 14:30;phone;;callback;;;;",
            "CR-AG-1;;05/11/2026 14:30;phone;;promise;;;20/12/2026;0,00",
            "CR-AG-1;;05/11/2026 14:30;phone;;promise;;;2026-12-40;abc",
        )
        rows, errors = agency_files.parse_results(agency_files.read_table(raw))
        self.assertEqual([row.line for row in rows], [2])
        by_line = {}
        for line, code, _params in errors:
            by_line.setdefault(line, []).append(code)
        self.assertEqual(
            by_line,
            {
                3: ["bad_reference", "bad_vat", "bad_datetime", "bad_channel", "bad_direction", "bad_outcome"],
                4: ["promise_needs"],
                5: ["not_a_promise"],
                6: ["no_debtor", "callback_needs"],
                7: ["amount_not_positive"],
                8: ["bad_date", "bad_amount"],
            },
        )

    def test_file_refused_before_parsing(self):
        with self.assertRaises(AgencyFileError) as big:
            agency_files.read_table(b"x" * (agency_files.MAX_FILE_BYTES + 1))
        self.assertEqual(big.exception.code, "too_big")
        many = results_csv(*["CR-AG-1;;05/11/2026 14:30;phone;;no_answer;;;;"] * (agency_files.MAX_ROWS + 1))
        with self.assertRaises(AgencyFileError) as rows:
            agency_files.read_table(many)
        self.assertEqual(rows.exception.code, "too_many_rows")
        with self.assertRaises(AgencyFileError) as column:
            agency_files.read_table(b"reference;date;channel\nCR-AG-1;05/11/2026 14:30;phone\n")
        self.assertEqual((column.exception.code, column.exception.params), ("missing_column", {"column": "outcome"}))
        with self.assertRaises(AgencyFileError) as damaged:
            agency_files.read_table(b"PK\x03\x04 not a workbook", "r.xlsx")
        self.assertEqual(damaged.exception.code, "unreadable")
        with self.assertRaises(AgencyFileError) as empty:
            agency_files.read_table(HEADER.encode())
        self.assertEqual(empty.exception.code, "empty")
