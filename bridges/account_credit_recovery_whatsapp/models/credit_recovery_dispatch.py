import re

from odoo import api, fields, models
from odoo.tools import SQL, format_amount

from odoo.addons.account_credit_recovery.tools.sql import batch_update

PLACEHOLDER = re.compile(r"{{\s*(\d+)\s*}}")


class CreditRecoveryDispatch(models.Model):
    """WhatsApp Business as a channel of the collection message: the stage's template goes with
    the e-mail and the SMS of the same message, under the same decision, contact window, caps and
    opt-outs (the delivery checked them for the whole message). Queued in a batch with its
    contact log (``credit.recovery.whatsapp.message``), sent by the send cron."""

    _inherit = "credit.recovery.dispatch"

    whatsapp_sent = fields.Integer(string="WhatsApp", readonly=True)
    whatsapp_first_name = fields.Char(string="Debtor's First Name", compute="_compute_whatsapp_values")
    whatsapp_amount = fields.Char(
        string="Amount Claimed (text)",
        compute="_compute_whatsapp_values",
        help="The amount the message claims, formatted in its currency and in the template's language.",
    )
    whatsapp_creditor = fields.Char(
        string="Creditor",
        compute="_compute_whatsapp_values",
        help="The creditor's name and CNPJ, which every collection notice shows (CDC art. 42-A).",
    )
    preview_whatsapp = fields.Text(string="WhatsApp Text", compute="_compute_preview_whatsapp")
    whatsapp_message_ids = fields.One2many(
        "credit.recovery.whatsapp.message", "dispatch_id", string="WhatsApp Messages", readonly=True
    )

    @api.depends("debtor_id", "amount_due", "company_id", "stage_id.whatsapp_template_id.language")
    def _compute_whatsapp_values(self):
        """Each value as the template's text reads it: the amount in the template's language (a pt_BR
        template says R$ 1.022,67 whatever the user's language), else the customer's."""
        for dispatch in self:
            partner = dispatch.debtor_id.partner_id
            dispatch.whatsapp_first_name = (partner.name or "").split(" ")[0] if partner.name else ""
            lang = dispatch.stage_id.whatsapp_template_id.language or partner.lang
            dispatch.whatsapp_amount = format_amount(self.env, dispatch.amount_due, dispatch.currency_id, lang)
            company = dispatch.company_id
            dispatch.whatsapp_creditor = f"{company.name} – CNPJ {company.vat}" if company.vat else company.name or ""

    @api.depends("stage_id.whatsapp_template_id")
    def _compute_preview_whatsapp(self):
        for dispatch in self:
            template = dispatch.stage_id.whatsapp_template_id
            dispatch.preview_whatsapp = dispatch._whatsapp_render(template)[1] if template and dispatch.id else False

    def _post_other_channels(self, results, notes):
        res = super()._post_other_channels(results, notes)
        self._post_whatsapp(results, notes)
        return res

    def _whatsapp_render(self, template):
        """``(Graph template object, text the debtor reads)`` of ``template`` on this message, its
        variables read on the message as the template maps them (OCA's own component builders)."""
        self.ensure_one()
        values = template.variable_ids._get_variables_value(self)
        components = []
        header = template._prepare_header_component(variable_ids_value=values)
        body = template._prepare_body_components(variable_ids_value=values)
        if header:
            components.append(header)
        if body:
            components.append(body)
        components.extend(template._prepare_button_components(variable_ids_value=values))
        graph = {"name": template.template_name, "language": {"code": template.language}, "components": components}

        def fill(text, kind):
            return PLACEHOLDER.sub(lambda match: values.get(f"{kind}-{{{{{match.group(1)}}}}}", ""), text or "")

        text = fill(template.body, "body")
        if template.header:
            text = f"*{fill(template.header, 'header')}*\n\n{text}"
        return graph, text

    def _post_whatsapp(self, results, notes):
        """The stage's WhatsApp template of each message, for the batch: the customer's opt-out and
        a missing or failed mobile leave it out (said in the message's note); the others are queued
        with their sealed contact logs, each created with one ``create``."""
        to_send = []
        for dispatch in self.filtered(lambda dispatch: dispatch.stage_id.whatsapp_template_id):
            template = dispatch.stage_id.whatsapp_template_id
            partner = dispatch.debtor_id.partner_id
            number = partner._recovery_whatsapp_number()
            if partner.recovery_optout_whatsapp:
                notes[dispatch.id].append(self.env._("WhatsApp: the customer refused collection WhatsApp messages."))
            elif not number or partner.recovery_whatsapp_failed:
                notes[dispatch.id].append(self.env._("WhatsApp: no valid mobile number (missing, invalid or failed)."))
            elif template.state != "approved":
                notes[dispatch.id].append(
                    self.env._("WhatsApp: the template “%(template)s” is not approved by Meta.", template=template.name)
                )
            else:
                to_send.append((dispatch, template, number))
        if not to_send:
            return
        rendered = [dispatch._whatsapp_render(template) for dispatch, template, _number in to_send]
        logs = self.env["credit.recovery.contact"]._create_automatic_logs(
            [
                dict(
                    vals,
                    notes=f"{vals['notes']}\n\n{text}",
                )
                for (dispatch, template, number), (_graph, text) in zip(to_send, rendered, strict=True)
                for vals in [dispatch._prepare_contact_vals("whatsapp", template.name, False, f"+{number}")]
            ]
        )
        self.env["credit.recovery.whatsapp.message"].sudo().create(
            [
                {
                    "company_id": dispatch.company_id.id,
                    "debtor_id": dispatch.debtor_id.id,
                    "dispatch_id": dispatch.id,
                    "contact_id": log.id,
                    "gateway_id": template.gateway_id.id,
                    "template_id": template.id,
                    "number": number,
                    "payload": {"type": "template", "template": graph},
                    "body": text,
                }
                for (dispatch, template, number), (graph, text), log in zip(to_send, rendered, logs, strict=True)
            ]
        )
        for dispatch, _template, _number in to_send:
            results[dispatch.id]["whatsapp"] = 1
        self.env.flush_all()
        self.env.cr.execute(
            batch_update(
                self._table,
                {dispatch.id: {"whatsapp_sent": 1} for dispatch, _template, _number in to_send},
                {"whatsapp_sent": "int"},
                extra=SQL("write_date = now() at time zone 'UTC'"),
            )
        )
        self.browse([dispatch.id for dispatch, _template, _number in to_send]).invalidate_recordset(["whatsapp_sent"])
