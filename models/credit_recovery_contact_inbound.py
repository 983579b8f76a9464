from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..tools.inbound import DISPUTE, PAID, PROMISE

MEANINGS = [(PAID, "Already paid"), (PROMISE, "Promise to pay"), (DISPUTE, "Dispute")]


class CreditRecoveryContact(models.Model):
    """A message the debtor sent (WhatsApp, SMS, e-mail, the self-service page) as an inbound
    log: its external id (one log per message, however often it is delivered), what it seems to
    say (a suggestion the agent confirms with one click, or dismisses) and the conversation it
    belongs to. Recorded by ``credit.recovery.debtor._recovery_receive_inbound``."""

    _inherit = "credit.recovery.contact"

    external_id = fields.Char(
        string="Message ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The message's own id on its channel (e-mail Message-Id, WhatsApp message id): a message "
        "delivered twice is recorded once.",
    )
    reply_to_id = fields.Many2one(
        "credit.recovery.contact", string="In Reply To", readonly=True, copy=False, index="btree_not_null"
    )
    inbound_author_id = fields.Many2one(
        "res.partner", string="Written By", readonly=True, copy=False, help="Who wrote the message, when known."
    )
    is_stop_request = fields.Boolean(
        string="Stop Request",
        readonly=True,
        copy=False,
        help="The message asked to stop collection messages: the opt-out was set and confirmed at once.",
    )
    suggested_meaning = fields.Selection(MEANINGS, readonly=True, copy=False, help="What the message seems to say.")
    suggested_date = fields.Date(readonly=True, copy=False, help="The date the message names, if any.")
    suggestion_state = fields.Selection(
        [("pending", "To review"), ("accepted", "Accepted"), ("dismissed", "Dismissed")],
        readonly=True,
        copy=False,
    )
    suggestion_label = fields.Char(string="Suggestion", compute="_compute_suggestion_label")

    _sql_constraints = [
        (
            "external_id_unique",
            "unique(channel, external_id)",
            "This message was already recorded: a message is one contact log, however often it is delivered.",
        ),
    ]

    def _compute_suggestion_label(self):
        meanings = dict(self._fields["suggested_meaning"]._description_selection(self.env))
        for contact in self:
            if not contact.suggested_meaning:
                contact.suggestion_label = False
            elif contact.suggested_date:
                contact.suggestion_label = self.env._(
                    "%(meaning)s: %(date)s",
                    meaning=meanings[contact.suggested_meaning],
                    date=format_date(self.env, contact.suggested_date),
                )
            else:
                contact.suggestion_label = meanings[contact.suggested_meaning]

    def action_suggestion_promise(self):
        """Record the promise the message makes: the amount claimed today, by the date it names."""
        contact = self._check_suggestion(PROMISE)
        debtor = contact.debtor_id.sudo()
        invoices = debtor.claimable_invoice_ids.filtered(lambda move: move.move_type in ("out_invoice", "out_receipt"))
        if not invoices:
            raise UserError(self.env._("Nothing is claimed from this customer today: there is nothing to promise."))
        if not contact.suggested_date:
            raise UserError(self.env._("The message names no date: log the promise with its date by hand."))
        self.env["credit.recovery.promise"].sudo().create(
            {
                "contact_id": contact.id,
                "partner_id": contact.partner_id.id,
                "company_id": contact.company_id.id,
                "debtor_id": debtor.id,
                "invoice_ids": [fields.Command.set(invoices.ids)],
                "amount": sum(invoices.mapped("amount_residual_signed")),
                "date": contact.suggested_date,
                "promised_on": fields.Date.context_today(self, contact.date),
                "user_id": self.env.user.id,
            }
        )
        return contact._accept_suggestion(
            self.env._("Promise to pay by %(date)s recorded", date=format_date(self.env, contact.suggested_date))
        )

    def action_suggestion_paid(self):
        """The customer says it is paid: the invoices go under review (kind *already paid*), as
        when an agent logs the outcome *Says already paid*."""
        contact = self._check_suggestion(PAID)
        invoices = contact._suggestion_invoices()
        invoices._recovery_open_dispute("already_paid", contact.notes or "")
        return contact._accept_suggestion(self.env._("Invoices put under review: the customer says they are paid"))

    def action_suggestion_dispute(self):
        """Open the dispute wizard on the customer's invoices, with the message as its details."""
        contact = self._check_suggestion(DISPUTE)
        invoices = contact._suggestion_invoices()
        action = self.env["credit.recovery.dispute"]._action_open(invoices, "raise")
        action["context"].update(
            {"default_kind": "not_recognised", "default_note": contact.notes or "", "default_contact_id": contact.id}
        )
        return action

    def action_suggestion_dismiss(self):
        contact = self._check_suggestion(None)
        contact._write_workflow({"suggestion_state": "dismissed"})
        contact.debtor_id.sudo().message_post(
            body=self.env._(
                "Suggestion on the customer's message #%(log)s dismissed by %(agent)s.",
                log=contact.id,
                agent=self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _check_suggestion(self, meaning):
        """The one inbound log whose pending suggestion (of ``meaning``, any if ``None``) an agent acts on."""
        self.ensure_one()
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_agent"):
            raise AccessError(self.env._("Only collection agents can act on a customer's message."))
        self.check_access("read")
        if self.direction != "inbound" or self.suggestion_state != "pending":
            raise UserError(self.env._("This message has no suggestion waiting for a decision."))
        if meaning and self.suggested_meaning != meaning:
            raise UserError(self.env._("This message suggests something else: reload the page."))
        return self

    def _suggestion_invoices(self):
        """The customer's open invoices not under review yet (what a dispute may cover)."""
        invoices = (
            (self.invoice_ids or self.debtor_id.open_invoice_ids)
            .sudo()
            .filtered(
                lambda move: move.move_type in ("out_invoice", "out_receipt") and move.recovery_dispute_state != "open"
            )
        )
        if not invoices:
            raise UserError(self.env._("The customer has no open invoice left to put under review."))
        return invoices

    def _accept_suggestion(self, what):
        self._write_workflow({"suggestion_state": "accepted"})
        self.debtor_id.sudo().message_post(
            body=self.env._(
                "%(what)s, from the customer's message #%(log)s, by %(agent)s.",
                what=what,
                log=self.id,
                agent=self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return True
