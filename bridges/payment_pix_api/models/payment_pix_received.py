import logging

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL, format_amount

_logger = logging.getLogger(__name__)

# PIX settle in Brazil: a PIX received at 01:30 UTC was paid on the previous day there.
PIX_TZ = "America/Sao_Paulo"
# The settlement cron's batch: the PIX settled together in one set of payments.
SETTLE_BATCH = 500
# Errors that the request or the cron must see to be retried (two deliveries at once).
RETRYABLE = (psycopg2.extensions.TransactionRollbackError, psycopg2.errors.LockNotAvailable)


class PaymentPixReceived(models.Model):
    """One PIX the PSP received for the company: what the settlement registered from it.

    One row per ``endToEndId`` (the SPI's id of the transfer, unique across the system): the unique
    constraint and ``INSERT … ON CONFLICT DO NOTHING`` in ``_pix_register`` make every delivery of
    the same PIX (webhook retries, webhook and poll, two workers at once) register it once. Rows
    are written by the settlement only (sudo): everybody else reads them.
    """

    _name = "payment.pix.received"
    _description = "Received PIX"
    _order = "received_at desc, id desc"
    _rec_name = "end_to_end_id"
    _check_company_auto = True

    end_to_end_id = fields.Char(string="End-to-end ID", required=True, readonly=True, index=False)
    txid = fields.Char(string="Charge txid", readonly=True, index=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", readonly=True, required=True)
    received_at = fields.Datetime(readonly=True)
    payer_name = fields.Char(readonly=True)
    payer_document = fields.Char(string="Payer CPF/CNPJ", readonly=True)
    payer_info = fields.Char(string="Payer's note", readonly=True, help="infoPagador: text typed by the payer.")
    provider_id = fields.Many2one("payment.provider", required=True, readonly=True, index=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    transaction_id = fields.Many2one("payment.transaction", readonly=True, index="btree_not_null", check_company=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True, index="btree_not_null")
    payment_id = fields.Many2one("account.payment", readonly=True, index="btree_not_null", check_company=True)
    state = fields.Selection(
        [
            ("pending", "Being settled"),
            ("registered", "Registered"),
            ("unmatched", "Unmatched"),
            ("partially_refunded", "Partially refunded"),
            ("refunded", "Refunded"),
        ],
        required=True,
        readonly=True,
        default="unmatched",
        help="Being settled: confirmed at the PSP, its payment is being made (within seconds). "
        "Registered: a posted payment was made of it. Unmatched: its txid names no charge of ours "
        "(register it by hand). Refunded: the PSP returned it to the payer.",
    )
    source = fields.Selection(
        [("webhook", "Webhook"), ("poll", "Polling"), ("sandbox", "Sandbox")], readonly=True, required=True
    )
    refund_ids = fields.One2many("payment.pix.refund", "received_id", string="Refunds", readonly=True)
    refunded_amount = fields.Monetary(compute="_compute_refunded_amount", store=True, currency_field="currency_id")

    _sql_constraints = [
        ("end_to_end_id_unique", "UNIQUE(end_to_end_id)", "A PIX is registered once (endToEndId)."),
    ]

    @api.depends("refund_ids.amount")
    def _compute_refunded_amount(self):
        for received in self:
            received.refunded_amount = sum(received.refund_ids.mapped("amount"))

    def init(self):
        # The settlement cron reads the PIX being settled at every call: a few rows of a large table.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS payment_pix_received_pending_idx "
                "ON payment_pix_received (id) WHERE state = 'pending'"
            )
        )

    # ------------------------------------------------------------------
    # Registration
    # ------------------------------------------------------------------

    @api.model
    def _pix_register(self, provider, pixes, source):
        """Register the PIX ``pixes`` (``tools.api_pix.parse_pix`` dicts of what the PSP answered:
        confirmed) received by ``provider``; then the refunds they carry. Returns the new rows.

        The one path of the webhook, the poll and the sandbox. A PIX already recorded is skipped
        (its refunds still apply). A new one is recorded at once, ``pending`` when its txid names a
        charge of ours (``unmatched`` otherwise), and its payment is made by ``_pix_settle_pending``:
        here for the poll and the sandbox; for the webhook by the settlement cron, triggered now
        (woken by NOTIFY when this transaction commits), so that the PSP is answered without
        waiting for the accounting and the notifications that arrive together settle together.
        """
        provider.ensure_one()
        # The webhook runs as the public user, whose company may be another one.
        self = self.with_company(provider.company_id)  # noqa: PLW0642
        provider = provider.with_company(provider.company_id)
        by_e2e = {}
        for pix in pixes:
            by_e2e.setdefault(pix["end_to_end_id"], pix)
        if not by_e2e:
            return self.browse()
        new = self._pix_insert(provider, by_e2e, source)
        pending = new.filtered(lambda received: received.state == "pending")
        (new - pending)._pix_after_register()
        if pending and source == "webhook":
            self._pix_trigger_settlement()
        else:
            pending._pix_settle_pending()
        self._pix_apply_refunds(provider, by_e2e)
        return new

    @api.model
    def _pix_insert(self, provider, by_e2e, source):
        """Insert a row per PIX not seen before, race-safe: ``ON CONFLICT DO NOTHING`` waits for a
        concurrent insert of the same endToEndId and then skips it (or fails to serialize, and the
        request or the cron is retried: it then sees the row). Returns the rows inserted here."""
        txids = {pix["txid"] for pix in by_e2e.values() if pix["txid"]}
        txs = self.env["payment.transaction"].sudo()
        if txids:
            txs = txs.search([("provider_id", "=", provider.id), ("pix_txid", "in", list(txids))])
        tx_by_txid = {tx.pix_txid: tx for tx in txs}
        self.env.flush_all()
        now = fields.Datetime.now()
        uid = self.env.uid
        brl = self.env.ref("base.BRL")  # a PIX is in reais
        rows = []
        for e2e, pix in by_e2e.items():
            tx = tx_by_txid.get(pix["txid"])
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    e2e,
                    pix["txid"],
                    pix["amount"],
                    brl.id,
                    pix["paid_at"],
                    pix["payer_name"] or None,
                    pix["payer_document"] or None,
                    pix["payer_info"] or None,
                    provider.id,
                    provider.company_id.id,
                    tx.id if tx else None,
                    tx.partner_id.commercial_partner_id.id if tx else None,
                    "pending" if tx else "unmatched",
                    source,
                    uid,
                    now,
                    uid,
                    now,
                )
            )
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    """INSERT INTO payment_pix_received (end_to_end_id, txid, amount, currency_id, received_at,
                              payer_name, payer_document, payer_info, provider_id, company_id, transaction_id,
                              partner_id, state, source, create_uid, create_date, write_uid, write_date)
                       VALUES %s
                       ON CONFLICT (end_to_end_id) DO NOTHING
                       RETURNING id""",
                    SQL(", ").join(rows),
                )
            )
        ]
        return self.browse(sorted(ids))

    @api.model
    def _pix_trigger_settlement(self):
        """Wake the settlement cron now (``ir.cron._trigger``: a NOTIFY when this transaction commits)."""
        self.env.ref("payment_pix_api.ir_cron_pix_settle").sudo()._trigger()

    @api.model
    def _cron_pix_settle(self, batch_size=SETTLE_BATCH):
        """Settle the PIX the webhook recorded (``pending``), oldest first, up to ``batch_size`` per
        call, in one set of payments (see ``_pix_settle_pending``). The rows are locked with SKIP
        LOCKED: two runners never settle the same PIX. The runner calls again while some remain
        (``_notify_progress``) and commits after each call; when some still remain after its calls,
        the cron is triggered again. A PIX whose settlement fails is logged and stays pending for
        the next run: it does not stop the others."""
        self.env.flush_all()
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM payment_pix_received WHERE state = 'pending' ORDER BY id LIMIT %s "
                    "FOR UPDATE SKIP LOCKED",
                    batch_size,
                )
            )
        ]
        batch = self.sudo().browse(ids)
        settled = batch._pix_settle_locked()
        failed = len(batch) - len(settled)
        remaining = max(self.sudo().search_count([("state", "=", "pending")]) - failed, 0)
        self.env["ir.cron"]._notify_progress(done=len(settled), remaining=remaining)
        if remaining:
            self._pix_trigger_settlement()
        return settled

    def _pix_settle_pending(self):
        """Make the payments of the ``pending`` PIX among ``self`` now: their rows are locked first
        (a PIX the cron is settling is waited for, and then skipped). Returns the rows settled."""
        if not self:
            return self
        self.env.flush_all()
        ids = [
            row[0]
            for row in self.env.execute_query(
                SQL(
                    "SELECT id FROM payment_pix_received WHERE id = ANY(%s) AND state = 'pending' "
                    "ORDER BY id FOR UPDATE",
                    self.ids,
                )
            )
        ]
        rows = self.browse(ids)
        rows.invalidate_recordset(["state", "payment_id"])
        for company, batch in rows.grouped("company_id").items():
            batch.with_company(company)._pix_settle_batch()
        return rows

    def _pix_settle_locked(self):
        """Settle these locked ``pending`` rows (the cron's batch): all together, or, when that fails,
        one by one, each in a savepoint. Returns the rows settled; the others are logged."""
        if not self:
            return self
        try:
            with self.env.cr.savepoint():
                for company, batch in self.grouped("company_id").items():
                    batch.with_company(company)._pix_settle_batch()
            return self
        except RETRYABLE:
            raise
        except Exception:
            _logger.warning("PIX settlement: the batch of %s PIX failed, settled one by one", len(self), exc_info=True)
        self.env.invalidate_all()
        settled = self.browse()
        for received in self:
            try:
                with self.env.cr.savepoint():
                    received.with_company(received.company_id)._pix_settle_batch()
                settled |= received
            except RETRYABLE:
                raise
            except Exception:
                _logger.exception("PIX %s could not be settled: left pending for the next run", received.end_to_end_id)
                self.env.invalidate_all()
        return settled

    def _pix_settle_batch(self):
        """Settle these ``pending`` PIX of one company (locked by the caller): their payments, the
        reconciliation, the transactions they cover, then ``_pix_after_register``, all set-wise."""
        self._pix_register_payments()
        self._pix_after_register()

    def _pix_register_payments(self):
        """A posted inbound payment per PIX whose charge we know (one ``create``, one ``action_post``),
        reconciled with the open receivable lines of the charge's invoices, oldest due first; the
        rest stays the customer's credit. The transactions are done once their PIX cover them."""
        matched = self.filtered("transaction_id")
        if not matched:
            return
        payments = self.env["account.payment"].sudo().create([received._pix_payment_vals() for received in matched])
        payments.action_post()
        for received, payment in zip(matched, payments, strict=True):
            received.write({"payment_id": payment.id, "state": "registered"})
        matched._pix_reconcile()
        matched.transaction_id._pix_settle()

    def _pix_payment_vals(self):
        """The values of this PIX's inbound payment, in the provider's journal."""
        self.ensure_one()
        tx = self.transaction_id
        provider = self.provider_id
        method_line = (
            provider.journal_id.inbound_payment_method_line_ids.filtered(
                lambda line: line.payment_provider_id == provider
            )[:1]
            or provider.journal_id.inbound_payment_method_line_ids[:1]
        )
        vals = {
            "amount": self.amount,
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "journal_id": provider.journal_id.id,
            "company_id": self.company_id.id,
            "payment_method_line_id": method_line.id,
            "payment_transaction_id": tx.id,
            "date": fields.Date.context_today(self.with_context(tz=PIX_TZ), self.received_at),
            "memo": f"PIX {self.end_to_end_id} - {tx.reference}",
        }
        receivable = tx.invoice_ids.line_ids.filtered(lambda line: line.display_type == "payment_term")[:1]
        if receivable:
            vals["destination_account_id"] = receivable.account_id.id
        return vals

    def _pix_reconcile(self):
        """Reconcile each PIX's payment with the open installments of its charge's invoices, oldest
        due first, until it is used up: one ``_reconcile_plan`` for the batch (a group per PIX, which
        Odoo matches in due-date order), in as many rounds as PIX sharing an installment need, in
        the order they came (a later PIX takes what an earlier one left open)."""
        rounds = []  # [[rows], {line ids}]: no line in two groups of one round
        for received in self:
            lines = received._pix_reconcile_group()
            if not lines:
                continue
            index = max((pos + 1 for pos, (_rows, used) in enumerate(rounds) if used & set(lines.ids)), default=0)
            if index == len(rounds):
                rounds.append([self.browse(), set()])
            rounds[index][0] |= received
            rounds[index][1].update(lines.ids)
        for rows, _used in rounds:
            plan = [group for group in (received._pix_reconcile_group() for received in rows) if group]
            if plan:
                self.env["account.move.line"]._reconcile_plan(plan)

    def _pix_reconcile_group(self):
        """This PIX's open payment line and the open installments of its charge's invoices (none
        when either is missing)."""
        self.ensure_one()
        payment = self.payment_id
        pay_line = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.destination_account_id and not line.reconciled
        )
        if not pay_line:
            return pay_line
        lines = self.transaction_id.invoice_ids.filtered(lambda move: move.state == "posted").line_ids.filtered(
            lambda line: (
                line.account_id == pay_line.account_id and not line.reconciled and line.balance * pay_line.balance < 0
            )
        )
        return pay_line + lines if lines else lines

    def _pix_after_register(self):
        """Hook, called once on the PIX just registered (payments posted and reconciled), in the
        same transaction: what else reacts to a payment received (collection's bridge)."""
        for received in self:
            _logger.info(
                "PIX %s registered: %s%s",
                received.end_to_end_id,
                format_amount(self.env, received.amount, received.currency_id),
                f" on {received.payment_id.name}" if received.payment_id else " (no charge of ours: unmatched)",
            )

    # ------------------------------------------------------------------
    # Refunds
    # ------------------------------------------------------------------

    @api.model
    def _pix_apply_refunds(self, provider, by_e2e):
        """Apply the settled refunds (``devolucoes`` with status DEVOLVIDO) the PIX carry, once each."""
        refunds = {e2e: pix["refunds"] for e2e, pix in by_e2e.items() if pix["refunds"]}
        if not refunds:
            return
        received = self.sudo().search([("end_to_end_id", "in", list(refunds)), ("provider_id", "=", provider.id)])
        received._pix_settle_pending()  # a refund reverses a payment: made first if still pending
        for row in received:
            self.env["payment.pix.refund"]._pix_register(row, refunds[row.end_to_end_id])

    def _pix_after_refund(self, refund):
        """Hook, called once per refund applied (``refund``: the ``payment.pix.refund`` just made),
        after the payment was reversed for it, in the same transaction."""
        _logger.info(
            "PIX %s: refund %s of %s applied",
            self.end_to_end_id,
            refund.refund_id,
            format_amount(self.env, refund.amount, self.currency_id),
        )
