from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools.business_days import BusinessCalendar
from ..tools.collection import select_profile
from .credit_recovery_dossier import DOSSIER_DIGEST_MARK

CREDIT_STATUSES = [
    ("normal", "Normal"),
    ("restricted", "Restricted"),
    ("restored", "Restored"),
]
HISTORY_DAYS = 365
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
        "contact_count",
        "last_contact_date",
        "callback_date",
        "stage_id",
        "amount_overdue",
        "days_overdue",
        "overdue_invoice_count",
        "next_action_date",
        "overdue_episodes",
        "broken_commitments",
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
    days_overdue = fields.Integer(
        compute="_compute_collection_state", store=True, help="Days overdue of the oldest unpaid installment."
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
    bureau_state = fields.Selection(
        [
            ("notified", "Prior notice sent"),
            ("listed", "Listed"),
            ("removal_requested", "Removal requested"),
            ("removed", "Removed"),
        ],
        string="Credit Bureau",
        readonly=True,
        tracking=True,
        help="Credit-bureau lifecycle: prior notice (CDC art. 43 §2), listing, removal request within "
        "5 business days of full payment (STJ Súmula 548), removal.",
    )
    bureau_removal_deadline = fields.Date(string="Removal Deadline", readonly=True, tracking=True)
    bureau_notice_date = fields.Date(
        string="Prior Notice Sent On",
        readonly=True,
        tracking=True,
        help="Date of the written prior notice (CDC art. 43 §2).",
    )
    bureau_listed_date = fields.Date(string="Listed On", readonly=True, tracking=True)
    bureau_removed_date = fields.Date(string="Removed On", readonly=True, tracking=True)
    bureau_removal_late = fields.Boolean(
        string="Removal Overdue",
        compute="_compute_bureau_removal_late",
        search="_search_bureau_removal_late",
        help="The debt is paid and the removal deadline (5 business days, STJ Súmula 548) has passed.",
    )
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
        help="Restricted while something is overdue; restored once a debtor with late payments "
        "in the last 12 months has settled everything: the customer may buy again.",
    )
    phone = fields.Char(related="partner_id.recovery_best_phone", string="Best Phone")
    phone_display = fields.Char(related="partner_id.recovery_best_phone_display", string="Phone")
    phone_link = fields.Html(string="Phone to Call", compute="_compute_phone_link", sanitize=False)
    wrong_number = fields.Char(related="partner_id.recovery_wrong_number")
    email = fields.Char(related="partner_id.email")
    no_valid_phone = fields.Boolean(related="partner_id.recovery_no_valid_phone")
    invalid_phone = fields.Boolean(related="partner_id.recovery_invalid_phone")

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

    @api.depends(
        "invoice_ids.recovery_amount_overdue",
        "invoice_ids.recovery_days_overdue",
        "invoice_ids.recovery_stage_id",
        "invoice_ids.recovery_next_action_date",
        "callback_date",
    )
    def _compute_collection_state(self):
        Move = self.env["account.move"]
        debtor_ids = self._origin.ids
        overdue = {
            debtor.id: (amount, days, count)
            for debtor, amount, days, count in Move._read_group(
                [("recovery_debtor_id", "in", debtor_ids), ("recovery_amount_overdue", ">", 0)],
                ["recovery_debtor_id"],
                ["recovery_amount_overdue:sum", "recovery_days_overdue:max", "__count"],
            )
        }
        staged = {}
        for debtor, stage, next_date in Move._read_group(
            [("recovery_debtor_id", "in", debtor_ids), ("recovery_stage_id", "!=", False)],
            ["recovery_debtor_id", "recovery_stage_id"],
            ["recovery_next_action_date:min"],
        ):
            best_stage, best_date = staged.get(debtor.id, (stage.browse(), False))
            if not best_stage or stage._ladder_key() > best_stage._ladder_key():
                best_stage = stage
            if next_date and (not best_date or next_date < best_date):
                best_date = next_date
            staged[debtor.id] = (best_stage, best_date)
        for debtor in self:
            amount, days, count = overdue.get(debtor._origin.id, (0.0, 0, 0))
            stage, next_date = staged.get(debtor._origin.id, (False, False))
            debtor.amount_overdue = amount
            debtor.days_overdue = days
            debtor.overdue_invoice_count = count
            debtor.stage_id = stage
            if debtor.callback_date and (not next_date or debtor.callback_date < next_date):
                next_date = debtor.callback_date
            debtor.next_action_date = next_date

    def _compute_claimable(self):
        claims = self.env["credit.recovery.action"]._claims_by_debtor(self._origin.ids)
        for debtor in self:
            claimed = claims.get(debtor._origin.id, {})
            debtor.claimable_invoice_ids = [fields.Command.set(list(claimed))]
            debtor.amount_claimable = sum(claimed.values())

    @api.depends("contact_ids.date", "contact_ids.next_action_date")
    def _compute_last_contact(self):
        for debtor in self:
            contacts = debtor.contact_ids.sorted(lambda contact: (contact.date, contact.id))
            debtor.contact_count = len(contacts)
            debtor.last_contact_date = contacts[-1:].date
            debtor.callback_date = contacts[-1:].next_action_date

    @api.depends("invoice_ids.payment_state", "invoice_ids.recovery_amount_overdue")
    def _compute_overdue_episodes(self):
        episodes = self._get_overdue_episodes()
        for debtor in self:
            debtor.overdue_episodes = episodes.get(debtor._origin.id, 0)

    @api.depends("promise_ids.state", "promise_ids.closed_date", "agreement_ids.state", "agreement_ids.broken_date")
    def _compute_broken_commitments(self):
        since = fields.Date.context_today(self) - timedelta(days=HISTORY_DAYS)
        for debtor in self:
            promises = debtor.promise_ids.filtered(
                lambda promise: promise.state == "broken" and promise.closed_date >= since
            )
            agreements = debtor.agreement_ids.filtered(
                lambda agreement: agreement.state == "broken" and agreement.broken_date >= since
            )
            debtor.broken_commitments = len(promises) + len(agreements)

    @api.depends("overdue_episodes", "broken_commitments", "company_id")
    def _compute_profile_computed_id(self):
        # A handful of profiles: read them all once for the whole batch.
        profiles = self.env["credit.recovery.profile"].sudo().search([("active", "=", True)])
        rules_by_company = {}
        for debtor in self:
            company = debtor.company_id.id
            if company not in rules_by_company:
                rules_by_company[company] = profiles.filtered(
                    lambda p, company=company: p.company_id.id in (False, company)
                )._get_profile_rules()
            profile_id = select_profile(rules_by_company[company], debtor.overdue_episodes, debtor.broken_commitments)
            debtor.profile_computed_id = profile_id or False

    @api.depends("profile_computed_id", "profile_override_id")
    def _compute_profile_id(self):
        for debtor in self:
            debtor.profile_id = debtor.profile_override_id or debtor.profile_computed_id

    @api.depends("bureau_state", "bureau_removal_deadline")
    def _compute_bureau_removal_late(self):
        today = fields.Date.context_today(self)
        for debtor in self:
            debtor.bureau_removal_late = bool(
                debtor.bureau_state == "removal_requested"
                and debtor.bureau_removal_deadline
                and debtor.bureau_removal_deadline < today
            )

    def _search_bureau_removal_late(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(operator)
        domain = [
            ("bureau_state", "=", "removal_requested"),
            ("bureau_removal_deadline", "<", fields.Date.context_today(self)),
        ]
        return domain if (operator == "=") == value else ["!", *domain]

    @api.depends("amount_overdue", "overdue_episodes")
    def _compute_credit_status(self):
        for debtor in self:
            if debtor.currency_id.compare_amounts(debtor.amount_overdue, 0.0) > 0:
                debtor.credit_status = "restricted"
            elif debtor.overdue_episodes:
                debtor.credit_status = "restored"
            else:
                debtor.credit_status = "normal"

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
        self.ensure_one()
        return self.env["credit.recovery.contact"]._action_log_contact(self.partner_id, self.open_invoice_ids)

    def action_whatsapp(self):
        self.ensure_one()
        return self.env["credit.recovery.contact"]._action_whatsapp(self)

    def action_open_contacts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_credit_recovery.action_credit_recovery_contact")
        action["domain"] = [("debtor_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.partner_id.id}
        return action

    def action_bureau_listed(self):
        """The credit bureau confirmed the listing (after the prior notice)."""
        self._check_bureau_manager()
        wrong = self.filtered(lambda debtor: debtor.bureau_state != "notified")
        if wrong:
            raise UserError(
                self.env._(
                    "Only customers who received the prior notice (CDC art. 43 §2) can be listed: %(names)s.",
                    names=", ".join(wrong.mapped("display_name")),
                )
            )
        self.sudo().write({"bureau_state": "listed", "bureau_listed_date": fields.Date.context_today(self)})
        return True

    def action_bureau_removed(self):
        """The credit bureau confirmed the removal."""
        self._check_bureau_manager()
        wrong = self.filtered(lambda debtor: debtor.bureau_state not in ("listed", "removal_requested"))
        if wrong:
            raise UserError(
                self.env._(
                    "These customers are not listed with the credit bureau: %(names)s.",
                    names=", ".join(wrong.mapped("display_name")),
                )
            )
        self.sudo().write({"bureau_state": "removed", "bureau_removed_date": fields.Date.context_today(self)})
        self.activity_feedback(["account_credit_recovery.activity_type_bureau_removal"])
        return True

    def _recovery_record_bureau_notice(self):
        """The prior notice of CDC art. 43 §2 went out today (an e-mail sent, a letter posted):
        record it, unless a notice or a listing is already running. Returns whether it did."""
        self.ensure_one()
        if self.bureau_state not in (False, "removed"):
            return False
        self.sudo().write({"bureau_state": "notified", "bureau_notice_date": fields.Date.context_today(self)})
        return True

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

    def _check_bureau_manager(self):
        if not self.env.user.has_group("account_credit_recovery.group_credit_recovery_manager"):
            raise AccessError(self.env._("Only a Collection Manager can record credit-bureau listings and removals."))

    def action_verify_evidence(self):
        """Recompute the digests of the debtor's logs and check the company's evidence ledger:
        name each log whose content changed, each missing entry and each inserted or moved log."""
        self.ensure_one()
        contacts = self.env["credit.recovery.contact"].sudo()
        contacts._chain(self.company_id)  # logs sealed during another append join the ledger now
        tampered = self.contact_ids._get_tampered()
        problems = [
            self.env._("log #%(id)s (%(log)s) was modified after it was recorded", id=log.id, log=log.display_name)
            for log in tampered
        ]
        for kind, log_id, detail in contacts._get_ledger_breaks(self.company_id):
            if kind == "missing":
                problems.append(
                    self.env._(
                        "ledger entries %(first)s to %(last)s are missing (deleted), just before log #%(id)s",
                        first=detail[0],
                        last=detail[1],
                        id=log_id,
                    )
                )
            elif kind == "missing_end":
                problems.append(
                    self.env._(
                        "ledger entries %(first)s to %(last)s, the last ones, are missing (deleted)",
                        first=detail[0],
                        last=detail[1],
                    )
                )
            elif kind == "inserted":
                problems.append(self.env._("log #%(id)s was inserted outside the ledger", id=log_id))
            elif kind == "moved":
                problems.append(
                    self.env._(
                        "log #%(id)s (ledger entry %(entry)s) does not follow the entry before it: it was moved "
                        "or inserted, or the previous one was altered",
                        id=log_id,
                        entry=detail,
                    )
                )
            elif kind == "pending":
                problems.append(
                    self.env._(
                        "log #%(id)s is not in the ledger: it was inserted, or recorded a moment ago "
                        "(verify again in a minute)",
                        id=log_id,
                    )
                )
            elif log_id not in tampered.ids:
                problems.append(
                    self.env._(
                        "the ledger digest of log #%(id)s (ledger entry %(entry)s) was rewritten",
                        id=log_id,
                        entry=detail,
                    )
                )
        if problems:
            message = self.env._(
                "The evidence does not match what was recorded: %(problems)s. Tell a Collection Manager: "
                "the dossier of this customer cannot be relied on until this is explained.",
                problems="; ".join(problems),
            )
        else:
            message = self.env._(
                "All %(count)s contact log(s) match their digest, and the evidence ledger of %(company)s is "
                "complete (%(entries)s entries).",
                count=len(self.contact_ids.filtered("evidence_hash")),
                company=self.company_id.name,
                entries=contacts.env["credit.recovery.evidence.chain"]._get_heads(self.company_id)[self.company_id.id][
                    0
                ],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "danger" if problems else "success", "sticky": bool(problems)},
        }

    def action_generate_dossier(self, invoices=None):
        """Render the evidence dossier, keep it as a new version on the collection record, log it."""
        self.ensure_one()
        attachment = self._generate_dossier(invoices)
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def _generate_dossier(self, invoices=None):
        """The dossier is attached to and logged on this record, never on the shared customer:
        attachments follow the access of their record, so only this company's Collection groups
        read it (LGPD)."""
        self.ensure_one()
        self.check_access("read")
        partner = self.partner_id
        report = self.env.ref("account_credit_recovery.action_report_dossier").sudo()
        data = {"invoice_ids": invoices.ids} if invoices else None
        self.env["credit.recovery.contact"].sudo()._chain(self.company_id)  # the head printed is the latest
        dossier = self.env["report.account_credit_recovery.report_dossier"]._get_dossier(self, invoices)
        # Handed to the PDF stamp on the transaction (server side), never by the context a caller sets.
        digests = self.env.cr.precommit.data.setdefault(DOSSIER_DIGEST_MARK, {})
        digests[self.id] = dossier["digest"]
        try:
            pdf, _report_type = report._render_qweb_pdf(report.report_name, self.ids, data=data)
        finally:
            digests.pop(self.id, None)
        Attachment = self.env["ir.attachment"].sudo()
        previous = Attachment.search_count(
            [("res_model", "=", self._name), ("res_id", "=", self.id), ("description", "=like", "dossier:%")]
        )
        version = previous + 1
        today = fields.Date.to_string(fields.Date.context_today(self))
        attachment = Attachment.create(
            {
                "name": self.env._(
                    "Dossier %(partner)s v%(version)s %(date)s.pdf",
                    partner=partner.name,
                    version=version,
                    date=today,
                ),
                "res_model": self._name,
                "res_id": self.id,
                "raw": pdf,
                "mimetype": "application/pdf",
                "description": f"dossier:{dossier['digest']}",
            }
        )
        self.sudo().message_post(
            body=self.env._(
                "Evidence dossier v%(version)s generated for %(company)s. Dossier digest (SHA-256): %(digest)s",
                version=version,
                company=self.company_id.name,
                digest=dossier["digest"],
            ),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        return attachment.with_env(self.env)

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

    def _get_overdue_episodes(self):
        """``{debtor_id: n}``: invoices with an installment due in the last 12 months that was
        paid after its due date or is still unpaid past it (one query)."""
        if not self._origin.ids:
            return {}
        self.env["account.move.line"].flush_model(["amount_residual", "reconciled", "date_maturity", "move_id"])
        self.env["account.move"].flush_model(["recovery_debtor_id"])
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT move.recovery_debtor_id, COUNT(DISTINCT move.id)
                  FROM account_move_line line
                  JOIN account_move move ON move.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                 WHERE move.recovery_debtor_id IN %(debtors)s
                   AND account.account_type = 'asset_receivable'
                   AND line.debit > 0
                   AND line.date_maturity >= %(since)s
                   AND line.date_maturity < %(today)s
                   AND (
                        (NOT line.reconciled AND line.amount_residual > 0)
                        OR EXISTS (
                            SELECT 1 FROM account_partial_reconcile partial
                             WHERE partial.debit_move_id = line.id AND partial.max_date > line.date_maturity
                        )
                   )
                 GROUP BY move.recovery_debtor_id
                """,
                debtors=tuple(self._origin.ids),
                since=today - timedelta(days=HISTORY_DAYS),
                today=today,
            )
        )
        return dict(rows)

    def _recovery_refresh_aggregates(self, run=None):
        """Set-based twin of the debtor's stored computes, for the daily refresh.

        One query reads the aggregates of the debtors' invoices (their stored collection
        state), one more their recurrence (:meth:`_get_overdue_episodes`); credit status
        and profile follow from the same rules as the computes (``select_profile``); one
        UPDATE writes the rows that changed. Thousands of debtors go through neither the
        ORM's recompute nor the chatter's tracking (the run records what changed).
        """
        if not self:
            return
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
                WITH aggregate AS (
                    SELECT m.recovery_debtor_id AS id,
                           SUM(s.amount_overdue) FILTER (WHERE s.amount_overdue > 0) AS amount,
                           MAX(s.days_overdue) FILTER (WHERE s.amount_overdue > 0) AS days,
                           COUNT(*) FILTER (WHERE s.amount_overdue > 0) AS count,
                           (array_agg(s.stage_id ORDER BY st.sequence DESC, st.trigger_days DESC, st.id DESC)
                                FILTER (WHERE s.stage_id IS NOT NULL))[1] AS stage,
                           MIN(s.next_action_date) FILTER (WHERE s.stage_id IS NOT NULL) AS next_date
                      FROM unnest(%(ids)s::int[]) AS batch(id)
                      JOIN account_move m ON m.recovery_debtor_id = batch.id
                      JOIN credit_recovery_invoice s ON s.id = m.recovery_invoice_id
                      LEFT JOIN credit_recovery_stage st ON st.id = s.stage_id
                     GROUP BY m.recovery_debtor_id
                )
                SELECT d.id, d.company_id, COALESCE(a.amount, 0), COALESCE(a.days, 0), COALESCE(a.count, 0), a.stage,
                       LEAST(a.next_date, d.callback_date), COALESCE(d.broken_commitments, 0), d.profile_override_id
                  FROM unnest(%(ids)s::int[]) AS batch(id)
                  JOIN credit_recovery_debtor d ON d.id = batch.id
                  LEFT JOIN aggregate a ON a.id = d.id
                """,
                ids=self.ids,
            )
        )
        episodes = self._get_overdue_episodes()
        profiles = self.env["credit.recovery.profile"].sudo().search([("active", "=", True)])
        rules_by_company = {}
        values = defaultdict(list)
        for debtor_id, company_id, amount, days, count, stage, next_date, broken, override in rows:
            if company_id not in rules_by_company:
                rules_by_company[company_id] = profiles.filtered(
                    lambda p, company_id=company_id: p.company_id.id in (False, company_id)
                )._get_profile_rules()
            recurrence = episodes.get(debtor_id, 0)
            computed = select_profile(rules_by_company[company_id], recurrence, broken)
            for key, value in (
                ("id", debtor_id),
                ("amount", amount),
                ("days", days),
                ("count", count),
                ("stage", stage),
                ("next", next_date),
                ("episodes", recurrence),
                ("status", "restricted" if amount > 0 else ("restored" if recurrence else "normal")),
                ("computed", computed),
                ("profile", override or computed),
            ):
                values[key].append(value)
        self.env.cr.execute(
            SQL(
                """
                UPDATE credit_recovery_debtor d
                   SET amount_overdue = v.amount, days_overdue = v.days, overdue_invoice_count = v.count,
                       stage_id = v.stage, next_action_date = v.next, overdue_episodes = v.episodes,
                       credit_status = v.status, profile_computed_id = v.computed, profile_id = v.profile,
                       planned_run_id = COALESCE(%(run)s, d.planned_run_id)
                  FROM (SELECT unnest(%(id)s::int[]) AS id, unnest(%(amount)s::numeric[]) AS amount,
                               unnest(%(days)s::int[]) AS days, unnest(%(count)s::int[]) AS count,
                               unnest(%(stage)s::int[]) AS stage, unnest(%(next)s::date[]) AS next,
                               unnest(%(episodes)s::int[]) AS episodes, unnest(%(status)s::varchar[]) AS status,
                               unnest(%(computed)s::int[]) AS computed, unnest(%(profile)s::int[]) AS profile) v
                 WHERE d.id = v.id
                   AND (d.planned_run_id, d.amount_overdue, d.days_overdue, d.overdue_invoice_count, d.stage_id,
                        d.next_action_date, d.overdue_episodes, d.credit_status, d.profile_computed_id, d.profile_id)
                       IS DISTINCT FROM (COALESCE(%(run)s, d.planned_run_id), v.amount, v.days, v.count, v.stage,
                                         v.next, v.episodes, v.status, v.computed, v.profile)
                """,
                run=run.id if run else None,
                **values,
            )
        )
        self.invalidate_recordset(
            [
                "planned_run_id",
                "amount_overdue",
                "days_overdue",
                "overdue_invoice_count",
                "stage_id",
                "next_action_date",
                "overdue_episodes",
                "credit_status",
                "profile_computed_id",
                "profile_id",
            ]
        )

    def _get_collection_responsible(self):
        """Who gets the debtor's collection activities: its responsible, else the salesperson, else the admin."""
        self.ensure_one()
        return self.user_id or self.partner_id.user_id or self.env["res.users"].browse(self._default_responsible_id())

    @api.model
    @tools.ormcache()
    def _default_responsible_id(self):
        """The administrator, looked up once: a delivery batch asks for hundreds of debtors."""
        return self.env.ref("base.user_admin").id

    def _bureau_start_removal(self, today=None):
        """Listed debtors paid in full: the removal must be requested within 5 business days
        (STJ Súmula 548). An activity is due on the deadline; past it the debtor shows a warning."""
        today = today or fields.Date.context_today(self)
        policies = self.env["credit.recovery.policy"]._get_company_policies(self.company_id)
        for debtor in self.filtered(lambda debtor: debtor.bureau_state == "listed"):
            policy = policies.get(debtor.company_id.id)
            calendar = policy._get_business_calendar() if policy else BusinessCalendar()
            deadline = calendar.add_business_days(today, 5)
            debtor.sudo().write({"bureau_state": "removal_requested", "bureau_removal_deadline": deadline})
            debtor.activity_schedule(
                "account_credit_recovery.activity_type_bureau_removal",
                date_deadline=deadline,
                summary=self.env._("Request the removal from the credit bureau (STJ Súmula 548)"),
                user_id=debtor._get_collection_responsible().id,
            )

    @api.model
    def _recovery_refresh_history(self, companies=None, refreshed_today=False):
        """Daily: the 12-month window slides, so recompute recurrence (and hence profiles).

        ``refreshed_today``: the debtors with something overdue were just recomputed by the
        run's refresh; only the others (paid, but late in the last 12 months) are left.
        """
        company_domain = [("company_id", "in", companies.ids)] if companies is not None else []
        broken = self.search([*company_domain, ("broken_commitments", ">", 0)])
        self.env.add_to_compute(self._fields["broken_commitments"], broken)
        broken.modified(["broken_commitments"])
        self.env.flush_all()
        domain = ["|", "|", ("overdue_episodes", ">", 0), ("amount_overdue", ">", 0), ("broken_commitments", ">", 0)]
        if refreshed_today:
            domain = ["&", ("amount_overdue", "=", 0), *domain]
        debtors = self.search([*company_domain, *domain], order="id")
        for start in range(0, len(debtors), 5000):
            debtors[start : start + 5000]._recovery_refresh_aggregates()
