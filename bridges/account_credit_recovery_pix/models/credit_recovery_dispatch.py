"""The message's dynamic PIX charge, prepared when it is delivered; the static code and why, when
the PSP could not make one."""

from odoo import fields, models

from odoo.addons.account_credit_recovery.tools import collection
from odoo.addons.account_credit_recovery.tools.sql import batch_update


class CreditRecoveryDispatch(models.Model):
    _inherit = "credit.recovery.dispatch"

    pix_charge_id = fields.Many2one(
        "credit.recovery.pix.charge", string="PIX Charge", readonly=True, copy=False, index="btree_not_null"
    )
    pix_note = fields.Char(
        string="PIX",
        readonly=True,
        copy=False,
        help="The PIX code the message carried: its dynamic charge, or the static code and why.",
    )

    def _compute_portal_values(self):
        """A message that went out shows the dynamic code it carried (the static one otherwise)."""
        result = super()._compute_portal_values()
        for dispatch in self.filtered(lambda dispatch: dispatch.state != "queued" and dispatch.pix_charge_id):
            dispatch.portal_pix_code = dispatch.pix_charge_id.copy_paste or dispatch.portal_pix_code
        return result

    def _render_batch(self):
        self._pix_prepare()
        return super()._render_batch()

    def _pix_hands_code(self):
        """Whether this message hands its PIX code to the debtor: its e-mail goes out (the SMS
        carries the page's link only), or a WhatsApp template of its stage (the WhatsApp bridge's
        ``whatsapp_template_id``, which may carry ``portal_pix_code``)."""
        self.ensure_one()
        partner = self.debtor_id.partner_id
        emailed = bool(
            self._get_message_templates(self.stage_id)[0]
            and partner.email
            and not partner.recovery_optout_email
            and not partner.recovery_email_bounced
        )
        stage = self.stage_id
        return emailed or bool("whatsapp_template_id" in stage._fields and stage.whatsapp_template_id)

    def _pix_prepare(self):
        """Before the batch is rendered: each message's charge, reused or made now at the PSP, and on
        each message what its code is (one UPDATE for the batch). The message goes out whatever
        happens: with the static code and the PSP's error when the charge could not be made."""
        charge_model = self.env["credit.recovery.pix.charge"]
        companies = self.company_id.filtered(charge_model._get_provider)
        handing = self.filtered(lambda dispatch: dispatch.company_id in companies and dispatch._pix_hands_code())
        if not handing:
            return
        charges = dict(zip(handing, handing._pix_charges(), strict=True))
        values = {}
        for company in handing.company_id:
            dispatches = handing.filtered(lambda dispatch, company=company: dispatch.company_id == company)
            batch = [charges[dispatch] for dispatch in dispatches]
            amounts, claims = [charge[:2] for charge in batch], [charge[2] for charge in batch]
            found = charge_model._get_codes(company, amounts, claims, create=True)
            for dispatch, (code, charge, error) in zip(dispatches, found, strict=True):
                if code:
                    note = self.env._("PIX: dynamic charge %(txid)s", txid=charge.txid or "")
                elif error:
                    note = self.env._("PIX: static code (PSP unreachable: %(error)s)", error=error)
                else:
                    note = self.env._("PIX: static code")
                values[dispatch.id] = {"pix_charge_id": charge.id or None, "pix_note": note}
        if values:
            self.env.flush_all()
            self.env.cr.execute(
                batch_update(self._table, values, {"pix_charge_id": "int"}, overwrite={"pix_charge_id", "pix_note"})
            )
            self.browse(list(values)).invalidate_recordset(["pix_charge_id", "pix_note"])

    def _recovery_withdraw_paid(self, today):
        """These queued messages, checked again by the skip rules now (as at delivery): what is paid
        leaves them; a message with nothing left is cancelled. Their delivery checks again anyway."""
        if not self:
            return
        Action = self.env["credit.recovery.action"]  # noqa: N806
        rows = Action._fetch_facts([("dispatch_id", "in", self.ids)])
        skipped, kept = Action._classify(rows, today)
        Action._mark_skipped(skipped)
        kept_ids = {row["dispatch_id"] for row in kept}
        reasons = {row["dispatch_id"]: reason for reason, skipped_rows in skipped.items() for row in skipped_rows}
        self._write_states(
            {
                dispatch.id: {"state": "cancelled", "cancel_reason": reasons.get(dispatch.id, collection.SKIP_PAID)}
                for dispatch in self
                if dispatch.id not in kept_ids
            }
        )
        self.invalidate_recordset(["action_ids", "invoice_ids", "amount_due"])
