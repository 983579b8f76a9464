from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError

from .common import CREDIT_STATUSES

# Set by the workflow only (its private methods write them with sudo or SQL after their own
# checks): refused in create/write from anyone else, whatever the context.
WORKFLOW_FIELDS = frozenset(
    {
        "partner_id",
        "company_id",
        "profile_id",
        "profile_computed_id",
        "credit_status",
        "bureau_state",
        "bureau_removal_deadline",
        "bureau_notice_date",
        "bureau_listed_date",
        "bureau_removed_date",
        "planned_run_id",
        "fraud_state",
        "fraud_flagged_on",
        "contact_count",
        "last_contact_date",
        "callback_date",
        "stage_id",
        "amount_overdue",
        "oldest_due_date",
        "days_overdue",
        "overdue_invoice_count",
        "next_action_date",
        "overdue_episodes",
        "broken_commitments",
        "agency_assignment_id",
        "agency_id",
    }
)
# Who a new debtor is: given at creation, never changed afterwards.
IDENTITY_FIELDS = frozenset({"partner_id", "company_id"})


class CreditRecoveryDebtor(models.Model):
    """Where one customer stands in collection with one company.

    Collection is per company (a customer shared by two companies may owe one
    and not the other), so the state lives here, one record per (company,
    commercial partner); the partner form shows the record of the current company.
    Aggregates follow the invoices' stored collection state through the ORM's
    dependencies and are computed with one grouped query per batch.

    One file per concern, same model: this one (fields, CRUD, launchers), the aggregates and
    their SQL twin (``credit_recovery_debtor_aggregates``), the credit-bureau lifecycle
    (``credit_recovery_debtor_bureau``), evidence verification and dossier versions
    (``credit_recovery_debtor_evidence``).
    """

    _name = "credit.recovery.debtor"
    _description = "Debtor"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "days_overdue desc, amount_overdue desc, id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    invoice_ids = fields.One2many("account.move", "recovery_debtor_id", string="Invoices", readonly=True)
    # Open by the receivable lines' residual, not ``payment_state``: an agreement's journal
    # entry keeps "not paid" forever, and it is what a debtor owes once the agreement is signed.
    open_invoice_ids = fields.One2many(
        "account.move",
        "recovery_debtor_id",
        string="Open Invoices",
        readonly=True,
        domain=[
            (
                "line_ids",
                "any",
                [
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("reconciled", "=", False),
                    ("amount_residual", ">", 0),
                ],
            )
        ],
    )
    claimable_invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices to Claim",
        compute="_compute_claimable",
        help="Invoices in collection that a message may claim today: not disputed, promised, excluded, "
        "prescribed or covered by an agreement.",
    )
    amount_claimable = fields.Monetary(string="Amount to Claim", compute="_compute_claimable")
    contact_ids = fields.One2many("credit.recovery.contact", "debtor_id", string="Contact Logs", readonly=True)
    contact_count = fields.Integer(compute="_compute_last_contact", store=True, string="Contacts")
    last_contact_date = fields.Datetime(compute="_compute_last_contact", store=True)
    callback_date = fields.Date(
        compute="_compute_last_contact", store=True, help="Callback date set by the latest contact log."
    )
    stage_id = fields.Many2one(
        "credit.recovery.stage",
        compute="_compute_collection_state",
        store=True,
        index=True,
        tracking=True,
        group_expand="_read_group_stage_ids",
        help="Highest collection stage reached by the customer's invoices.",
    )
    amount_overdue = fields.Monetary(compute="_compute_collection_state", store=True)
    oldest_due_date = fields.Date(
        string="Oldest Unpaid Due Date",
        compute="_compute_collection_state",
        store=True,
        help="Due date of the oldest installment overdue among the customer's invoices.",
    )
    # Not stored: they change every day. Computed from ``oldest_due_date`` when read; searching,
    # sorting (``_order``) and grouping use the same SQL expression (``_field_to_sql``).
    days_overdue = fields.Integer(
        compute="_compute_days_overdue",
        search="_search_days_overdue",
        aggregator="max",  # a group of debtors is as late as its latest one: a sum of days means nothing
        help="Days overdue of the oldest unpaid installment.",
    )
    overdue_invoice_count = fields.Integer(string="Overdue Invoices", compute="_compute_collection_state", store=True)
    next_action_date = fields.Date(string="Next Action", compute="_compute_collection_state", store=True)
    overdue_episodes = fields.Integer(
        string="Recurrence",
        compute="_compute_overdue_episodes",
        store=True,
        help="Invoices paid late or still overdue in the last 12 months.",
    )
    promise_ids = fields.One2many("credit.recovery.promise", "debtor_id", string="Promises to Pay", readonly=True)
    agreement_ids = fields.One2many("credit.recovery.agreement", "debtor_id", string="Agreements", readonly=True)
    planned_run_id = fields.Many2one(
        "credit.recovery.run", string="Last Planned in Run", readonly=True, index="btree_not_null", copy=False
    )
    dispatch_ids = fields.One2many("credit.recovery.dispatch", "debtor_id", string="Collection Messages")
    broken_commitments = fields.Integer(
        compute="_compute_broken_commitments",
        store=True,
        help="Promises to pay and agreements broken in the last 12 months.",
    )
    profile_computed_id = fields.Many2one(
        "credit.recovery.profile", string="Computed Profile", compute="_compute_profile_computed_id", store=True
    )
    profile_override_id = fields.Many2one("credit.recovery.profile", string="Profile Set by Hand", tracking=True)
    profile_override_reason = fields.Char(string="Override Reason", tracking=True)
    profile_id = fields.Many2one("credit.recovery.profile", compute="_compute_profile_id", store=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Collection Responsible",
        tracking=True,
        domain=[("share", "=", False)],
        default=lambda self: self.env.user,
    )
    credit_status = fields.Selection(
        CREDIT_STATUSES,
        compute="_compute_credit_status",
        store=True,
        tracking=True,
        help="Restricted while something is overdue, and while an agreement awaits the payments the collection "
        "policy asks for (by default its down payment or first installment); restored once a debtor with late "
        "payments in the last 12 months has settled everything: the customer may buy again.",
    )
    agreement_next_payment = fields.Char(
        string="Next Agreement Payment",
        compute="_compute_agreement_next_payment",
        help="The next payment of the customer's active agreement: the credit follows the agreement's payments.",
    )
    phone = fields.Char(related="partner_id.recovery_best_phone", string="Best Phone")
    phone_display = fields.Char(related="partner_id.recovery_best_phone_display", string="Phone")
    phone_link = fields.Html(string="Phone to Call", compute="_compute_phone_link", sanitize=False)
    wrong_number = fields.Char(related="partner_id.recovery_wrong_number")
    email = fields.Char(related="partner_id.email")
    no_valid_phone = fields.Boolean(related="partner_id.recovery_no_valid_phone")
    invalid_phone = fields.Boolean(related="partner_id.recovery_invalid_phone")
    has_mobile = fields.Boolean(related="partner_id.recovery_has_mobile")
    phone_problem = fields.Text(related="partner_id.recovery_phone_problem")

    _sql_constraints = [
        ("partner_company_uniq", "unique(partner_id, company_id)", "A customer has one collection record per company."),
    ]

    @api.depends("partner_id", "company_id")
    def _compute_display_name(self):
        multi_company = len(self.env.companies) > 1
        for debtor in self:
            name = debtor.partner_id.display_name or ""
            debtor.display_name = f"{name} ({debtor.company_id.name})" if multi_company and name else name

    @api.depends("phone", "phone_display")
    def _compute_phone_link(self):
        """The number in national form, linked to its E.164 form (``tel:``)."""
        for debtor in self:
            debtor.phone_link = (
                Markup('<a href="tel:%s">%s</a>') % (debtor.phone, debtor.phone_display) if debtor.phone else False
            )

    @api.depends("contact_ids.date", "contact_ids.next_action_date")
    def _compute_last_contact(self):
        for debtor in self:
            contacts = debtor.contact_ids.sorted(lambda contact: (contact.date, contact._origin.id or 0))
            debtor.contact_count = len(contacts)
            debtor.last_contact_date = contacts[-1:].date
            debtor.callback_date = contacts[-1:].next_action_date

    @api.constrains("profile_override_id", "profile_override_reason")
    def _check_profile_override(self):
        for debtor in self:
            if debtor.profile_override_id and not (debtor.profile_override_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "Say why %(partner)s gets the profile %(profile)s by hand: fill in the override reason.",
                        partner=debtor.partner_id.display_name,
                        profile=debtor.profile_override_id.name,
                    )
                )

    @api.model
    def _read_group_stage_ids(self, stages, _domain):
        return stages.search([("company_id", "in", self.env.companies.ids)])

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self._check_client_vals(set(vals) - IDENTITY_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            self._check_client_vals(set(vals))
        return super().write(vals)

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_credit_recovery.action_recovery_overdue_invoices"
        )
        action["domain"] = [("recovery_debtor_id", "=", self.id)]
        action["context"] = {"search_default_filter_recovery_open": 1}
        return action

    def action_negotiate(self):
        self.ensure_one()
        return self.env["credit.recovery.negotiation"]._action_open(
            self.open_invoice_ids.filtered("recovery_amount_overdue")
        )

    def action_log_contact(self):
        """The log names the debtor's overdue invoices (a new sale not due yet is not what the call
        is about); with nothing overdue, the open ones (a reminder before the due date)."""
        self.ensure_one()
        invoices = self.open_invoice_ids.filtered("recovery_amount_overdue") or self.open_invoice_ids
        return self.env["credit.recovery.contact"]._action_log_contact(self.partner_id, invoices)

    def action_whatsapp(self):
        self.ensure_one()
        return self.env["credit.recovery.contact"]._action_whatsapp(self)

    def action_open_contacts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_contact")
        action["domain"] = [("debtor_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.partner_id.id}
        return action

    def _check_client_vals(self, names):
        """Refuse the fields only the workflow sets, and the profile override to non-managers."""
        refused = WORKFLOW_FIELDS & names
        if refused:
            descriptions = self.fields_get(sorted(refused), ["string"])
            raise AccessError(
                self.env._(
                    "These fields of a debtor are set by the collection workflow, not by hand: %(fields)s. Use the "
                    "buttons of the debtor (credit bureau) or ask a Collection Manager to override the profile.",
                    fields=", ".join(descriptions[name]["string"] for name in sorted(refused)),
                )
            )
        if {"profile_override_id", "profile_override_reason"} & names and not self.env.user.has_group(
            "account_credit_recovery.group_credit_recovery_manager"
        ):
            raise AccessError(self.env._("Only a Collection Manager can change a debtor's profile. Ask your manager."))

    @api.model
    def _get_or_create(self, keys):
        """``{(partner_id, company_id): debtor_id}`` for ``keys``, creating the missing ones in one batch."""
        keys = {key for key in keys if all(key)}
        if not keys:
            return {}
        existing = self.search(
            [
                ("partner_id", "in", list({partner for partner, _company in keys})),
                ("company_id", "in", list({company for _partner, company in keys})),
            ]
        )
        result = {(debtor.partner_id.id, debtor.company_id.id): debtor.id for debtor in existing}
        missing = sorted(keys - result.keys())
        if missing:
            partners = self.env["res.partner"].browse(partner for partner, _company in missing)
            responsible = {partner.id: partner.user_id.id for partner in partners}
            created = self.create(
                [
                    {"partner_id": partner, "company_id": company, "user_id": responsible.get(partner) or False}
                    for partner, company in missing
                ]
            )
            result.update({(debtor.partner_id.id, debtor.company_id.id): debtor.id for debtor in created})
        return result

    def _get_collection_responsible(self):
        """Who gets the debtor's collection activities: its responsible, else the salesperson, else the admin."""
        self.ensure_one()
        return self.user_id or self.partner_id.user_id or self.env["res.users"].browse(self._default_responsible_id())

    @api.model
    @tools.ormcache()
    def _default_responsible_id(self):
        """The administrator, looked up once: a delivery batch asks for hundreds of debtors."""
        return self.env.ref("base.user_admin").id
