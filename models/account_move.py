from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.sql import column_exists, create_column

from ..tools.portal_input import text_html
from .common import DISPUTE_KINDS, RECOVERY_MOVE_TYPES

# Columns created before the ORM sees them, so that installing the addon on a
# database with many invoices does not compute them row by row (post_init_hook
# computes them in batches instead).
_PRECREATED_COLUMNS = {
    "recovery_debtor_id": "int4",
    "recovery_invoice_id": "int4",
    "recovery_paused_since": "date",
}


class AccountMove(models.Model):
    _inherit = "account.move"

    recovery_debtor_id = fields.Many2one(
        "credit.recovery.debtor",
        string="Collection Record",
        compute="_compute_recovery_debtor_id",
        store=True,
        index="btree_not_null",
        copy=False,
    )
    recovery_has_mobile = fields.Boolean(related="commercial_partner_id.recovery_has_mobile")
    recovery_invoice_id = fields.Many2one(
        "credit.recovery.invoice",
        string="Collection State",
        compute="_compute_recovery_debtor_id",
        store=True,
        index="btree_not_null",
        copy=False,
        readonly=True,
    )
    # The collection state changes every day: it is stored in its own narrow table
    # (credit.recovery.invoice, see why there) and shown here through related fields.
    recovery_stage_id = fields.Many2one(related="recovery_invoice_id.stage_id", string="Collection Stage")
    recovery_days_overdue = fields.Integer(related="recovery_invoice_id.days_overdue", string="Days Overdue")
    recovery_amount_overdue = fields.Monetary(
        related="recovery_invoice_id.amount_overdue",
        string="Amount Overdue",
        currency_field="company_currency_id",
    )
    recovery_oldest_due_date = fields.Date(
        related="recovery_invoice_id.oldest_due_date", string="Oldest Unpaid Due Date"
    )
    recovery_next_action_date = fields.Date(
        related="recovery_invoice_id.next_action_date", string="Next Collection Action"
    )
    recovery_stage_is_legal = fields.Boolean(related="recovery_stage_id.is_legal")
    recovery_refresh_date = fields.Date(related="recovery_invoice_id.refresh_date", string="Collection State Date")
    recovery_contact_ids = fields.Many2many(
        "credit.recovery.contact",
        "credit_recovery_contact_move_rel",
        "move_id",
        "contact_id",
        string="Contact Logs",
        readonly=True,
        copy=False,
    )
    recovery_last_contact_date = fields.Datetime(string="Last Contact", compute="_compute_recovery_last_contact_date")
    recovery_promise_ids = fields.Many2many(
        "credit.recovery.promise",
        "credit_recovery_promise_move_rel",
        "move_id",
        "promise_id",
        string="Promises to Pay",
        readonly=True,
        copy=False,
    )
    recovery_dispute_state = fields.Selection(
        [("open", "Under Review"), ("valid", "Valid"), ("invalid", "Rejected")],
        string="Dispute",
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    recovery_dispute_kind = fields.Selection(
        DISPUTE_KINDS,
        string="Dispute Reason",
        copy=False,
        tracking=True,
    )
    recovery_dispute_note = fields.Text(string="Dispute Details", copy=False)
    recovery_dispute_date = fields.Date(string="Disputed On", copy=False)
    recovery_dispute_resolution = fields.Text(string="Dispute Resolution", copy=False, tracking=True)
    recovery_paused_since = fields.Date(
        string="Collection Paused Since",
        compute="_compute_recovery_paused_since",
        store=True,
        copy=False,
        help="An open promise to pay or dispute pauses escalation: the stage stays where it was that day.",
    )
    recovery_agreement_id = fields.Many2one(
        "credit.recovery.agreement",
        string="Collection Agreement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set on an agreement's journal entry: its installments are followed in collection like invoices.",
    )
    recovery_excluded = fields.Boolean(string="Excluded from Collection", copy=False, tracking=True)
    recovery_exclusion_reason = fields.Char(string="Exclusion Reason", copy=False, tracking=True)

    def _auto_init(self):
        for column, column_type in _PRECREATED_COLUMNS.items():
            if not column_exists(self.env.cr, self._table, column):
                create_column(self.env.cr, self._table, column, column_type)
        return super()._auto_init()

    @api.depends("state", "move_type", "commercial_partner_id", "company_id", "recovery_agreement_id")
    def _compute_recovery_debtor_id(self):
        """Link posted customer invoices to the (company, customer) collection record and
        to their own collection state (``credit.recovery.invoice``).

        Both are created here, in one batch: the debtor the first time a customer of a
        company is invoiced (collection state lives per company), the invoice's state at
        its first posting; that one is kept if the invoice goes back to draft.
        """
        invoices = self.filtered(lambda move: move._is_recovery_document())
        debtors = (
            self.env["credit.recovery.debtor"]
            .sudo()
            ._get_or_create({(move.commercial_partner_id.id, move.company_id.id) for move in invoices})
        )
        State = self.env["credit.recovery.invoice"].sudo()
        origin_ids = [move._origin.id for move in self if move._origin.id]
        existing = State.search_fetch([("move_id", "in", origin_ids)], ["move_id"]) if origin_ids else State
        states = {state.move_id.id: state.id for state in existing}
        missing = [move for move in invoices if move.id == move._origin.id and move.id not in states]
        created = State.create([{"move_id": move.id, "company_id": move.company_id.id} for move in missing])
        states.update(zip([move.id for move in missing], created.ids, strict=True))
        for move in self:
            key = (move.commercial_partner_id.id, move.company_id.id)
            move.recovery_debtor_id = debtors.get(key, False) if move in invoices else False
            move.recovery_invoice_id = states.get(move._origin.id, False)

    @api.depends("recovery_contact_ids.date")
    def _compute_recovery_last_contact_date(self):
        """Read when shown (one query), not stored: stored, every message the delivery logs
        rewrote the wide rows of all the invoices it names (a tenth of a delivery batch)."""
        last = dict(
            self.env["credit.recovery.contact"]
            .sudo()
            ._read_group([("invoice_ids", "in", self._origin.ids)], ["invoice_ids"], ["date:max"])
        )
        for move in self:
            move.recovery_last_contact_date = last.get(move._origin, False)

    @api.depends(
        "recovery_promise_ids.state",
        "recovery_promise_ids.promised_on",
        "recovery_dispute_state",
        "recovery_dispute_date",
    )
    def _compute_recovery_paused_since(self):
        for move in self:
            starts = [promise.promised_on for promise in move.recovery_promise_ids if promise.state == "open"]
            if move.recovery_dispute_state == "open" and move.recovery_dispute_date:
                starts.append(move.recovery_dispute_date)
            move.recovery_paused_since = min(starts, default=False)

    def _is_recovery_document(self):
        """Posted customer invoices, and the journal entries of agreements (their installments)."""
        self.ensure_one()
        return self.state == "posted" and (self.move_type in RECOVERY_MOVE_TYPES or bool(self.recovery_agreement_id))

    def action_recovery_log_contact(self):
        partner = self.commercial_partner_id
        if len(partner) != 1:
            raise UserError(self.env._("Log a contact for the invoices of one customer at a time."))
        return self.env["credit.recovery.contact"]._action_log_contact(partner, self)

    def action_recovery_whatsapp(self):
        self.ensure_one()
        if not self.recovery_debtor_id:
            raise UserError(self.env._("Only posted customer invoices are in collection."))
        return self.env["credit.recovery.contact"]._action_whatsapp(self.recovery_debtor_id, self)

    def action_recovery_dispute(self):
        """Record that the customer disputes these invoices (pauses their collection)."""
        return self.env["credit.recovery.dispute"]._action_open(self, "raise")

    def action_recovery_resolve_dispute(self):
        return self.env["credit.recovery.dispute"]._action_open(self, "resolve")

    def _recovery_open_dispute(self, kind, note, user=None):
        """Put the invoices under dispute and ask the dispute manager to review them.

        A dispute under review is never replaced: its reason, details and date are what the
        manager reviews, so a second one on the same invoice is refused.
        """
        wrong = self.filtered(lambda move: move.state != "posted" or move.move_type not in RECOVERY_MOVE_TYPES)
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted customer invoices can be disputed: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        under_review = self.filtered(lambda move: move.recovery_dispute_state == "open")
        if under_review:
            raise UserError(
                self.env._(
                    "%(invoices)s already have a dispute under review, and it stays as it is until a Collection "
                    "Manager resolves it. Log a contact with what the customer said in the notes instead.",
                    invoices=", ".join(under_review.mapped("display_name")),
                )
            )
        today = fields.Date.context_today(self)
        self.sudo().write(
            {
                "recovery_dispute_state": "open",
                "recovery_dispute_kind": kind,
                "recovery_dispute_note": note,
                "recovery_dispute_date": today,
                "recovery_dispute_resolution": False,
            }
        )
        policies = self.env["credit.recovery.policy"]._get_company_policies(self.company_id)
        activity_type = self.env.ref("account_credit_recovery.activity_type_dispute_review")
        for move in self.sudo():
            move.activity_schedule(
                activity_type_id=activity_type.id,
                summary=self.env._("Review the dispute of %(invoice)s", invoice=move.name),
                # What the customer said is text (typed on the self-service page, or by an agent):
                # never HTML in the reviewer's to-do list.
                note=text_html(note) if note else False,
                user_id=move._recovery_dispute_reviewer(policies.get(move.company_id.id), user or self.env.user).id,
            )

    def _recovery_dispute_reviewer(self, policy, user):
        """Who reviews the dispute of this invoice: the policy's dispute manager, else the debtor's
        responsible, else ``user`` who recorded it when an active internal user (the agent), else
        the debtor's collection responsible (its salesperson, else the administrator). Never the
        public user of the self-service page, whatever the caller."""
        self.ensure_one()
        if policy and policy.dispute_manager_id:
            return policy.dispute_manager_id
        debtor = self.recovery_debtor_id
        if debtor.user_id:
            return debtor.user_id
        if user and user.sudo().active and user.sudo()._is_internal():
            return user
        if debtor:
            return debtor._get_collection_responsible()
        return self.env.ref("base.user_admin")

    def action_recovery_open_invoice(self):
        """The invoice in its own form (from a collection record's list), not in a dialog."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_recovery_negotiate(self):
        return self.env["credit.recovery.negotiation"]._action_open(self)

    def _recovery_check_negotiable(self, partner=None):
        """Refuse what cannot be negotiated together, with a message saying why."""
        if not self:
            raise UserError(self.env._("Select the overdue invoices to negotiate."))
        if len(self.commercial_partner_id) > 1 or (
            partner and self.commercial_partner_id != partner.commercial_partner_id
        ):
            raise UserError(self.env._("Negotiate the invoices of one customer at a time."))
        if len(self.company_id) > 1:
            raise UserError(self.env._("Negotiate the invoices of one company at a time."))
        if len(self.currency_id) > 1:
            raise UserError(self.env._("Negotiate invoices in one currency at a time."))
        wrong = self.filtered(lambda move: move.state != "posted" or move.move_type not in RECOVERY_MOVE_TYPES)
        if wrong:
            raise UserError(
                self.env._(
                    "Only posted customer invoices can be negotiated: %(moves)s.",
                    moves=", ".join(wrong.mapped("display_name")),
                )
            )
        if not any(self.mapped("recovery_amount_overdue")):
            raise UserError(self.env._("Nothing is overdue on these invoices: there is nothing to negotiate yet."))

    def action_recovery_dossier(self):
        """Evidence dossier limited to the selected invoices (one customer at a time)."""
        debtor = self.recovery_debtor_id
        if len(debtor) != 1:
            raise UserError(self.env._("Select posted invoices of one customer to print their dossier."))
        return debtor.action_generate_dossier(self)

    def action_recovery_exclude(self):
        """Ask for the reason, then take the invoices out of collection."""
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_exclude")
        action["context"] = {"active_model": "account.move", "active_ids": self.ids}
        return action

    def action_recovery_include(self):
        """Put excluded invoices back into collection (Collection Managers)."""
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can put invoices back into collection."))
        self.sudo().write({"recovery_excluded": False, "recovery_exclusion_reason": False})
        return True

    def action_recovery_open_debtor(self):
        self.ensure_one()
        return self.recovery_debtor_id.get_formview_action()
