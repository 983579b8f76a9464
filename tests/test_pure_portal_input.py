from datetime import datetime

from odoo.tests import tagged

from ..tools import identity, portal_input
from ..tools.portal_input import InputRefusedError
from .common import PureCase, cases


@tagged("post_install", "-at_install")
class TestPurePortalInput(PureCase):
    """The edge's parsers, without a database."""

    TODAY = datetime(2026, 12, 7).date()

    @cases(
        words=("not-a-date", "unreadable"),
        no_such_day=("2026-02-30", "unreadable"),
        brazilian_order=("31/12/2026", "unreadable"),
        far_future=("9999-12-01", "range"),
        past=("2026-12-06", "range"),
        empty=("", "missing"),
        not_text=(["2026-12-08"], "missing"),
    )
    def test_parse_date_refuses(self, value, code):
        with self.assertRaises(InputRefusedError) as caught:
            portal_input.parse_date(value, self.TODAY, 30)
        self.assertEqual(caught.exception.code, code)

    def test_parse_date_reads_iso_within_range(self):
        self.assertEqual(portal_input.parse_date(" 2027-01-06 ", self.TODAY, 30), datetime(2027, 1, 6).date())
        self.assertIsNone(portal_input.parse_date("", self.TODAY, 30, required=False))

    @cases(
        huge=("20000", "range"),
        zero=("0", "range"),
        negative=("-1", "unreadable"),
        exponent=("1e3", "unreadable"),
        thousands_of_digits=("9" * 5000, "unreadable"),
        words=("abc", "unreadable"),
    )
    def test_parse_int_refuses(self, value, code):
        with self.assertRaises(InputRefusedError) as caught:
            portal_input.parse_int(value, 1, portal_input.MAX_INSTALLMENTS)
        self.assertEqual(caught.exception.code, code)

    def test_parse_ids_text_and_private_digits(self):
        self.assertEqual(portal_input.parse_ids(["3", "x", "-4", "3", ""]), {3})
        with self.assertRaises(InputRefusedError):
            portal_input.parse_ids(["1"] * (portal_input.MAX_IDS + 1))
        self.assertEqual(portal_input.parse_text(" a\r\nb\x00 ", 10), "a\nb")
        with self.assertRaises(InputRefusedError):
            portal_input.parse_text("x" * 11, 10)
        self.assertEqual(identity.private_digits("123.456.789-09"), "12309")
        self.assertEqual(identity.private_digits("11.222.333/0001-81"), "", "a CNPJ has no private digits")
        self.assertEqual(identity.private_digits("12345"), "")

    def test_only_ascii_digits_are_digits(self):
        self.assertEqual(identity.ascii_digits("\u0661\u0662\u0663\u0660\u0669"), "", "Arabic-Indic digits")
        self.assertEqual(identity.ascii_digits("1\u00b2-3"), "13", "a superscript two is not a digit")
        self.assertEqual(identity.ascii_digits(None), "")
        self.assertEqual(identity.tax_id_digits("123.456.789-0\u0669"), "1234567890")
        self.assertIsNone(identity.document_kind("123.456.789-0\u0669"))

    def test_client_key_groups_an_ipv6_subscriber(self):
        key = identity.client_key("2001:db8:1:2::1")
        self.assertEqual(key, "2001:db8:1:2::/64")
        self.assertEqual(identity.client_key("2001:db8:1:2:ffff:ffff:ffff:fffe"), key)
        self.assertNotEqual(identity.client_key("2001:db8:1:3::1"), key)
        self.assertEqual(identity.client_key("203.0.113.5"), "203.0.113.5")
        self.assertNotEqual(identity.client_key("203.0.113.6"), "203.0.113.5")
        self.assertEqual(identity.client_key("::ffff:203.0.113.5"), "203.0.113.5")
        self.assertEqual(identity.client_key(None), "")

    def test_long_file_names_are_cut_keeping_the_extension(self):
        name = portal_input.parse_file_name("comprovante " * 30 + ".pdf")
        self.assertLessEqual(len(name), portal_input.MAX_FILE_NAME_CHARS)
        self.assertTrue(name.endswith(".pdf"), name)
        self.assertEqual(portal_input.parse_file_name(" recibo\x00.jpg "), "recibo.jpg")
        self.assertEqual(len(portal_input.parse_file_name("x" * 500)), portal_input.MAX_FILE_NAME_CHARS)
        self.assertEqual(portal_input.parse_file_name(None), "")

    def test_text_html_shows_the_text_as_typed(self):
        html = portal_input.text_html('<a href="https://x.example">Pague</a>\nhttps://y.example')
        self.assertEqual(
            str(html), "<p>&lt;a href=&#34;https://x.example&#34;&gt;Pague&lt;/a&gt;<br/>https://y.example</p>"
        )
