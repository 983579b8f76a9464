"""The PIX codes of collection: each claim's dynamic charge when the company has a PIX API provider."""

from odoo import api, models

# New installment charges one visit of the page makes at the PSP (a call each); the rest get theirs
# at the next visits, the static code meanwhile.
PAGE_MAX_NEW_CHARGES = 12


class CreditRecoveryPortal(models.AbstractModel):
    """``_pix_codes`` gives each claim its dynamic charge's code (``credit.recovery.pix.charge``),
    and the static BR Code where there is none (no provider, no claim, the PSP unreachable).

    Charges are created at the PSP only where a code is handed to the debtor and the caller says
    so (context ``recovery_pix_charge``: the page, the letter, the WhatsApp text; the messages
    prepare theirs at delivery): a computed field elsewhere (a preview) reuses a live charge asking
    the same amount, or shows the static code.
    """

    _inherit = "credit.recovery.portal"

    @api.model
    def _pix_codes(self, company, charges, claims=None):
        codes = super()._pix_codes(company, charges, claims)
        if not claims or not any(claims):
            return codes
        found = self.env["credit.recovery.pix.charge"]._get_codes(
            company,
            charges,
            claims,
            create=bool(self.env.context.get("recovery_pix_charge")),
            max_new=self.env.context.get("recovery_pix_max_new"),
        )
        return [dynamic or static for static, (dynamic, _charge, _error) in zip(codes, found, strict=True)]

    @api.model
    def _page_values(self, link, today=None):
        """The page hands its codes to the debtor: their charges are created now. In sandbox, each
        dynamic code can be paid from the page (``pix_sandbox``: ``{code: {reference, access_token}}``,
        what ``payment_pix_api``'s sandbox route asks)."""
        context = {"recovery_pix_charge": True, "recovery_pix_max_new": PAGE_MAX_NEW_CHARGES}
        portal = self.with_context(**context)
        values = super(CreditRecoveryPortal, portal)._page_values(link.with_context(**context), today)
        codes = {row["pix"] for row in values["rows"] if row["pix"]} | {values["pix_total"]}
        codes |= {agreement.portal_pix_code for agreement in values["agreements"]}
        charges = (
            self.env["credit.recovery.pix.charge"]
            .sudo()
            .search([("debtor_id", "=", values["debtor"].id), ("state", "=", "active")])
        )
        values["pix_sandbox"] = {
            charge.copy_paste: {
                "reference": charge.transaction_id.reference,
                "access_token": self._pix_sandbox_token(charge.transaction_id),
            }
            for charge in charges
            if charge.copy_paste in codes and charge.transaction_id.provider_id.pix_psp == "sandbox"
        }
        return values

    @api.model
    def _pix_sandbox_token(self, transaction):
        """The token the sandbox route checks (``payment.transaction._pix_sandbox_access_token``,
        the one definition), read as superuser: the page is the public user's."""
        return transaction.sudo()._pix_sandbox_access_token()
