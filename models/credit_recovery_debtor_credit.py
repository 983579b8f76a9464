"""What the store is told when a debtor's collection status forbids new credit (the sale, Point of
Sale and invoice bridges show it; ``res.partner._recovery_credit_blocks`` asks for it)."""

from odoo import models
from odoo.tools import format_amount


class CreditRecoveryDebtor(models.Model):
    _inherit = "credit.recovery.debtor"

    def _recovery_credit_block_vals(self):
        """The block of one debtor whose credit is not available (see
        ``res.partner._recovery_credit_blocks``): why, in the seller's words, and what to do."""
        self.ensure_one()
        debtor = self.sudo()
        link = debtor.portal_link_url or False
        amount = format_amount(self.env, debtor.amount_overdue, debtor.currency_id)
        if debtor.credit_status == "agreement_pending":
            reason = self.env._(
                "%(customer)s's credit is held until the collection agreement receives its first payment (%(next)s).",
                customer=debtor.partner_id.name,
                next=debtor.agreement_next_payment or self.env._("see the agreement"),
            )
        else:
            reason = self.env._(
                "%(customer)s has %(amount)s overdue (collection stage: %(stage)s): new credit is blocked.",
                customer=debtor.partner_id.name,
                amount=amount,
                stage=debtor.stage_id.name or self.env._("none yet"),
            )
        todo = self.env._(
            "Sell for cash or card now; the customer can pay or negotiate on the personal page or with the "
            "collection team (Negotiate on the collection record), and credit returns by itself once paid."
        )
        return {
            "debtor": debtor,
            "status": debtor.credit_status,
            "stage": debtor.stage_id.name or "",
            "amount_overdue": debtor.amount_overdue,
            "currency": debtor.currency_id,
            "link": link,
            "message": f"{reason} {todo}",
        }
