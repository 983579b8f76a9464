from odoo import api, models


class CreditRecoveryLetter(models.AbstractModel):
    """Values of the collection letter: the same figures as the dossier."""

    _name = "report.account_credit_recovery.report_collection_letter"
    _description = "Collection Letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        return self.env["report.account_credit_recovery.report_dossier"]._get_report_values(docids, data)
