"""Files for agencies that work in their own system: the assignment file out, the results file in.

Pure formatting and parsing, no ORM. The models gather what is exported
(``models/credit_recovery_agency_files.py``) and record what is imported
(``wizards/credit_recovery_agency_results.py``); the layouts are documented in ``docs/agencies.md``.

Out: three tables (debtors, installments, contacts) as an XLSX workbook of three sheets or a zip of
three CSV files. Every text cell that a spreadsheet would read as a formula is neutralised.

In: one table of results, each row a contact, a promise being a contact whose outcome is
``promise``. Read at the edge into plain values, or into ``(line, code, params)`` errors the model
translates: nothing is trusted, nothing is HTML.
"""

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import astuple, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# Limits checked before anything is parsed.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_NOTE_CHARS = 4000
MAX_CELL_CHARS = 200

# ---------------------------------------------------------------------------------------------
# The assignment file (out)
# ---------------------------------------------------------------------------------------------

REFERENCE_PREFIX = "CR-AG-"
REFERENCE_RE = re.compile(r"^\s*CR-?AG-?(\d{1,12})\s*$", re.IGNORECASE)

DEBTOR_COLUMNS = (
    "reference",
    "name",
    "vat",
    "phone",
    "mobile",
    "email",
    "street",
    "street2",
    "city",
    "state",
    "zip",
    "country",
    "assigned_on",
    "recall_on",
    "amount_assigned",
    "amount_updated",
)
INSTALLMENT_COLUMNS = (
    "reference",
    "vat",
    "document",
    "due_date",
    "days_overdue",
    "original_amount",
    "open_amount",
    "fine",
    "interest",
    "amount_updated",
)
CONTACT_COLUMNS = ("reference", "vat", "date", "channel", "direction", "outcome", "by")
SHEETS = (("Debtors", DEBTOR_COLUMNS), ("Installments", INSTALLMENT_COLUMNS), ("Contacts", CONTACT_COLUMNS))

# A cell a spreadsheet reads as a formula (CSV injection): =, +, -, @, and tab or carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def assignment_reference(assignment_id) -> str:
    """The reference of an assignment in the files: ``CR-AG-<id>``."""
    return f"{REFERENCE_PREFIX}{int(assignment_id)}"


def parse_reference(text):
    """The assignment id a reference names (``CR-AG-12``, ``crag12``), else ``None``."""
    match = REFERENCE_RE.match(str(text or ""))
    return int(match.group(1)) if match else None


