from collections import defaultdict
from decimal import Decimal

from odoo import api, models


class CreditRecoveryLetter(models.AbstractModel):
    """Values of the collection letter: the dossier's creditor, debtor and rates, with the debt the
    debtor is claimed today (``credit.recovery.debtor._get_claims``: the amount of the e-mail, SMS,
    WhatsApp text and self-service page; never a disputed, promised, excluded, prescribed,
    agreement-covered or not yet due installment)."""

    _name = "report.account_credit_recovery.report_collection_letter"
    _description = "Collection Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        Dossier = self.env["report.account_credit_recovery.report_dossier"]
        if (data or {}).get("invoice_ids"):
            return Dossier._get_report_values(docids, data)
        debtors = self.env["credit.recovery.debtor"].browse(docids)
        debtors.check_access("read")  # the claims are computed with sudo
        claims = debtors.sudo()._get_claims()
        return {
            "doc_ids": debtors.ids,
            "doc_model": "credit.recovery.debtor",
            "docs": debtors,
            "dossiers": {
                debtor.id: self._claimed_dossier(
                    Dossier._get_dossier(debtor, debtor.claimable_invoice_ids), claims[debtor.id]
                )
                for debtor in debtors
            },
        }

    @api.model
    def _claimed_dossier(self, dossier, claim):
        """``dossier`` with its debts and totals replaced by the claimed installments of ``claim``."""
        rows_by_move = defaultdict(list)
        for line in claim.lines:
            rows_by_move[line.move].append(
                {
                    "due": line.due,
                    "open": line.charges.principal,
                    "days": line.charges.days,
                    "fine": line.charges.fine,
                    "interest": line.charges.interest,
                    "total": line.charges.total,
                }
            )
        debts = [{"invoice": move, "rows": rows} for move, rows in rows_by_move.items()]
        totals = {
            "open": claim.principal,
            "fine": claim.fine,
            "interest": claim.interest,
            "total": claim.total,
            "original": Decimal(0),
            "paid": Decimal(0),
        }
        return {**dossier, "debts": debts, "totals": totals, "claim": claim}
