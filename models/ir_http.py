from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """Each allowed company's currency, for the collection kanban's column totals.

        The web client knows every currency's symbol but not which one a company keeps its
        books in; the debtors' kanban shows the amounts overdue of a column with it.
        """
        result = super().session_info()
        if self.env.user._is_internal():
            allowed = result["user_companies"]["allowed_companies"]
            for company in self.env.user.company_ids:
                if company.id in allowed:
                    allowed[company.id]["recovery_currency_id"] = company.currency_id.id
        return result
