"""Whether the store may sell on credit to a customer now: the one answer the sale, Point of Sale and
invoice bridges ask (``res.partner._recovery_credit_blocks``, ``_recovery_credit_info``), and the
customer's credit limit guarded while collection manages it."""

from odoo import fields, models
from odoo.exceptions import AccessError

from ..tools.collection import CREDIT_AGREEMENT_PENDING, CREDIT_RESTRICTED

BLOCKING_STATUSES = (CREDIT_RESTRICTED, CREDIT_AGREEMENT_PENDING)


class ResPartnerCredit(models.Model):
    _inherit = "res.partner"

    def _recovery_credit_blocks(self, company=None):
        """``{partner_id: block}`` for the partners of ``self`` whose collection record (their
        commercial entity's, in ``company``, default the current one) forbids new credit sales now;
        partners free to buy on credit are absent. *Forbids*: the collection policy's definition of
        restricted (``credit_block_stage_id``, ``credit_block_days``; by default anything overdue),
        an agreement awaiting its payment, unless a Collection Manager's override is in force.

        ``block`` is a dict: ``debtor`` (the ``credit.recovery.debtor``, sudo), ``status`` (its credit
        status), ``stage`` (stage name or ``""``), ``amount_overdue`` (float), ``currency``
        (``res.currency``), ``link`` (the debtor's personal page URL or ``False``), ``message``:
        a translated sentence for the seller that says why and what to do, ``limit`` (the credit
        limit collection set, float) and ``limit_state`` (``normal``/``blocked``/``restored``/``override``).

        Read with ``sudo()``: a salesperson or cashier needs the answer, not access to collection.
        A few queries for the whole recordset.
        """
        company = company or self.env.company
        by_commercial = self._recovery_debtors_by_commercial(company, [("credit_status", "in", BLOCKING_STATUSES)])
        blocked = (
            self.env["credit.recovery.debtor"]
            .sudo()
            .browse(debtor.id for debtor in by_commercial.values())
            ._recovery_blocked_ids()
        )
        blocks = {}
        for partner in self:
            debtor = by_commercial.get(partner.commercial_partner_id.id)
            if debtor and debtor.id in blocked:
                blocks[partner.id] = debtor._recovery_credit_block_vals()
        return blocks

    def _recovery_debtors_by_commercial(self, company, domain=()):
        debtors = (
            self.env["credit.recovery.debtor"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", company.id),
                    *domain,
                ]
            )
        )
        return {debtor.partner_id.id: debtor for debtor in debtors}

    def _recovery_credit_info(self, company=None):
        """``{partner_id: info}`` for every partner of ``self`` (the Point of Sale loads it for its
        customers): ``status`` (the collection record's credit status, ``"normal"`` without one),
        ``blocked`` (bool: no new credit sale now, see :meth:`_recovery_credit_blocks`), ``message``
        (the seller's sentence when blocked, else ``""``), ``limit`` (the customer's credit limit in
        ``company``, float, or ``False`` when none is set; a blocked customer's is 0.01, see
        ``tools/credit_limit.py``), ``available`` (``limit`` minus what the customer owes, never
        below 0, or ``False`` without a limit; 0.0 when blocked) and ``restored`` (bool: credit just
        given back, the till shows "crédito liberado"). Read with ``sudo()``, a few queries for the
        whole set."""
        company = company or self.env.company
        blocks = self._recovery_credit_blocks(company)
        by_commercial = self._recovery_debtors_by_commercial(company)
        partners = self.commercial_partner_id.sudo().with_company(company)
        limits = {partner.id: partner.credit_limit for partner in partners}
        owed = {partner.id: partner.credit for partner in partners}
        today = fields.Date.context_today(self)
        info = {}
        for partner in self:
            commercial_id = partner.commercial_partner_id.id
            debtor = by_commercial.get(commercial_id)
            block = blocks.get(partner.id)
            limit = limits.get(commercial_id) or False
            available = max(limit - owed.get(commercial_id, 0.0), 0.0) if limit else False
            info[partner.id] = {
                "status": debtor.credit_status if debtor else "normal",
                "blocked": bool(block),
                "message": block["message"] if block else "",
                "limit": limit,
                "available": 0.0 if block else available,
                "restored": bool(not block and debtor and debtor._recovery_recently_restored(today)),
            }
        return info

    def write(self, vals):
        if "credit_limit" in vals and not self.env.su:
            self._recovery_check_credit_limit_write()
        return super().write(vals)

    def _recovery_check_credit_limit_write(self):
        """While collection manages a customer's limit (blocked, restored, overridden), it is changed
        through the debtor's override only: the store sees one number, and it is given back exactly."""
        managed = (
            self.env["credit.recovery.debtor"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                    ("credit_limit_state", "!=", "normal"),
                ],
                limit=1,
            )
        )
        if managed:
            raise AccessError(
                self.env._(
                    "Collection manages this customer's credit limit now. A Collection Manager can change it with "
                    "Override Credit Limit on the collection record."
                )
            )
