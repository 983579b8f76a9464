from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CreditRecoveryStage(models.Model):
    """A stage can send a WhatsApp Business template: one of the gateway's templates (OCA
    ``mail.whatsapp.template``) applying to collection messages, its variables mapped there to the
    message's fields (first name, amount claimed, personal link, PIX code, creditor)."""

    _inherit = "credit.recovery.stage"

    whatsapp_template_id = fields.Many2one(
        "mail.whatsapp.template",
        string="WhatsApp Template",
        domain="[('model', '=', 'credit.recovery.dispatch'), ('company_id', 'in', (company_id, False))]",
        help="Template approved by Meta, sent to the debtor's mobile through its WhatsApp gateway. It applies "
        "to Collection Message; map its variables to the message's fields: whatsapp_first_name, "
        "whatsapp_amount, portal_url, portal_pix_code, whatsapp_creditor.",
    )
    whatsapp_gateway_id = fields.Many2one(related="whatsapp_template_id.gateway_id", string="WhatsApp Gateway")

    @api.constrains("whatsapp_template_id")
    def _check_whatsapp_template(self):
        for stage in self.filtered("whatsapp_template_id"):
            if stage.whatsapp_template_id.model != "credit.recovery.dispatch":
                raise ValidationError(
                    self.env._(
                        "The WhatsApp template “%(template)s” of stage %(stage)s must apply to Collection Message: "
                        "its variables are read on the message.",
                        template=stage.whatsapp_template_id.name,
                        stage=stage.name,
                    )
                )

    def _has_actions(self):
        return super()._has_actions() or bool(self.whatsapp_template_id)
