from odoo import api, models


class CreditRecoveryLetter(models.AbstractModel):
    """Values of the collection letter: the same figures as the dossier, limited to what may be
    claimed (never a disputed, promised, excluded, prescribed or agreement-covered debt)."""

    _name = "report.account_credit_recovery.report_collection_letter"
    _description = "Collection Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        Dossier = self.env["report.account_credit_recovery.report_dossier"]
        if (data or {}).get("invoice_ids"):
            return Dossier._get_report_values(docids, data)
        debtors = self.env["credit.recovery.debtor"].browse(docids)
        return {
            "doc_ids": debtors.ids,
            "doc_model": "credit.recovery.debtor",
            "docs": debtors,
            "dossiers": {debtor.id: Dossier._get_dossier(debtor, debtor.claimable_invoice_ids) for debtor in debtors},
        }
