"""Agência and conta read from a stored account number, never invented."""

from odoo.tests import tagged

from ..tools.bank_account import split_agency_account
from .common import PureCase, cases


@tagged("post_install", "-at_install")
class TestBankAccount(PureCase):
    @cases(
        space=("0001 12345-6", ("0001", "12345-6")),
        slash=("0001/12345-6", ("0001", "12345-6")),
        labels=("Ag. 0001 C/C 12345-6", ("0001", "12345-6")),
        words=("Agência: 1234-5 Conta: 98765-x", ("1234-5", "98765-X")),
    )
    def test_agency_and_account(self, stored, expected):
        assert split_agency_account(stored) == expected

    @cases(
        hyphen_is_a_check_digit=("0001-123456",),
        account_only=("12345-6",),
        iban=("BR1500000000000010932840814P2",),
        empty=("",),
    )
    def test_no_agency_is_invented(self, stored):
        assert split_agency_account(stored) == (None, stored)
