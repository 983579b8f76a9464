"""The letter hands its PIX code to the debtor: it makes its claim's charge at the PSP (see
``credit.recovery.portal._pix_codes``)."""

from odoo import api, models


class CreditRecoveryLetter(models.AbstractModel):
    _inherit = "report.account_credit_recovery.report_collection_letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data)
        if values.get("docs") is not None:
            values["docs"] = values["docs"].with_context(recovery_pix_charge=True)
        return values
