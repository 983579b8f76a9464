"""Payment terms as the store's credit sees them: immediate (cash) or credit."""

from odoo import models

from ..tools.payment_terms import is_immediate


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    def _recovery_is_immediate(self):
        """Whether these terms (one record) ask for the whole amount on the invoice date (see
        ``tools.payment_terms.is_immediate``): a sale on them is a cash sale."""
        self.ensure_one()
        return is_immediate((line.delay_type, line.nb_days) for line in self.sudo().line_ids)
