import base64
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date
from odoo.tools.mimetypes import guess_mimetype

from ..tools.portal_input import RECEIPT_MIMETYPES, text_html
from .common import RECEIPT_MAX_BYTES, TERM_FIELDS


class CreditRecoveryPortal(models.AbstractModel):
    """What the debtor does on the self-service page: accept or request an offer, promise,
    say it is paid, dispute, opt out, rate the agreement; each recorded as a contact log."""

    _inherit = "credit.recovery.portal"

    @api.model
    def _accept_offer(self, link, *, template_id, installments, first_due, name, signature, ip=None, user_agent=None):
        """Create, confirm and sign the agreement the debtor accepted: only inside the profile's
        limits (checked again here, whatever the browser sent). Returns the agreement."""
        link = link.sudo()
        name = self._check_signature(name, signature)
        offer, vals, invoices = self._prepare_offer(link, template_id, installments, first_due)
        problems = self._offer_problems(offer)
        if problems:
            raise AccessError(
                self.env._(
                    "These terms are beyond what can be accepted online: %(problems)s", problems="; ".join(problems)
                )
            )
        agreement = self._create_accepted_agreement(link.debtor_id, vals, invoices)
        agreement.write(
            {
                "portal_signature": signature,
                "portal_signed_by": name,
                "portal_signed_on": fields.Datetime.now(),
                "portal_signed_ip": (ip or "")[:64],
            }
        )
        attachment = self._attach_signed_terms(agreement, name)
        self._log_action(
            link,
            "account_credit_recovery.outcome_agreement",
            self.env._(
                "Agreement %(agreement)s accepted and signed on the self-service page by %(name)s.",
                agreement=agreement.name,
                name=name,
            ),
            invoices,
            ip=ip,
            user_agent=user_agent,
            attachments=attachment,
        )
        return agreement

    @api.model
    def _check_signature(self, name, signature):
        """The signer's typed name, stripped, once the name and a readable signature are there."""
        name = (name or "").strip()
        if not name or not signature:
            raise UserError(self.env._("Type your full name and sign to accept the agreement."))
        try:
            signature_bytes = base64.b64decode(signature, validate=True)
        except (ValueError, TypeError) as error:
            raise UserError(self.env._("The signature could not be read: sign again.")) from error
        if not signature_bytes:
            raise UserError(self.env._("Type your full name and sign to accept the agreement."))
        return name

    @api.model
    def _create_accepted_agreement(self, debtor, vals, invoices):
        """The confirmed agreement of the accepted terms ``vals`` on ``invoices`` (checked by the
        caller), refused again if the stored agreement's own verdict says beyond the limits."""
        # The public user's company is not the creditor's: the accounting runs in the creditor's.
        agreement = (
            self.env["credit.recovery.agreement"]
            .sudo()
            .with_company(debtor.company_id)
            .create(
                {
                    "invoice_ids": [Command.set(invoices.ids)],
                    # Who follows the agreement up (its activities): an active user, never the system.
                    "user_id": debtor._get_collection_responsible().id,
                    **{key: vals[key] for key in TERM_FIELDS},
                }
            )
        )
        if not agreement.within_limits:  # the stored agreement's own verdict, after create
            raise AccessError(self.env._("These terms are beyond what can be accepted online."))
        agreement.action_confirm()
        return agreement

    @api.model
    def _attach_signed_terms(self, agreement, name):
        """The signed terms as a PDF on the agreement, posted in its chatter; the attachment."""
        pdf = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf("account_credit_recovery.action_report_agreement_terms", agreement.ids)[0]
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": self.env._("Signed terms %(name)s.pdf", name=agreement.name),
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": agreement._name,
                    "res_id": agreement.id,
                }
            )
        )
        agreement.message_post(
            body=self.env._("Accepted and signed online by %(name)s.", name=name),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        return attachment

    @api.model
    def _request_offer(self, link, *, template_id, installments, first_due, ip=None, user_agent=None):
        """Terms beyond the limits: the team gets an activity with them; nothing is created. At
        most ``policy.portal_team_requests_per_day`` requests a day per debtor (the team is not
        flooded from a link)."""
        link = link.sudo()
        debtor = link.debtor_id
        policy = self._get_policy(debtor.company_id)
        per_day = policy.portal_team_requests_per_day if policy else 1
        sent = (
            self.env["credit.recovery.portal.visit"]
            .sudo()
            .search_count(
                [
                    ("debtor_id", "=", debtor.id),
                    ("event", "=", "offer_refused"),
                    ("date", ">", fields.Datetime.now() - timedelta(days=1)),
                ]
            )
        )
        if sent >= per_day:
            raise UserError(
                self.env._("Your request was already sent to our team today: they will contact you shortly.")
            )
        offer, vals, _invoices = self._prepare_offer(link, template_id, installments, first_due)
        problems = self._offer_problems(offer)
        note = self.env._(
            "The debtor asked on the self-service page for %(installments)s installments from %(date)s "
            "(offer %(offer)s, total %(total)s). Beyond the limits: %(problems)s",
            installments=vals["installments"],
            date=format_date(self.env, vals["first_due"]),
            offer=self._offer_templates(debtor).filtered(lambda template: template.id == template_id).name,
            total=debtor.currency_id.format(offer.total),
            problems="; ".join(problems) or "-",
        )
        debtor.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Negotiation requested on the self-service page"),
            note=text_html(note),
            user_id=debtor._get_collection_responsible().id,
        )
        link._log_visit("offer_refused", ip, user_agent, note=note[:250])
        return problems

    # ------------------------------------------------------------------
    # Other actions: each a sealed inbound contact log (channel "portal")
    # ------------------------------------------------------------------

    @api.model
    def _log_action(self, link, outcome_xmlid, notes, invoices, *, ip=None, user_agent=None, attachments=None, **extra):
        """Record what the debtor did as a sealed inbound contact log, with the moment, IP and browser."""
        link = link.sudo()
        debtor = link.debtor_id
        now = fields.Datetime.now()
        vals = {
            "partner_id": debtor.partner_id.id,
            "company_id": debtor.company_id.id,
            "invoice_ids": [Command.set(invoices.ids)],
            "channel": "portal",
            "direction": "inbound",
            "date": now,
            "user_id": (debtor.user_id or self.env.ref("base.user_root")).id,
            "outcome_id": self.env.ref(outcome_xmlid).id if outcome_xmlid else False,
            "notes": self.env._(
                "%(notes)s\nOn the self-service page, %(moment)s UTC, IP %(ip)s, browser: %(agent)s",
                notes=notes,
                moment=fields.Datetime.to_string(now),
                ip=ip or "-",
                agent=user_agent or "-",
            ),
            **extra,
        }
        if attachments:
            vals["attachment_ids"] = [Command.set(attachments.ids)]
        contact = self.env["credit.recovery.contact"].sudo().create(vals)
        link._log_visit("action", ip, user_agent, note=notes[:250])
        return contact

    @api.model
    def _own_invoices(self, link, invoice_ids):
        """The debtor's open invoices among ``invoice_ids`` (other ids are ignored): ids typed in a
        form never reach another debtor's or company's data."""
        debtor = link.sudo().debtor_id
        ids = set()
        for value in invoice_ids or []:
            try:
                ids.add(int(value))
            except (TypeError, ValueError):
                continue
        return debtor.open_invoice_ids.filtered(
            lambda move: move.id in ids and move.move_type in ("out_invoice", "out_receipt")
        )

    @api.model
    def _promise(self, link, date, ip=None, user_agent=None):
        """ "I will pay on ``date``": a promise of the amount claimed today (the page's total, its
        invoices and their claimed principal), as an agent would log it."""
        values = self._page_values(link)
        try:
            date = fields.Date.to_date(date) if date else None
        except (TypeError, ValueError):
            date = None
        today = values["today"]
        if not date or date < today or (date - today).days > 30:
            raise UserError(self.env._("Choose a payment date within the next 30 days."))
        # The promise is of the amount claimed today (``_get_claims``): its installments already due,
        # never one not due yet, nor an excluded, prescribed, disputed or promised invoice.
        claimed_rows = values["claimed_rows"]
        invoices = self.env["account.move"].union(*[row["move"] for row in claimed_rows])
        open_promises = link.sudo().debtor_id.promise_ids.filtered(lambda promise: promise.state == "open")
        # A promised invoice is no longer claimed: a form sent twice finds its invoices promised.
        promised = open_promises.filtered(lambda promise: promise.invoice_ids & invoices) or (
            not invoices and open_promises.sorted("id", reverse=True)
        )
        if promised:
            # A form sent twice, or a second date: said to the debtor, not in the back office's words.
            raise UserError(
                self.env._(
                    "You have already promised to pay on %(date)s: thank you. To change the date, call us.",
                    date=format_date(self.env, promised[:1].date),
                )
            )
        if not invoices or values["total"] <= 0:
            raise UserError(self.env._("There is nothing to promise on this page today."))
        # A promise covers the open amount of the installments claimed (the late charges follow the
        # payment): paying what the page claims keeps it.
        amount = sum(row["principal"] for row in claimed_rows)
        return self._log_action(
            link,
            "account_credit_recovery.outcome_promise",
            self.env._(
                "The debtor promised on the self-service page to pay on %(date)s.", date=format_date(self.env, date)
            ),
            invoices,
            ip=ip,
            user_agent=user_agent,
            promise_amount=amount,
            promise_date=date,
        )

    @api.model
    def _already_paid(self, link, invoice_ids, note, *, receipt_name=None, receipt_data=None, ip=None, user_agent=None):
        """ "I have already paid", with the receipt: the invoices are put under review (kind
        *already paid*) exactly as when an agent logs it."""
        invoices = self._own_invoices(link, invoice_ids).filtered(lambda move: move.recovery_dispute_state != "open")
        if not invoices:
            raise UserError(self.env._("Tick the invoices you have already paid."))
        attachments = self.env["ir.attachment"]
        if receipt_data:
            if len(receipt_data) > RECEIPT_MAX_BYTES:
                raise UserError(self.env._("The receipt is too large: send a file of at most 10 MB."))
            mimetype = guess_mimetype(receipt_data)
            if mimetype not in RECEIPT_MIMETYPES:
                raise UserError(self.env._("Send the receipt as a photo or a PDF file."))
            attachments = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": receipt_name or "receipt",
                        "raw": receipt_data,
                        "mimetype": mimetype,
                        "res_model": "credit.recovery.debtor",
                    }
                )
            )
        return self._log_action(
            link,
            "account_credit_recovery.outcome_already_paid",
            (note or "").strip() or self.env._("The debtor says these invoices are already paid."),
            invoices,
            ip=ip,
            user_agent=user_agent,
            attachments=attachments,
        )

    @api.model
    def _dispute(self, link, invoice_ids, note, ip=None, user_agent=None):
        """ "I do not recognise this debt": the invoices are disputed as from the back office."""
        invoices = self._own_invoices(link, invoice_ids).filtered(lambda move: move.recovery_dispute_state != "open")
        if not invoices:
            raise UserError(self.env._("Tick the invoices you do not recognise."))
        return self._log_action(
            link,
            "account_credit_recovery.outcome_dispute",
            (note or "").strip() or self.env._("The debtor does not recognise this debt."),
            invoices,
            ip=ip,
            user_agent=user_agent,
        )

    @api.model
    def _optout(self, link, channels, ip=None, user_agent=None):
        """Stop collection messages on ``channels`` at once (collection only, not marketing)."""
        allowed = {"email", "sms", "phone", "whatsapp"}
        channels = [channel for channel in channels or [] if channel in allowed]
        if not channels:
            raise UserError(self.env._("Tick the channels you no longer want to be contacted on."))
        partner = link.sudo().debtor_id.partner_id
        partner.sudo().write({f"recovery_optout_{channel}": True for channel in channels})
        return self._log_action(
            link,
            None,
            self.env._("The debtor opted out of collection contacts by: %(channels)s.", channels=", ".join(channels)),
            self.env["account.move"],
            ip=ip,
            user_agent=user_agent,
        )

    @api.model
    def _feedback(self, link, agreement_id, rating, comment):
        debtor = link.sudo().debtor_id
        due = {(agreement.id, moment): agreement for agreement, moment in self._feedback_due(debtor)}
        key = next((key for key in due if key[0] == agreement_id), None)
        if not key:
            raise UserError(self.env._("Thank you: your feedback was already recorded."))
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            rating = 0
        return (
            self.env["credit.recovery.portal.feedback"]
            .sudo()
            .create(
                {
                    "debtor_id": debtor.id,
                    "agreement_id": agreement_id,
                    "moment": key[1],
                    "rating": rating,
                    "comment": (comment or "").strip()[:2000],
                }
            )
        )