def neutralise(value):
    """A cell's value safe to open in a spreadsheet: text starting like a formula gets a leading
    apostrophe (OWASP's advice for CSV injection); numbers, dates and empty cells are as they are."""
    if value is None or value is False:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell_text(value):
    """The CSV text of a cell: dates in ISO form, amounts with a decimal point and two decimals."""
    value = neutralise(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def table_rows(records, columns):
    """``records`` (dicts) as rows of neutralised values in ``columns`` order."""
    return [[neutralise(record.get(column)) for column in columns] for record in records]


def build_csv_zip(debtors, installments, contacts) -> bytes:
    """The assignment file as a zip of ``debtors.csv``, ``installments.csv`` and ``contacts.csv``
    (UTF-8 with a byte order mark, ``;`` separated, a header row of column names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for (sheet, columns), records in zip(SHEETS, (debtors, installments, contacts), strict=True):
            text = io.StringIO()
            writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows([[_cell_text(value) for value in row] for row in table_rows(records, columns)])
            archive.writestr(f"{sheet.lower()}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


def build_xlsx(debtors, installments, contacts) -> bytes:
    """The assignment file as a workbook of three sheets, Debtors, Installments and Contacts; text
    is written as text (never as a formula), amounts as numbers, dates as dates."""
    import xlsxwriter  # noqa: PLC0415 - shipped with Odoo, needed here only

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for (sheet, columns), records in zip(SHEETS, (debtors, installments, contacts), strict=True):
        worksheet = workbook.add_worksheet(sheet)
        worksheet.write_row(0, 0, columns, bold)
        worksheet.freeze_panes(1, 0)
        for row_index, row in enumerate(table_rows(records, columns), start=1):
            for col_index, value in enumerate(row):
                if isinstance(value, datetime):
                    worksheet.write_datetime(row_index, col_index, value, moment)
                elif isinstance(value, date):
                    worksheet.write_datetime(row_index, col_index, datetime.combine(value, datetime.min.time()), day)
                elif isinstance(value, (Decimal, float)):
                    worksheet.write_number(row_index, col_index, float(value), money)
                elif isinstance(value, int) and not isinstance(value, bool):
                    worksheet.write_number(row_index, col_index, value)
                else:
                    worksheet.write_string(row_index, col_index, str(value))
        worksheet.set_column(0, len(columns) - 1, 16)
    workbook.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# The results file (in)
# ---------------------------------------------------------------------------------------------

RESULT_COLUMNS = (
    "reference",
    "vat",
    "date",
    "channel",
    "direction",
    "outcome",
    "note",
    "callback_date",
    "promised_date",
    "amount",
)
# Column names in Portuguese, as an agency may title them.
COLUMN_ALIASES = {
    "referencia": "reference",
    "cpf_cnpj": "vat",
    "cpf": "vat",
    "cnpj": "vat",
    "data": "date",
    "data_hora": "date",
    "canal": "channel",
    "direcao": "direction",
    "resultado": "outcome",
    "observacao": "note",
    "nota": "note",
    "data_retorno": "callback_date",
    "data_prometida": "promised_date",
    "valor": "amount",
}
CHANNELS = {
    "phone": "phone",
    "telefone": "phone",
    "ligacao": "phone",
    "whatsapp": "whatsapp",
    "sms": "sms",
    "email": "email",
    "e_mail": "email",
    "letter": "letter",
    "carta": "letter",
    "in_person": "in_person",
    "presencial": "in_person",
}
DIRECTIONS = {
    "": "outbound",
    "out": "outbound",
    "outbound": "outbound",
    "saida": "outbound",
    "ativo": "outbound",
    "in": "inbound",
    "inbound": "inbound",
    "entrada": "inbound",
    "receptivo": "inbound",
}
# Outcome codes: the suffix of the outcome's XML id (``outcome_<code>``), and Portuguese aliases.
OUTCOMES = {
    "no_answer": "no_answer",
    "sem_resposta": "no_answer",
    "wrong_number": "wrong_number",
    "numero_errado": "wrong_number",
    "voicemail": "voicemail",
    "caixa_postal": "voicemail",
    "promise": "promise",
    "promessa": "promise",
    "refused": "refused",
    "recusa": "refused",
    "dispute": "dispute",
    "contestacao": "dispute",
    "already_paid": "already_paid",
    "ja_pago": "already_paid",
    "agreement": "agreement",
    "acordo": "agreement",
    "callback": "callback",
    "retorno": "callback",
    "do_not_contact": "do_not_contact",
    "nao_contatar": "do_not_contact",
}

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
DATETIME_FORMATS = (
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
AMOUNT_RE = re.compile(r"^\d+(?:[.,]\d{1,2})?$")
THOUSANDS_DOT_RE = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?$")
THOUSANDS_COMMA_RE = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?$")


class AgencyFileError(ValueError):
    """A results file that cannot be read at all: ``code`` and ``params`` say why."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ResultRow:
    """One row of a results file, read: ``when`` is the local date and time of the contact."""

    line: int
    reference: int | None
    vat: str
    when: datetime
    channel: str
    direction: str
    outcome: str
    note: str
    callback_date: date | None = None
    promised_date: date | None = None
    amount: Decimal | None = None

    def key(self, agency_id) -> str:
        """The row's id among imports of ``agency_id``: the same row imported twice has the same key."""
        content = "|".join("" if value is None else str(value) for value in astuple(self)[1:])
        return hashlib.sha256(f"{agency_id}|{content}".encode()).hexdigest()


def code_of(text) -> str:
    """A label as a code: lower case, no accents, words joined by ``_`` (``Não contatar`` → ``nao_contatar``)."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def check_size(raw: bytes):
    if len(raw or b"") > MAX_FILE_BYTES:
        raise AgencyFileError("too_big", size=len(raw), limit=MAX_FILE_BYTES)
    if not raw:
        raise AgencyFileError("empty")


def read_table(raw: bytes, filename: str = ""):
    """The rows of a results file (CSV, or the first sheet of an XLSX) as ``[(line, {column: value})]``.

    Column names are read as codes (English or Portuguese); unknown columns are ignored, blank rows
    skipped. Raises :class:`AgencyFileError` for an empty, oversized or unreadable file, a missing
    column or too many rows.
    """
    check_size(raw)
    if raw[:4] == b"PK\x03\x04" or str(filename or "").lower().endswith(".xlsx"):
        rows = _xlsx_rows(raw)
    else:
        rows = _csv_rows(raw)
    if not rows:
        raise AgencyFileError("empty")
    header = [COLUMN_ALIASES.get(code_of(name), code_of(name)) for name in rows[0]]
    for needed in ("date", "channel", "outcome"):
        if needed not in header:
            raise AgencyFileError("missing_column", column=needed)
    if "reference" not in header and "vat" not in header:
        raise AgencyFileError("missing_column", column="reference / vat")
    table = []
    for line, values in enumerate(rows[1:], start=2):
        if all(value in (None, "") or str(value).strip() == "" for value in values):
            continue
        table.append((line, {name: value for name, value in zip(header, values, strict=False) if name}))
        if len(table) > MAX_ROWS:
            raise AgencyFileError("too_many_rows", limit=MAX_ROWS)
    if not table:
        raise AgencyFileError("empty")
    return table


def _csv_rows(raw):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise AgencyFileError("unreadable")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise AgencyFileError("unreadable") from error
    if len(rows) > MAX_ROWS + 1 and sum(1 for row in rows if any(cell.strip() for cell in row)) > MAX_ROWS + 1:
        raise AgencyFileError("too_many_rows", limit=MAX_ROWS)
    return rows


def _xlsx_rows(raw):
    try:
        from openpyxl import load_workbook  # noqa: PLC0415 - an Odoo requirement, needed here only

        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        if (sheet.max_row or 0) > MAX_ROWS + 1:
            raise AgencyFileError("too_many_rows", limit=MAX_ROWS)
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    except AgencyFileError:
        raise
    except Exception as error:  # a damaged workbook raises anything: it is unreadable
        raise AgencyFileError("unreadable") from error
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return CONTROL_CHARS.sub("", str(value)).replace("\r\n", "\n").strip()


def parse_date(value):
    """A day written ``dd/mm/yyyy`` or ``yyyy-mm-dd`` (or a spreadsheet date), else ``None``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_datetime(value):
    """A moment written ``dd/mm/yyyy hh:mm[:ss]`` or ISO (``yyyy-mm-dd hh:mm``, ``T`` allowed), or a
    spreadsheet date and time; a day without its time is not a moment: ``None``."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    text = _text(value)
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def parse_amount(value):
    """An amount written ``1.234,56``, ``1234,56``, ``1234.56`` or ``1,234.56`` (``R$`` allowed),
    or a spreadsheet number, as a ``Decimal`` of at most two decimals; else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
        return amount if amount == amount.quantize(Decimal("0.01")) else None
    text = re.sub(r"^R\$", "", _text(value).replace(" ", "").replace("\u00a0", ""), flags=re.IGNORECASE)
    if THOUSANDS_DOT_RE.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif THOUSANDS_COMMA_RE.match(text):
        text = text.replace(",", "")
    elif AMOUNT_RE.match(text):
        text = text.replace(",", ".")
    else:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_results(table):
    """``(rows, errors)``: the :class:`ResultRow` of each good line of ``table`` (:func:`read_table`)
    and ``[(line, code, params)]`` for the bad ones, every problem of every line."""
    rows, errors = [], []
    for line, cells in table:
        row, row_errors = _parse_row(line, cells)
        if row_errors:
            errors.extend((line, code, params) for code, params in row_errors)
        else:
            rows.append(row)
    return rows, errors


def _parse_row(line, cells):
    errors = []
    reference, vat = _parse_identity(cells, errors)
    when = parse_datetime(cells.get("date"))
    if when is None:
        errors.append(("bad_datetime", {"value": _text(cells.get("date"))[:MAX_CELL_CHARS]}))
    codes = {}
    for column, known, code in (
        ("channel", CHANNELS, "bad_channel"),
        ("direction", DIRECTIONS, "bad_direction"),
        ("outcome", OUTCOMES, "bad_outcome"),
    ):
        codes[column] = known.get(code_of(cells.get(column)))
        if codes[column] is None:
            errors.append((code, {"value": _text(cells.get(column))[:MAX_CELL_CHARS]}))
    note = _text(cells.get("note"))
    if len(note) > MAX_NOTE_CHARS:
        errors.append(("note_too_long", {"limit": MAX_NOTE_CHARS}))
    values = _parse_follow_up(cells, codes["outcome"], errors)
    if errors:
        return None, errors
    return ResultRow(
        line, reference, vat, when, codes["channel"], codes["direction"], codes["outcome"], note, **values
    ), []


def _parse_identity(cells, errors):
    """``(assignment id, CPF/CNPJ digits)`` of a row: one of them at least."""
    reference_text, vat_text = _text(cells.get("reference")), _text(cells.get("vat"))
    reference = parse_reference(reference_text) if reference_text else None
    if reference_text and reference is None:
        errors.append(("bad_reference", {"value": reference_text[:MAX_CELL_CHARS]}))
    vat = re.sub(r"\D", "", vat_text)
    if vat_text and len(vat) not in (11, 14):
        errors.append(("bad_vat", {"value": vat_text[:MAX_CELL_CHARS]}))
    if not reference_text and not vat_text:
        errors.append(("no_debtor", {}))
    return reference, vat


def _parse_follow_up(cells, outcome, errors):
    """The callback date, promised date and amount of a row, as its outcome asks for them."""
    values = {}
    for column, parser, code in (
        ("callback_date", parse_date, "bad_date"),
        ("promised_date", parse_date, "bad_date"),
        ("amount", parse_amount, "bad_amount"),
    ):
        raw = cells.get(column)
        values[column] = parser(raw) if _text(raw) else None
        if _text(raw) and values[column] is None:
            errors.append((code, {"column": column, "value": _text(raw)[:MAX_CELL_CHARS]}))
    given = {column for column in ("promised_date", "amount", "callback_date") if _text(cells.get(column))}
    if outcome == "promise":
        if not {"promised_date", "amount"} <= given:
            errors.append(("promise_needs", {}))
        elif values["amount"] is not None and values["amount"] <= 0:
            errors.append(("amount_not_positive", {}))
    elif outcome and given & {"promised_date", "amount"}:
        errors.append(("not_a_promise", {}))
    if outcome == "callback" and "callback_date" not in given:
        errors.append(("callback_needs", {}))
    return values
