from odoo.tests import HttpCase, tagged

from .common import SaleCreditCommon

# A 1x1 transparent PNG: the signature the portal's widget sends.
SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


@tagged("post_install", "-at_install")
class TestSaleCreditPortal(SaleCreditCommon, HttpCase):
    """The customer signs the quotation on the portal (Odoo's ``/my/orders/<id>/accept``, which
    confirms it through ``_validate_order`` when no payment is asked): a blocked credit sale stays a
    quotation, the customer gets no error, the salesperson an activity; a cash sale is confirmed."""

    def sign(self, order):
        order.write({"require_signature": True, "require_payment": False})
        self.customer.email = "maria@example.com"  # the signature's message on the order is hers
        return self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {"access_token": order._portal_ensure_token(), "name": "Maria Silva", "signature": SIGNATURE},
        )

    def test_signature_of_a_blocked_credit_quotation(self):
        order = self.order(self.term_30_days)
        result = self.sign(order)
        self.assertNotIn("error", result)
        self.assertTrue(result["force_refresh"])
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.signed_by, "Maria Silva")
        self.assertEqual(order.activity_ids.user_id, self.salesman)
        self.assertIn(f"The customer accepted {order.name} online but it was not confirmed", order.activity_ids.note)

    def test_signature_of_a_cash_quotation(self):
        order = self.order(self.term_immediate)
        self.assertNotIn("error", self.sign(order))
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.activity_ids)
