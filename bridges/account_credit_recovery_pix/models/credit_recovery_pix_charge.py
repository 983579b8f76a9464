"""One dynamic PIX charge per claim: what collection's messages, letter, page and agreements carry."""

import logging
from decimal import Decimal

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, mute_logger

from odoo.addons.account_credit_recovery.tools import identity
from odoo.addons.payment_pix_api.tools.api_pix import PixApiError

from ..tools import charge_plan

_logger = logging.getLogger(__name__)

# The PSP's solicitacaoPagador holds 140 characters.
DESCRIPTION_SIZE = 140


class CreditRecoveryPixCharge(models.Model):
    """A claim's dynamic PIX charge at the company's PSP (``payment_pix_api``): an installment's
    ``cobv`` (its due date, the policy's fine and interest) or the ``cob`` of what the debtor is
    claimed today (with an expiry).

    The claim's ``key`` names it (``line-<journal item>`` for an installment, ``debtor-<id>`` for
    today's total): at most one live (``active``) charge per key, a partial unique index says so.
    It is reused while it is valid and its amount unchanged, its amount changed at the PSP when the
    claim's changed, and replaced when it claims something else or expired. A charge superseded (an
    agreement replaced its invoices, they were paid another way, a dispute pauses them) is removed at
    the PSP; when the PSP cannot be reached it stays ``superseded`` and the cron removes it later.
    """

    _name = "credit.recovery.pix.charge"
    _description = "Collection PIX Charge"
    _order = "id desc"
    _check_company_auto = True

    debtor_id = fields.Many2one(
        "credit.recovery.debtor", required=True, ondelete="cascade", index=True, readonly=True, check_company=True
    )
    partner_id = fields.Many2one(related="debtor_id.partner_id", string="Customer")
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    key = fields.Char(
        string="Claim", required=True, readonly=True, help="What the charge claims: an installment or the day's total."
    )
    kind = fields.Selection(
        [("cob", "Pay today (cob)"), ("cobv", "With due date (cobv)")], required=True, readonly=True
    )
    amount = fields.Monetary(
        readonly=True,
        help="What the charge asks: for a cobv, before the fine and interest the bank adds after its due date.",
    )
    due_date = fields.Date(readonly=True)
    move_line_ids = fields.Many2many(
        "account.move.line",
        "credit_recovery_pix_charge_move_line_rel",
        "charge_id",
        "line_id",
        string="Installments",
        readonly=True,
    )
    transaction_id = fields.Many2one("payment.transaction", readonly=True, index=True, ondelete="restrict")
    txid = fields.Char(related="transaction_id.pix_txid", string="TXID")
    copy_paste = fields.Char(related="transaction_id.pix_copy_paste", string="PIX Code")
    expires_at = fields.Datetime(related="transaction_id.pix_expires_at", string="Expires At")
    state = fields.Selection(
        [
            ("active", "Live"),
            ("paid", "Paid"),
            ("superseded", "Superseded (removal pending)"),
            ("removed", "Removed"),
        ],
        default="active",
        required=True,
        readonly=True,
        index=True,
    )
    reason = fields.Char(readonly=True, help="Why the charge was superseded, or the PSP's last error.")

    def init(self):
        # Never two live charges for one claim (one installment, one debtor's total of the day).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS credit_recovery_pix_charge_live_key "
                "ON credit_recovery_pix_charge (key) WHERE state = 'active'"
            )
        )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _get_provider(self, company):
        """The company's enabled (or test-mode) PIX API provider, or an empty recordset."""
        if not company:
            return self.env["payment.provider"]
        return (
            self.env["payment.provider"]
            .sudo()
            .search(
                [("code", "=", "pix_api"), ("state", "in", ("enabled", "test")), ("company_id", "=", company.id)],
                order="state, sequence, id",  # "enabled" before "test"
                limit=1,
            )
        )

    @api.model
    def _get_codes(self, company, charges, claims, create=False, max_new=None):
        """``[(code, charge, error)]`` for ``charges`` (``[(amount, reference)]``) and their ``claims``
        (``credit.recovery.portal._pix_claim``, ``None`` when unknown): each claim's live dynamic
        code, or ``(False, empty, error)`` where the static code must do (no provider, no claim, the
        PSP unreachable or refusing: ``error`` says it, ``False`` when there was nothing to try).

        One read of the live charges of the batch. Without ``create`` a live charge asking the same
        amount is reused and nothing else is done (no call to the PSP): that is what a computed
        field may do. With it, charges are created, updated or replaced at the PSP as needed, at
        most ``max_new`` new installment charges (each is a call to the PSP: a page listing a hundred
        installments gives the first ones theirs, the others their static code, the total its own).
        """
        charge_model = self.sudo()
        results = [(False, charge_model, False)] * len(charges)
        provider = self._get_provider(company)
        if not provider:
            return results
        digits = company.currency_id.decimal_places
        today = fields.Date.context_today(self)
        wanted = {}
        for index, ((amount, _reference), claim) in enumerate(
            zip(charges, claims or [None] * len(charges), strict=True)
        ):
            if not claim or not amount or amount <= 0 or not claim.get("lines"):
                continue
            debtor = claim["debtor"]
            wanted[index] = charge_plan.wanted_charge(
                claim["kind"],
                debtor.id,
                claim["lines"].ids,
                amount,
                principal=claim.get("principal"),
                due=claim.get("due"),
                has_tax_id=bool(identity.document_kind(debtor.partner_id.vat)),
                today=today,
                validity_days=provider.pix_due_validity_days,
            )
        if not wanted:
            return results
        live = {
            charge.key: charge
            for charge in charge_model.search(
                [("key", "in", list({spec.key for spec in wanted.values()})), ("state", "=", "active")]
            )
        }
        now = fields.Datetime.now()
        for index, spec in wanted.items():
            existing = live.get(spec.key)
            action = charge_plan.plan(existing and existing._as_existing(), spec, now, digits)
            if action == charge_plan.REUSE:
                results[index] = (existing.copy_paste or False, existing, False)
                continue
            if not create:
                continue
            claim = claims[index]
            if action != charge_plan.UPDATE and claim["kind"] == "installment" and max_new is not None:
                if max_new <= 0:
                    continue
                max_new -= 1
            try:
                if action == charge_plan.UPDATE:
                    existing.transaction_id._pix_update_amount(float(spec.amount))
                    existing.write({"amount": float(spec.amount), "reason": False})
                    results[index] = (existing.copy_paste or False, existing, False)
                    continue
                if action == charge_plan.REPLACE:
                    existing._supersede(self.env._("Replaced by a charge of the claim as it is now."))
                charge = charge_model._create_at_psp(provider, spec, claim)
            except (PixApiError, UserError) as error:
                _logger.warning("PIX charge %s of company %s: %s", spec.key, company.id, error)
                results[index] = (False, charge_model, str(error) or error.__class__.__name__)
                continue
            live[spec.key] = charge
            results[index] = (charge.copy_paste or False, charge, False)
        return results

    @api.model
    def _create_at_psp(self, provider, spec, claim):
        """Create ``spec``'s charge at the PSP and its record (the PSP's transaction with it)."""
        debtor, lines = claim["debtor"].sudo(), claim["lines"].sudo()
        policy = self.env["credit.recovery.portal"]._get_policy(debtor.company_id)
        values = {
            "invoices": lines.move_id,
            "reference": None,
            "description": self._describe(spec, lines)[:DESCRIPTION_SIZE],
        }
        if spec.kind == "cobv":
            values.update(
                due_date=spec.due,
                fine=policy.fine_percent if policy else 0.0,
                interest=policy.interest_percent_month if policy else 0.0,
            )
        transaction = provider._pix_create_charge(spec.kind, float(spec.amount), debtor.partner_id, **values)
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                charge = self.create(
                    {
                        "debtor_id": debtor.id,
                        "company_id": debtor.company_id.id,
                        "key": spec.key,
                        "kind": spec.kind,
                        "amount": float(spec.amount),
                        "due_date": spec.due,
                        "move_line_ids": [fields.Command.set(lines.ids)],
                        "transaction_id": transaction.id,
                    }
                )
                self.env.flush_all()
        except psycopg2.errors.UniqueViolation:
            # Another request made this claim's charge meanwhile (a debtor's two tabs): keep theirs.
            transaction._pix_remove()
            return self.search([("key", "=", spec.key), ("state", "=", "active")], limit=1)
        return charge

    @api.model
    def _describe(self, spec, lines):
        """The text the debtor's bank shows with the charge (``solicitacaoPagador``)."""
        names = ", ".join(dict.fromkeys(lines.move_id.mapped("name")))
        if spec.kind == "cobv":
            return self.env._(
                "%(invoices)s: installment due %(date)s", invoices=names, date=format_date(self.env, spec.due)
            )
        return self.env._("%(invoices)s: amount due today", invoices=names)

    def _as_existing(self):
        self.ensure_one()
        return charge_plan.Existing(
            kind=self.kind,
            amount=Decimal(str(self.amount)),
            line_ids=frozenset(self.move_line_ids.ids),
            due=self.due_date,
            expires_at=self.expires_at,
            pending=self.transaction_id.state in ("draft", "pending"),
        )

    def _supersede(self, reason):
        """No longer what collection claims: removed at the PSP (``_pix_remove``, idempotent); when
        the PSP cannot be reached, left ``superseded`` for the cron to remove. Never raises."""
        for charge in self.filtered(lambda charge: charge.state in ("active", "superseded")):
            try:
                charge.transaction_id._pix_remove()
            except (PixApiError, UserError) as error:
                _logger.warning("PIX charge %s could not be removed: %s", charge.id, error)
                charge.write(
                    {
                        "state": "superseded",
                        "reason": self.env._(
                            "%(reason)s (PSP unreachable: %(error)s)", reason=reason, error=str(error)
                        ),
                    }
                )
                continue
            charge.write({"state": "removed", "reason": reason})

    @api.model
    def _supersede_lines(self, lines, reason, paying=None):
        """The live charges of ``lines`` (receivable journal items) that no longer claim what is
        due: those of a settled installment, and any total of the day that counted one. The charges
        of ``paying`` (the transactions being paid now) are marked paid instead."""
        if not lines:
            return
        charges = self.sudo().search([("move_line_ids", "in", lines.ids), ("state", "=", "active")])
        if not charges:
            return
        paid = charges.filtered(
            lambda charge: (
                charge.transaction_id in (paying or charge.transaction_id.browse())
                or charge.transaction_id.state == "done"
            )
        )
        paid.write({"state": "paid"})
        (charges - paid)._supersede(reason)

    @api.model
    def _cron_remove_superseded(self, limit=200):
        """Remove at the PSP the superseded charges it could not be told about (SKIP LOCKED batches)."""
        self.env.flush_all()
        query = self.sudo()._search([("state", "=", "superseded")], order="id", limit=limit)
        ids = [row[0] for row in self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))]
        charges = self.sudo().browse(ids)
        for charge in charges:
            charge._supersede(charge.reason or "")
        remaining = self.sudo().search_count([("state", "=", "superseded")]) if len(ids) == limit else 0
        self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
