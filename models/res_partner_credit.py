"""Whether the store may sell on credit to a customer now: the one answer the sale, Point of Sale and
invoice bridges ask (``res.partner._recovery_credit_blocks``)."""

from odoo import models

from ..tools.collection import CREDIT_AGREEMENT_PENDING, CREDIT_RESTRICTED

BLOCKING_STATUSES = (CREDIT_RESTRICTED, CREDIT_AGREEMENT_PENDING)


class ResPartnerCredit(models.Model):
    _inherit = "res.partner"

    def _recovery_credit_blocks(self, company=None):
        """``{partner_id: block}`` for the partners of ``self`` whose collection record (their
        commercial entity's, in ``company``, default the current one) forbids new credit sales now;
        partners free to buy on credit are absent.

        ``block`` is a dict: ``debtor`` (the ``credit.recovery.debtor``, sudo), ``status`` (its credit
        status), ``stage`` (stage name or ``""``), ``amount_overdue`` (float), ``currency``
        (``res.currency``), ``link`` (the debtor's personal page URL or ``False``) and ``message``:
        a translated sentence for the seller that says why and what to do.

        Read with ``sudo()``: a salesperson or cashier needs the answer, not access to collection.
        One search for the whole recordset.
        """
        company = company or self.env.company
        commercial = self.commercial_partner_id
        debtors = (
            self.env["credit.recovery.debtor"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", commercial.ids),
                    ("company_id", "=", company.id),
                    ("credit_status", "in", BLOCKING_STATUSES),
                ]
            )
        )
        by_commercial = {debtor.partner_id.id: debtor for debtor in debtors}
        blocks = {}
        for partner in self:
            debtor = by_commercial.get(partner.commercial_partner_id.id)
            if debtor:
                blocks[partner.id] = debtor._recovery_credit_block_vals()
        return blocks

    def _recovery_credit_info(self, company=None):
        """``{partner_id: info}`` for every partner of ``self`` (the Point of Sale loads it for its
        customers): ``status`` (the collection record's credit status, ``"normal"`` without one),
        ``blocked`` (bool: no new credit sale now), ``message`` (the seller's sentence when
        blocked, else ``""``), ``limit`` (the customer's credit limit in ``company``, float, or
        ``False`` when none is set), ``available`` (``limit`` minus what the customer owes, never
        below 0, or ``False`` without a limit) and ``restored`` (bool: credit just given back, the
        till shows "crédito liberado"). Read with ``sudo()``, a few queries for the whole set."""
        company = company or self.env.company
        blocks = self._recovery_credit_blocks(company)
        commercial = self.commercial_partner_id
        debtors = (
            self.env["credit.recovery.debtor"]
            .sudo()
            .search([("partner_id", "in", commercial.ids), ("company_id", "=", company.id)])
        )
        by_commercial = {debtor.partner_id.id: debtor for debtor in debtors}
        partners = commercial.sudo().with_company(company)
        limits = {partner.id: partner.credit_limit for partner in partners}
        owed = {partner.id: partner.credit for partner in partners}
        info = {}
        for partner in self:
            commercial_id = partner.commercial_partner_id.id
            debtor = by_commercial.get(commercial_id)
            block = blocks.get(partner.id)
            limit = limits.get(commercial_id) or False
            info[partner.id] = {
                "status": debtor.credit_status if debtor else "normal",
                "blocked": bool(block),
                "message": block["message"] if block else "",
                "limit": limit,
                "available": max(limit - owed.get(commercial_id, 0.0), 0.0) if limit else False,
                "restored": bool(debtor and debtor.credit_status == "restored"),
            }
        return info
