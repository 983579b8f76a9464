"""Collection status where the store sells on credit: a sales order on credit terms for a customer
whose collection record blocks new credit is not confirmed, unless a Collection Manager overrides
it with a reason; the quotation shows why."""

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, plaintext2html

MANAGER_GROUP = "account_credit_recovery.group_credit_recovery_manager"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    recovery_credit_block_message = fields.Text(
        string="Collection Block",
        compute="_compute_recovery_credit",
        help="Why the customer cannot buy on credit now and what to do (from the collection record).",
    )
    recovery_credit_link = fields.Char(
        string="Customer's Personal Page",
        compute="_compute_recovery_credit",
        help="The page where the customer pays or negotiates the overdue amount.",
    )
    recovery_credit_sale = fields.Boolean(
        string="Credit Sale",
        compute="_compute_recovery_credit",
        help="The payment terms (the order's, or else the customer's) leave part of the amount due after "
        "the invoice date, and no online payment covers the order.",
    )
    recovery_credit_restored_message = fields.Char(
        string="Credit Available Again",
        compute="_compute_recovery_credit",
    )
    recovery_credit_override_reason = fields.Text(
        string="Credit Override Reason",
        readonly=True,
        copy=False,
        groups=MANAGER_GROUP,
        help="Why a Collection Manager confirmed this order on credit although the customer's credit was blocked.",
    )
    recovery_credit_override_user_id = fields.Many2one(
        "res.users",
        string="Credit Override By",
        readonly=True,
        copy=False,
        groups=MANAGER_GROUP,
    )

    @api.depends("partner_id", "partner_invoice_id", "company_id", "payment_term_id", "amount_total")
    def _compute_recovery_credit(self):
        """Non-stored: the collection status changes with payments, every read asks again. The
        answer is read with ``sudo`` by ``res.partner._recovery_credit_blocks``: a salesperson
        has no access to collection records."""
        blocks = self._recovery_credit_blocks_by_order()
        infos = self._recovery_credit_infos_by_order()
        for order in self:
            block = blocks.get(order)
            info = infos.get(order) or {}
            order.recovery_credit_block_message = block["message"] if block else False
            order.recovery_credit_link = block["link"] if block else False
            order.recovery_credit_sale = order._recovery_is_credit_sale()
            order.recovery_credit_restored_message = (
                order._recovery_restored_message(info) if not block and info.get("restored") else False
            )

    def action_confirm(self):
        """Refuse the credit sales of customers whose credit is blocked (``UserError`` with the
        collection record's message), before anything is written."""
        refusals = self._recovery_credit_refusals()
        if refusals:
            raise UserError(
                "\n\n".join(self._recovery_refusal_message(order, block) for order, block in refusals.items())
            )
        self._recovery_note_partial_online_payments()
        return super().action_confirm()

    def action_draft(self):
        """A cancelled order set back to quotation is a new decision: the override is spent."""
        result = super().action_draft()
        overridden = self.sudo().filtered("recovery_credit_override_user_id")
        overridden.write({"recovery_credit_override_reason": False, "recovery_credit_override_user_id": False})
        return result

    def action_recovery_credit_override(self):
        """Open the wizard where a Collection Manager confirms the order anyway, with a reason."""
        self.ensure_one()
        self._recovery_check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Confirm on Credit Anyway"),
            "res_model": "credit.recovery.sale.override",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def _validate_order(self):
        """The customer's own confirmation (signature on the portal, a free order from the shop):
        a blocked credit sale is left as a quotation and the salesperson gets an activity with the
        reason, instead of an error page for the customer (who has just signed)."""
        refusals = self._recovery_credit_refusals()
        for order, block in refusals.items():
            note = self.env._(
                "The customer accepted %(order)s online but it was not confirmed: it is a credit sale and the "
                "customer's credit is blocked.\n%(why)s",
                order=order.name,
                why=block["message"],
            )
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Credit blocked: confirm for cash or ask a Collection Manager"),
                note=plaintext2html(note),
                user_id=order.user_id.id or SUPERUSER_ID,
            )
        remaining = self - self.browse([order.id for order in refusals])
        if remaining:
            return super(SaleOrder, remaining)._validate_order()
        return None

    def _recovery_is_credit_sale(self):
        """Whether this order sells on credit: something to pay, not covered by an online payment
        (the online-paid order was paid as its terms asked), and payment terms that are not
        immediate. Terms are the order's, or else the customer's default in the order's company;
        without either the invoice is due on its date (Odoo's rule): a cash sale."""
        self.ensure_one()
        if not self.currency_id or self.currency_id.is_zero(self.amount_total):
            return False
        if self._recovery_paid_online() or self._recovery_settled_at_the_till():
            return False
        terms = self.payment_term_id or self.partner_id.with_company(self.company_id).property_payment_term_id
        return bool(terms) and not terms._recovery_is_immediate()

    def _recovery_paid_online(self):
        """The authorized or done transactions reach the amount the order asks before confirmation
        (all of it, or the prepayment the company or order requires). Read with ``sudo``: only
        administrators read transactions."""
        self.ensure_one()
        order = self.sudo()
        return order.amount_paid > 0 and order._is_confirmation_amount_reached()

    def _recovery_settled_at_the_till(self):
        """With ``pos_sale``: the quotation was settled by a paid Point of Sale order (Odoo confirms
        it while the till's order is synced). The till took the payment; paying with *Customer
        Account* is the Point of Sale bridge's to judge, and a sale that happened is never lost.
        Read with ``sudo``: POS lines are the cashiers'."""
        self.ensure_one()
        order = self.sudo()
        if "pos_order_line_ids" not in order._fields:
            return False
        return any(line.order_id.state not in ("draft", "cancel") for line in order.pos_order_line_ids)

    def _recovery_credit_blocks_by_order(self):
        """``{order: block}`` for the orders whose invoiced customer's credit is blocked in the
        order's company (``res.partner._recovery_credit_blocks``), one call per company."""
        blocks = {}
        for company in self.company_id:
            orders = self.filtered(lambda order, company=company: order.company_id == company)
            partners = orders.mapped(lambda order: order.partner_invoice_id or order.partner_id)
            by_partner = partners._recovery_credit_blocks(company)
            for order in orders:
                block = by_partner.get((order.partner_invoice_id or order.partner_id).id)
                if block:
                    blocks[order] = block
        return blocks

    def _recovery_credit_infos_by_order(self):
        """``{order: info}`` from ``res.partner._recovery_credit_info`` (limit, available, restored)."""
        infos = {}
        for company in self.company_id:
            orders = self.filtered(lambda order, company=company: order.company_id == company)
            partners = orders.mapped(lambda order: order.partner_invoice_id or order.partner_id)
            by_partner = partners._recovery_credit_info(company)
            for order in orders:
                infos[order] = by_partner.get((order.partner_invoice_id or order.partner_id).id, {})
        return infos

    def _recovery_credit_refusals(self):
        """``{order: block}``: the quotations of ``self`` that must not be confirmed, credit sales of
        a blocked customer without a Collection Manager's override."""
        quotations = self.filtered(lambda order: order.state in ("draft", "sent"))
        overridden = quotations.sudo().filtered(
            lambda order: (
                order.recovery_credit_override_user_id
                and order.recovery_credit_override_user_id.has_group(MANAGER_GROUP)
            )
        )
        candidates = (quotations - overridden).filtered(lambda order: order._recovery_is_credit_sale())
        return candidates._recovery_credit_blocks_by_order()

    def _recovery_refusal_message(self, order, block):
        parts = [
            self.env._("%(order)s is a credit sale and cannot be confirmed.", order=order.name),
            block["message"],
        ]
        if block["link"]:
            parts.append(self.env._("The customer's personal page: %(link)s", link=block["link"]))
        parts.append(
            self.env._(
                "To sell now, change the payment terms to immediate payment; a Collection Manager can confirm it "
                "anyway with a reason."
            )
        )
        return "\n".join(parts)

    def _recovery_restored_message(self, info):
        self.ensure_one()
        customer = (self.partner_invoice_id or self.partner_id).commercial_partner_id.name
        if info.get("limit"):
            return self.env._(
                "%(customer)s's credit is available again: limit %(limit)s, available %(available)s.",
                customer=customer,
                limit=format_amount(self.env, info["limit"], self.company_id.currency_id),
                available=format_amount(self.env, info["available"] or 0.0, self.company_id.currency_id),
            )
        return self.env._("%(customer)s's credit is available again: the collection is settled.", customer=customer)

    def _recovery_note_partial_online_payments(self):
        """An order confirmed by an online prepayment that leaves a balance on credit for a blocked
        customer is confirmed (the customer paid what was asked; refusing would leave a paid order
        unconfirmed), and the salesperson reads why on the order."""
        candidates = self.filtered(
            lambda order: (
                order.state in ("draft", "sent")
                and order._recovery_paid_online()
                and order.currency_id.compare_amounts(order.sudo().amount_paid, order.amount_total) < 0
            )
        )
        for order, block in candidates._recovery_credit_blocks_by_order().items():
            text = self.env._(
                "Confirmed by an online prepayment of %(paid)s; the balance of %(balance)s is on the payment terms "
                "although the customer's credit is blocked.\n%(why)s",
                paid=format_amount(self.env, order.sudo().amount_paid, order.currency_id),
                balance=format_amount(self.env, order.amount_total - order.sudo().amount_paid, order.currency_id),
                why=block["message"],
            )
            order.sudo().message_post(body=plaintext2html(text), subtype_xmlid="mail.mt_note")

    def _recovery_check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a Collection Manager can confirm a blocked customer's order on credit."))

    def _recovery_confirm_override(self, reason):
        """Confirm this order on credit although the customer's credit is blocked: the current user
        must be a Collection Manager (checked here, whatever the context says); the override is
        recorded on the order, then logged on the order and on the collection record (sudo: a
        Collection Manager may have no access to one or the other's chatter). ``reason`` is plain
        text, escaped."""
        self.ensure_one()
        self._recovery_check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for confirming this order on credit."))
        block = self._recovery_credit_blocks_by_order().get(self)
        self.sudo().write(
            {"recovery_credit_override_reason": reason, "recovery_credit_override_user_id": self.env.user.id}
        )
        self.action_confirm()
        if not block:
            return True
        text = self.env._(
            "%(user)s confirmed %(order)s (%(amount)s) on credit although the customer's credit was blocked.\n"
            "%(why)s\nReason: %(reason)s",
            user=self.env.user.name,
            order=self.name,
            amount=format_amount(self.env, self.amount_total, self.currency_id),
            why=block["message"],
            reason=reason,
        )
        body = plaintext2html(text)
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
        block["debtor"].message_post(body=body, subtype_xmlid="mail.mt_note")
        return True
