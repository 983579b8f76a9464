from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import consteq, format_amount
from odoo.tools.misc import hmac


class PaymentTransaction(models.Model):
    """What the PIX received did to a ``pix_api`` transaction: done once they cover its amount."""

    _inherit = "payment.transaction"  # pylint: disable=consider-merging-classes-inherited

    pix_received_ids = fields.One2many("payment.pix.received", "transaction_id", string="Received PIX", readonly=True)
    pix_received_amount = fields.Monetary(
        compute="_compute_pix_received_amount", string="PIX received", currency_field="currency_id"
    )
    pix_is_sandbox = fields.Boolean(compute="_compute_pix_is_sandbox")

    def _compute_pix_received_amount(self):
        for tx in self:
            tx.pix_received_amount = sum(tx.sudo().pix_received_ids.mapped("amount"))

    def _compute_pix_is_sandbox(self):
        for tx in self:
            tx.pix_is_sandbox = tx.provider_code == "pix_api" and tx.provider_id.sudo().pix_psp == "sandbox"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_pix_sandbox_pay(self):
        """Mark as paid (sandbox): the sandbox PSP notifies the payment of the charge's amount,
        through the webhook's processing (parse, confirm, register)."""
        self.ensure_one()
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(self.env._("Only accounting managers mark sandbox charges as paid."))
        self._pix_sandbox_pay()
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _pix_settle(self):
        """Set done the pending transactions that the PIX registered for them cover, with the
        payment framework's post-processing (the first payment is the transaction's: no other
        payment is made of it)."""
        totals = {
            tx: (amount, payments)
            for tx, amount, payments in self.env["payment.pix.received"]
            .sudo()
            ._read_group(
                [("transaction_id", "in", self.ids), ("payment_id", "!=", False)],
                ["transaction_id"],
                ["amount:sum", "payment_id:recordset"],
            )
        }
        done = self.browse()
        for tx in self.sudo():
            paid, payments = totals.get(tx, (0.0, None))
            if tx.state not in ("draft", "pending", "authorized", "error") or not payments:
                continue
            if tx.currency_id.compare_amounts(paid, tx.amount) < 0:
                continue
            if not tx.payment_id:
                tx.payment_id = payments.sorted("id")[:1]
            done |= tx
        if done:
            for tx in done:
                tx._set_done(
                    state_message=self.env._(
                        "PIX received: %(amount)s", amount=format_amount(self.env, totals[tx][0], tx.currency_id)
                    )
                )
            done._post_process()

    def _pix_sandbox_access_token(self):
        """The token the debtor's page sends to mark this sandbox charge as paid (public route)."""
        self.ensure_one()
        return hmac(self.env(su=True), "payment_pix_api.sandbox_pay", (self.id, self.reference, self.pix_txid))

    def _pix_sandbox_check_access_token(self, token):
        self.ensure_one()
        return isinstance(token, str) and consteq(token, self._pix_sandbox_access_token())

    def _pix_sandbox_pay(self, amount=None):
        """The sandbox PSP's notification of a PIX of ``amount`` (the charge's by default) paid
        to this transaction's charge, processed as the webhook processes one."""
        self.ensure_one()
        tx = self.sudo()
        if not tx.pix_is_sandbox:
            raise UserError(self.env._("Only the charges of a sandbox PIX provider can be marked as paid."))
        if not tx.pix_txid or tx.state not in ("draft", "pending"):
            raise UserError(self.env._("This charge is not pending: it cannot be paid."))
        provider = tx.provider_id
        body = provider._pix_sandbox_notification(tx.pix_txid, amount if amount is not None else tx.amount)
        status, message = provider._pix_handle_notification(body, source="sandbox")
        if status != 200:
            raise UserError(message)
        return tx.pix_received_ids
