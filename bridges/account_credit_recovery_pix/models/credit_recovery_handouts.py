"""Where a PIX code is handed to the debtor outside the page and the messages: the letter and the
WhatsApp text make their claim's charge at the PSP (see ``credit.recovery.portal._pix_codes``)."""

from odoo import api, models


class CreditRecoveryContact(models.Model):
    _inherit = "credit.recovery.contact"

    @api.model
    def _action_whatsapp(self, debtor, invoices=None, text=None):
        contacts = self.with_context(recovery_pix_charge=True)
        return super(CreditRecoveryContact, contacts)._action_whatsapp(
            debtor.with_context(recovery_pix_charge=True), invoices, text
        )


class CreditRecoveryLetter(models.AbstractModel):
    _inherit = "report.account_credit_recovery.report_collection_letter"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data)
        if values.get("docs") is not None:
            values["docs"] = values["docs"].with_context(recovery_pix_charge=True)
        return values
