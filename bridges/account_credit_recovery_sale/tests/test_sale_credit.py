from odoo.tests import tagged

from odoo.addons.account_credit_recovery.tests.common import CreditRecoveryCommon


@tagged("post_install", "-at_install")
class TestSaleCredit(CreditRecoveryCommon):
    def test_probe(self):
        self.assertTrue(self.env["sale.order"])
