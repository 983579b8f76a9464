from odoo import models

STAMPED_REPORTS = (
    "account_credit_recovery.report_dossier",
    "account_credit_recovery.report_collection_letter",
    "account_credit_recovery.report_agreement_terms",
)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _get_rendering_context(self, report, docids, data):
        """The collection reports' records are checked before anything is rendered: a report built
        with ``sudo`` (the dossier, the letter) or one asked for over ``/report/...`` with another
        debtor's id is refused with an access error, not rendered or failing in its template."""
        if docids and report.model.startswith("credit.recovery."):
            ids = docids if isinstance(docids, list) else [docids]
            self.env[report.model].browse(ids).check_access("read")
        return super()._get_rendering_context(report, docids, data)

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """Give the collection reports their header and footer on every page."""
        pdf, report_type = super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        report = self._get_report(report_ref)
        if report_type == "pdf" and report.report_name in STAMPED_REPORTS and res_ids:
            records = self.env[report.model].browse(res_ids if isinstance(res_ids, list) else [res_ids])
            pdf = self.env["report.account_credit_recovery.report_dossier"]._stamp_pdf(
                pdf, report.report_name, records, data
            )
        return pdf, report_type
