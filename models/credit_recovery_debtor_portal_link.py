from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

LINK_TEMPLATE = "account_credit_recovery.mail_template_portal_link"


class CreditRecoveryDebtor(models.Model):
    """The debtor's personal link on the debtor form: created on demand (an agent on the phone
    needs it before any message went out), copied, or sent by e-mail, SMS or WhatsApp.

    Each send is a manual outbound contact like the others: the contact log is created first, so
    the opt-outs, the contact window and the caps refuse it before anything goes out (a contact
    starting now, as WhatsApp's), then it is recorded and sealed with what was sent.
    """

    _inherit = "credit.recovery.debtor"

    portal_link_url = fields.Char(
        string="Link to the Page",
        compute="_compute_portal_link_url",
        help="The debtor's link to the self-service page (no login: the link is the secret). Empty until a "
        "message goes out or an agent creates it.",
    )
    portal_can_email = fields.Boolean(string="E-mail Possible", compute="_compute_portal_can_send")
    portal_can_text = fields.Boolean(string="SMS and WhatsApp Possible", compute="_compute_portal_can_send")
    portal_visit_ids = fields.One2many("credit.recovery.portal.visit", "debtor_id", string="Page Visits", readonly=True)

    def _compute_portal_link_url(self):
        """The active link, read only: opening the form creates none."""
        links = self.env["credit.recovery.portal.token"].search(
            [("debtor_id", "in", self._origin.ids), ("state", "=", "active")], order="id"
        )
        by_debtor = {link.debtor_id.id: link.url for link in links}
        for debtor in self:
            debtor.portal_link_url = by_debtor.get(debtor._origin.id, False)

    @api.depends(
        "partner_id.email",
        "partner_id.recovery_email_bounced",
        "partner_id.recovery_mobile_e164",
        "partner_id.recovery_mobile_valid",
        "partner_id.recovery_mobile_type",
        "partner_id.recovery_phone_e164",
        "partner_id.recovery_phone_valid",
        "partner_id.recovery_phone_type",
    )
    def _compute_portal_can_send(self):
        """Which Send buttons the form offers: an e-mail address that works, a valid mobile."""
        for debtor in self:
            partner = debtor.partner_id
            debtor.portal_can_email = bool(partner.email and not partner.recovery_email_bounced)
            debtor.portal_can_text = bool(partner and partner._recovery_sms_number())

    def action_portal_create_link(self):
        """Create the personal link now, to read it out or copy it."""
        self.ensure_one()
        self.check_access("read")
        if not self.portal_link_url:
            self.env["credit.recovery.portal.token"]._get_or_create_tokens(self)
            self.sudo().message_post(
                body=self.env._("Personal link of the self-service page created by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
            self.invalidate_recordset(["portal_link_url"])
        return True

    def action_portal_send_email(self):
        return self._portal_send_link("email")

    def action_portal_send_sms(self):
        return self._portal_send_link("sms")

    def action_portal_send_whatsapp(self):
        return self._portal_send_link("whatsapp")

    def _portal_send_link(self, channel):
        """Send the personal link on ``channel`` (created if missing), as a manual contact: refused
        by the contact rules before anything goes out, recorded and sealed once sent. WhatsApp opens
        click-to-chat with the text ready and waits for the agent's outcome, as the WhatsApp button."""
        self.ensure_one()
        self.check_access("read")
        partner = self.partner_id
        address = self._portal_link_address(channel)
        self.env["credit.recovery.portal.token"]._get_or_create_tokens(self)
        self.invalidate_recordset(["portal_link_url"])
        template = self.env.ref(LINK_TEMPLATE).sudo()
        body = template._render_field("body_html", self.ids, compute_lang=True)[self.id]
        text = html2plaintext(body).strip()
        if channel == "whatsapp":
            return self.env["credit.recovery.contact"]._action_whatsapp(self, text=text)
        contact = self.env["credit.recovery.contact"].create(
            {
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "invoice_ids": [Command.set(self.claimable_invoice_ids.ids)],
                "channel": channel,
                "direction": "outbound",
                "phone_number": address if channel == "sms" else False,
                "notes": text,
                "state": "draft",
            }
        )
        author = self.env.user.partner_id
        if channel == "email":
            subject = template._render_field("subject", self.ids, compute_lang=True)[self.id]
            message = self.sudo().message_post(
                body=body,
                subject=subject,
                author_id=author.id,
                partner_ids=partner.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        else:
            message = self.sudo()._message_sms(
                text,
                partner_ids=partner.ids,
                sms_pid_to_number={partner.id: address},
                author_id=author.id,
            )
        contact._write_workflow({"state": "logged", "delivery_state": "sent", "message_id": message.id})
        contact._record()
        channels = dict(contact._fields["channel"]._description_selection(self.env))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Link sent"),
                "message": self.env._(
                    "The personal link went to %(partner)s by %(channel)s (%(address)s). The contact is logged.",
                    partner=partner.display_name,
                    channel=channels[channel],
                    address=address if channel == "email" else contact.phone_number_display,
                ),
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _portal_link_address(self, channel):
        """Where the link goes on ``channel`` (an e-mail address, an E.164 mobile), or a clear refusal."""
        partner = self.partner_id
        if channel == "email":
            if not partner.email or partner.recovery_email_bounced:
                raise UserError(
                    self.env._(
                        "%(partner)s has no working e-mail address. Fix it on the customer, or send the link by "
                        "SMS or WhatsApp.",
                        partner=partner.display_name,
                    )
                )
            return partner.email
        number = partner._recovery_sms_number()
        if not number or (channel == "sms" and partner.recovery_sms_failed):
            raise UserError(
                self.env._(
                    "%(partner)s has no valid mobile number, and %(channel)s needs one. Fix the number on the "
                    "customer, or send the link by e-mail.",
                    partner=partner.display_name,
                    channel="SMS" if channel == "sms" else "WhatsApp",
                )
            )
        return number
