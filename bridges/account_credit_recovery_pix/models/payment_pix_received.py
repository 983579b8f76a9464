"""Collection reacts the moment a PIX is registered (or refunded), as if a person had registered it."""

from odoo import fields, models
from odoo.tools import format_amount


class PaymentPixReceived(models.Model):
    """A PIX received and registered (``payment_pix_api``): its debtor's collection takes it in at
    once, not at the next daily run (CDC art. 42 sole paragraph: who paid is not chased again)."""

    _inherit = "payment.pix.received"

    def _pix_after_register(self):
        result = super()._pix_after_register()
        registered = self.filtered("payment_id")
        if not registered:
            return result
        charges = (
            self.env["credit.recovery.pix.charge"]
            .sudo()
            .search([("transaction_id", "in", registered.transaction_id.ids)])
        )
        charges.filtered(lambda charge: charge.state in ("active", "superseded")).write({"state": "paid"})
        debtors = self.env["credit.recovery.debtor"].sudo()
        contacts = []
        for received in registered:
            debtor = received._recovery_debtor(charges)
            if not debtor:
                continue
            contacts.append(received._recovery_contact_vals(debtor))
            debtors |= debtor
        self.env["credit.recovery.contact"].sudo().create(contacts)
        debtors._recovery_pix_react(registered.transaction_id.invoice_ids)
        return result

    def _pix_after_refund(self, refund):
        """A refund gives the debt back: collection resumes on it, and the refund is logged."""
        result = super()._pix_after_refund(refund)
        charges = (
            self.env["credit.recovery.pix.charge"].sudo().search([("transaction_id", "in", self.transaction_id.ids)])
        )
        debtor = self._recovery_debtor(charges)
        if debtor:
            self.env["credit.recovery.contact"].sudo().create(self._recovery_contact_vals(debtor, refund=refund))
            debtor._recovery_pix_react(self.transaction_id.invoice_ids, refunded=True)
        return result

    def _recovery_debtor(self, charges):
        """The collection record of this PIX: its charge's debtor, else that of its invoices."""
        self.ensure_one()
        charge = charges.filtered(lambda charge: charge.transaction_id == self.transaction_id)[:1]
        if charge:
            return charge.debtor_id
        return self.transaction_id.invoice_ids.sudo().recovery_debtor_id.filtered(
            lambda debtor: debtor.company_id == self.company_id
        )[:1]

    def _recovery_contact_vals(self, debtor, refund=None):
        """The values of the payment's (or its refund's) contact log on ``debtor``, channel PIX, with
        its endToEndId and amount: once created, sealed, in the evidence chain and the dossier like
        any contact. Inbound, the refund too: neither is a contact collection makes, and neither
        counts against its caps."""
        self.ensure_one()
        invoices = self.transaction_id.invoice_ids.sudo().filtered(
            lambda move: (
                move.move_type in ("out_invoice", "out_receipt") and move.commercial_partner_id == debtor.partner_id
            )
        )
        if refund:
            notes = self.env._(
                "PIX refunded: %(amount)s of the PIX %(e2eid)s given back to the payer (refund %(refund)s). "
                "The amount is due again.",
                amount=format_amount(self.env, refund.amount, self.currency_id),
                e2eid=self.end_to_end_id,
                refund=refund.refund_id,
            )
        else:
            notes = self.env._(
                "PIX received: %(amount)s, endToEndId %(e2eid)s, charge %(txid)s, paid by %(payer)s.",
                amount=format_amount(self.env, self.amount, self.currency_id),
                e2eid=self.end_to_end_id,
                txid=self.txid or "",
                payer=self.payer_name or debtor.partner_id.name,
            )
        now = fields.Datetime.now()
        return {
            "partner_id": debtor.partner_id.id,
            "company_id": debtor.company_id.id,
            "invoice_ids": [fields.Command.set(invoices.ids)],
            "channel": "pix",
            "direction": "inbound",
            "user_id": debtor._get_collection_responsible().id,
            "date": now if refund or not self.received_at else min(self.received_at, now),
            "notes": notes,
        }
