"""Collection status where the store sells on credit: a sales order on credit terms for a customer
whose collection record blocks new credit is not confirmed, unless a Collection Manager overrides
it with a reason; the quotation shows why."""

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, plaintext2html

MANAGER_GROUP = "account_credit_recovery.group_credit_recovery_manager"
# Who reads the collection details on an order: never a portal follower.
CREDIT_READERS = f"sales_team.group_sale_salesman,{MANAGER_GROUP}"
OVERRIDE_FIELDS = ("recovery_credit_override_reason", "recovery_credit_override_user_id")
# Key of ``cr.precommit.data`` holding the ids of the orders ``action_confirm`` has just checked:
# server-side state of the transaction, out of reach of a caller's context or RPC arguments.
CHECKED_KEY = "account_credit_recovery_sale.credit_checked_order_ids"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    recovery_credit_block_message = fields.Text(
        string="Collection Block",
        compute="_compute_recovery_credit",
        groups=CREDIT_READERS,
        help="Why the customer cannot buy on credit now and what to do (from the collection record).",
    )
    recovery_credit_link = fields.Char(
        string="Customer's Personal Page",
        compute="_compute_recovery_credit",
        groups=CREDIT_READERS,
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

    @api.model_create_multi
    def create(self, vals_list):
        """The override is recorded by ``_recovery_confirm_override`` only (with its reason and log);
        an order created already confirmed is checked as ``action_confirm`` checks it."""
        if not self.env.su and any(name in vals for vals in vals_list for name in OVERRIDE_FIELDS):
            raise self._recovery_override_fields_error()
        orders = super().create(vals_list)
        confirmed = orders.filtered(lambda order: order.state == "sale")
        confirmed._recovery_raise_refusals(confirmed._recovery_uncovered_credit_blocks())
        return orders

    def write(self, vals):
        """Whatever the path (RPC, ``sudo``): the override fields are written by
        ``_recovery_confirm_override`` only; setting ``state`` to *sale* is checked as
        ``action_confirm`` checks it (except for the orders ``action_confirm`` has just checked, a
        mark kept on the cursor, out of reach of any caller); new payment terms on a confirmed order
        do not turn it into a credit sale for a blocked customer. Checked after the write, with the
        new values: the error rolls the write back."""
        if not self.env.su and any(name in vals for name in OVERRIDE_FIELDS):
            raise self._recovery_override_fields_error()
        confirming = self.browse()
        if vals.get("state") == "sale":
            checked = self.env.cr.postcommit.data.get(CHECKED_KEY, set())
            confirming = self.filtered(lambda order: order.state != "sale" and order.id not in checked)
        retermed = self.browse()
        if "payment_term_id" in vals:
            retermed = self.filtered(
                lambda order: (
                    order.state == "sale"
                    and order.payment_term_id.id != (vals["payment_term_id"] or False)
                    and not order._recovery_is_credit_sale()
                )
            )
        result = super().write(vals)
        confirming._recovery_raise_refusals(confirming._recovery_uncovered_credit_blocks())
        retermed = retermed.filtered(lambda order: order.state == "sale")
        blocks = retermed._recovery_uncovered_credit_blocks()
        if blocks:
            raise UserError(
                "\n\n".join(
                    self.env._(
                        "%(order)s is confirmed: these payment terms would make it a credit sale, and the "
                        "customer's credit is blocked.\n%(why)s",
                        order=order.name,
                        why=block["message"],
                    )
                    for order, block in blocks.items()
                )
            )
        return result

    def action_confirm(self):
        """Refuse the credit sales of customers whose credit is blocked (``UserError`` with the
        collection record's message), before anything is written; the orders checked here are
        marked on the cursor for the duration of the confirmation, so that ``write`` does not ask
        again."""
        self._recovery_raise_refusals(self._recovery_credit_refusals())
        checked = self.env.cr.postcommit.data.setdefault(CHECKED_KEY, set())
        marked = set(self.ids) - checked
        checked.update(marked)
        try:
            return super().action_confirm()
        finally:
            checked.difference_update(marked)

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
            order._recovery_schedule_blocked_activity(
                self.env._(
                    "The customer accepted %(order)s online but it was not confirmed: it is a credit sale and the "
                    "customer's credit is blocked.\n%(why)s",
                    order=order.name,
                    why=block["message"],
                )
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
        """Done online transactions cover the whole order: a prepayment (whose share the
        salesperson sets) or a payment only authorized leaves the order on its terms. Read with
        ``sudo``: only administrators read transactions."""
        self.ensure_one()
        order = self.sudo()
        done = order.transaction_ids.filtered(lambda tx: tx.state == "done" and tx.currency_id == order.currency_id)
        return order.currency_id.compare_amounts(sum(done.mapped("amount")), order.amount_total) >= 0

    def _recovery_settled_at_the_till(self):
        """With ``pos_sale``: the quotation was sold at the till (Odoo confirms it while the till's
        paid order is synced). That sale happened, so confirming it is never refused here: a
        refusal would fail the till's sync and lose the sale. What the till may take on *Customer
        Account* for a blocked customer is the till's rule (``account_credit_recovery_pos``, which
        installs itself with the Point of Sale: refused at the till, online and offline, and an order
        that reaches the server anyway is kept and flagged to the collection team). A refunded till
        order settles nothing. Read with ``sudo``: POS records are the cashiers'."""
        self.ensure_one()
        order = self.sudo()
        if "pos_order_line_ids" not in order._fields:
            return False
        tills = order.pos_order_line_ids.order_id.filtered(lambda till: till.state not in ("draft", "cancel"))
        return bool(tills) and not (tills.lines.refund_orderline_ids or tills.lines.refunded_orderline_id)

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
        return quotations._recovery_uncovered_credit_blocks()

    def _recovery_uncovered_credit_blocks(self):
        """``{order: block}`` for the orders of ``self``, whatever their state, that are credit sales
        of a blocked customer without a Collection Manager's override."""
        overridden = self.sudo().filtered(
            lambda order: (
                order.recovery_credit_override_user_id
                and order.recovery_credit_override_user_id.has_group(MANAGER_GROUP)
            )
        )
        candidates = (self - overridden).filtered(lambda order: order._recovery_is_credit_sale())
        return candidates._recovery_credit_blocks_by_order()

    def _recovery_raise_refusals(self, refusals):
        if refusals:
            raise UserError(
                "\n\n".join(self._recovery_refusal_message(order, block) for order, block in refusals.items())
            )

    def _recovery_schedule_blocked_activity(self, text):
        """Tell the salesperson (one open activity per order) that the customer's confirmation of
        this blocked credit sale was held; ``text`` is plain text, escaped."""
        self.ensure_one()
        summary = self.env._("Credit blocked: confirm for cash or ask a Collection Manager")
        if self.activity_ids.filtered(lambda activity: activity.summary == summary):
            return
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=plaintext2html(text),
            user_id=self.user_id.id or SUPERUSER_ID,
        )

    def _recovery_override_fields_error(self):
        return AccessError(
            self.env._(
                "A credit override is recorded only with the Confirm on Credit Anyway button (a Collection "
                "Manager, with a reason)."
            )
        )

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
