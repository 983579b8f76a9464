from babel import Locale
from babel.dates import get_timezone_name

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.phone import (
    LANDLINE,
    LETTERS,
    MOBILE,
    UNKNOWN,
    best_phone,
    display_phone,
    example_phone,
    has_letters,
    normalize_phone,
)
from ..tools.timezone import FALLBACK_TZ, contact_timezone
from .common import CREDIT_STATUSES

PHONE_TYPES = [(MOBILE, "Mobile"), (LANDLINE, "Landline"), (UNKNOWN, "Unknown")]


class ResPartner(models.Model):
    _inherit = "res.partner"

    recovery_debtor_ids = fields.One2many("credit.recovery.debtor", "partner_id", string="Collection Records")
    recovery_debtor_id = fields.Many2one(
        "credit.recovery.debtor",
        string="Collection Record",
        compute="_compute_recovery_debtor_id",
        search="_search_recovery_debtor_id",
        help="Collection record of the customer's commercial entity in the current company.",
    )
    recovery_stage_id = fields.Many2one(
        "credit.recovery.stage", string="Collection Stage", compute="_compute_recovery_debtor_id"
    )
    recovery_currency_id = fields.Many2one(
        "res.currency", string="Collection Currency", compute="_compute_recovery_debtor_id"
    )
    recovery_amount_overdue = fields.Monetary(
        string="Overdue Total", currency_field="recovery_currency_id", compute="_compute_recovery_debtor_id"
    )
    recovery_days_overdue = fields.Integer(string="Oldest Days Overdue", compute="_compute_recovery_debtor_id")
    recovery_overdue_invoice_count = fields.Integer(string="Overdue Invoices", compute="_compute_recovery_debtor_id")
    recovery_next_action_date = fields.Date(string="Next Action", compute="_compute_recovery_debtor_id")
    recovery_profile_id = fields.Many2one(
        "credit.recovery.profile", string="Debtor Profile", compute="_compute_recovery_debtor_id"
    )
    recovery_overdue_episodes = fields.Integer(string="Recurrence", compute="_compute_recovery_debtor_id")
    recovery_user_id = fields.Many2one(
        "res.users", string="Collection Responsible", compute="_compute_recovery_debtor_id"
    )
    recovery_credit_status = fields.Selection(
        CREDIT_STATUSES, string="Credit Status", compute="_compute_recovery_debtor_id"
    )

    recovery_contact_ids = fields.One2many("credit.recovery.contact", "partner_id", string="Contact Logs")
    recovery_do_not_contact = fields.Boolean(
        string="Do Not Contact (Collection)",
        tracking=True,
        help="The debtor asked not to be contacted about debts: no outbound collection contact on any "
        "channel. Separate from marketing opt-outs.",
    )
    recovery_optout_phone = fields.Boolean(string="No Collection Calls", tracking=True)
    recovery_optout_whatsapp = fields.Boolean(string="No Collection WhatsApp", tracking=True)
    recovery_optout_sms = fields.Boolean(string="No Collection SMS", tracking=True)
    recovery_optout_email = fields.Boolean(string="No Collection Emails", tracking=True)
    recovery_phone_e164 = fields.Char(string="Phone (E.164)", compute="_compute_recovery_phones", store=True)
    recovery_phone_valid = fields.Boolean(string="Valid Phone", compute="_compute_recovery_phones", store=True)
    recovery_phone_type = fields.Selection(
        PHONE_TYPES, string="Phone Type", compute="_compute_recovery_phones", store=True
    )
    recovery_mobile_e164 = fields.Char(string="Mobile (E.164)", compute="_compute_recovery_phones", store=True)
    recovery_mobile_valid = fields.Boolean(string="Valid Mobile", compute="_compute_recovery_phones", store=True)
    recovery_mobile_type = fields.Selection(
        PHONE_TYPES, string="Mobile Type", compute="_compute_recovery_phones", store=True
    )
    recovery_best_phone = fields.Char(
        string="Number to Call",
        compute="_compute_recovery_phones",
        store=True,
        help="A valid mobile first, else any valid number, in E.164 form.",
    )
    recovery_best_phone_display = fields.Char(
        string="Phone to Call",
        compute="_compute_recovery_phones",
        store=True,
        help="The number to call as people write it: national form for numbers of the company's country.",
    )
    recovery_wrong_number = fields.Char(
        string="Wrong Number",
        readonly=True,
        copy=False,
        help="Set when an agent logs the outcome Wrong number on this number (E.164); cleared when the phone "
        "numbers change.",
    )
    recovery_invalid_phone = fields.Boolean(
        string="Invalid Phone Number",
        compute="_compute_recovery_phones",
        store=True,
        help="A phone or mobile is filled in but is not a valid number.",
    )
    recovery_no_valid_phone = fields.Boolean(string="No Valid Phone", compute="_compute_recovery_phones", store=True)
    recovery_phone_problem = fields.Text(
        string="Phone Number Problem",
        compute="_compute_recovery_phone_problem",
        help="What is wrong with the phone or mobile filled in, and how to type it.",
    )
    recovery_has_mobile = fields.Boolean(
        string="Valid Mobile for WhatsApp and SMS",
        compute="_compute_recovery_has_mobile",
        help="WhatsApp and collection SMS need a valid mobile number.",
    )
    recovery_no_email = fields.Boolean(string="No Email", compute="_compute_recovery_data_quality", store=True)
    recovery_email_bounced = fields.Boolean(
        string="Collection E-mail Bounced",
        copy=False,
        tracking=True,
        help="An automatic collection e-mail to this address bounced: no more are sent until the address changes.",
    )
    recovery_sms_failed = fields.Boolean(
        string="Collection SMS Failed",
        copy=False,
        tracking=True,
        help="An automatic collection SMS to this number failed: no more are sent until the number changes.",
    )
    recovery_no_address = fields.Boolean(string="No Address", compute="_compute_recovery_data_quality", store=True)

    @api.depends_context("company")
    def _compute_recovery_debtor_id(self):
        commercial = self.commercial_partner_id
        debtors = self.env["credit.recovery.debtor"].search(
            [("partner_id", "in", commercial.ids), ("company_id", "=", self.env.company.id)]
        )
        by_partner = {debtor.partner_id.id: debtor for debtor in debtors}
        empty = self.env["credit.recovery.debtor"]
        for partner in self:
            debtor = by_partner.get(partner.commercial_partner_id.id, empty)
            partner.recovery_debtor_id = debtor
            partner.recovery_stage_id = debtor.stage_id
            partner.recovery_currency_id = debtor.currency_id or self.env.company.currency_id
            partner.recovery_amount_overdue = debtor.amount_overdue
            partner.recovery_days_overdue = debtor.days_overdue
            partner.recovery_overdue_invoice_count = debtor.overdue_invoice_count
            partner.recovery_next_action_date = debtor.next_action_date
            partner.recovery_profile_id = debtor.profile_id
            partner.recovery_overdue_episodes = debtor.overdue_episodes
            partner.recovery_user_id = debtor.user_id
            partner.recovery_credit_status = debtor.credit_status

    def _search_recovery_debtor_id(self, operator, value):
        """Partners sharing the commercial entity of the given collection records."""
        return [("commercial_partner_id.recovery_debtor_ids", operator, value)]

    @api.depends("phone", "mobile", "country_id", "company_id.country_id")
    def _compute_recovery_phones(self):
        default_country = self.env.company.country_id.code
        for partner in self:
            country = partner._recovery_phone_country()
            phone = normalize_phone(partner.phone, country)
            mobile = normalize_phone(partner.mobile, country)
            best = best_phone(mobile, phone)
            partner.recovery_phone_e164 = phone.e164
            partner.recovery_phone_valid = phone.valid
            partner.recovery_phone_type = phone.kind if phone.valid else False
            partner.recovery_mobile_e164 = mobile.e164
            partner.recovery_mobile_valid = mobile.valid
            partner.recovery_mobile_type = mobile.kind if mobile.valid else False
            partner.recovery_best_phone = best.e164 if best else False
            partner.recovery_best_phone_display = display_phone(best.e164, default_country) if best else False
            partner.recovery_invalid_phone = any(info.raw and not info.valid for info in (phone, mobile))
            partner.recovery_no_valid_phone = not best

    @api.depends("phone", "mobile", "country_id", "company_id.country_id")
    def _compute_recovery_phone_problem(self):
        for partner in self:
            country = partner._recovery_phone_country()
            problems = []
            for fname in ("phone", "mobile"):
                info = normalize_phone(partner[fname], country)
                if info.problem:
                    label = self._fields[fname]._description_string(self.env)
                    problems.append(f"{label}: {self._recovery_phone_error(info, country)}")
            partner.recovery_phone_problem = "\n".join(problems) or False

    @api.depends("recovery_mobile_valid", "recovery_mobile_type", "recovery_phone_valid", "recovery_phone_type")
    def _compute_recovery_has_mobile(self):
        for partner in self:
            partner.recovery_has_mobile = bool(partner._recovery_whatsapp_number())

    @api.depends("email", "street", "city", "zip")
    def _compute_recovery_data_quality(self):
        for partner in self:
            partner.recovery_no_email = not (partner.email or "").strip()
            partner.recovery_no_address = not (partner.street and partner.city)

    @api.onchange("phone", "country_id", "company_id")
    def _onchange_phone_validation(self):
        """Odoo formats the number typed (``phone_validation``); one with letters is kept as typed
        (see ``_phone_format_number``), and the user is told why and what to type."""
        super()._onchange_phone_validation()
        return self._recovery_letters_warning(self.phone)

    @api.onchange("mobile", "country_id", "company_id")
    def _onchange_mobile_validation(self):
        super()._onchange_mobile_validation()
        return self._recovery_letters_warning(self.mobile)

    def write(self, vals):
        # A new address or number deserves a new try.
        if "email" in vals and "recovery_email_bounced" not in vals:
            vals = dict(vals, recovery_email_bounced=False)
        if {"mobile", "phone"} & set(vals) and "recovery_sms_failed" not in vals:
            vals = dict(vals, recovery_sms_failed=False)
        if {"mobile", "phone"} & set(vals) and "recovery_wrong_number" not in vals:
            vals = dict(vals, recovery_wrong_number=False)
        return super().write(vals)

    def _phone_format_number(self, number, country, force_format="E164", raise_exception=False):
        """A number with letters is not formatted: ``phonenumbers`` would read the letters as
        keypad digits and make it somebody else's number ("11 9ABC-DEFG" becoming
        +55 11 99222-3334), in the form as the user types and in every SMS Odoo sends."""
        if has_letters(number):
            if raise_exception:
                raise UserError(self._recovery_phone_error(normalize_phone(number), country.code))
            return False
        return super()._phone_format_number(number, country, force_format=force_format, raise_exception=raise_exception)

    def _recovery_phone_country(self):
        """The country a number without ``+`` is read in: the customer's, else its company's or the user's."""
        self.ensure_one()
        return self.country_id.code or self.company_id.country_id.code or self.env.company.country_id.code

    @api.model
    def _recovery_phone_error(self, info, country_code):
        """What is wrong with the number of ``info`` (a :class:`~..tools.phone.PhoneInfo` that is not
        valid) and how to type it, for the person typing it."""
        if info.problem == LETTERS:
            problem = self.env._("“%(number)s” has letters, and a phone number has digits only.", number=info.raw)
        else:
            problem = self.env._("“%(number)s” is not a valid phone number.", number=info.raw)
        example = example_phone(country_code)
        if example:
            hint = self.env._("Type the area code and the number, digits only, e.g. %(example)s.", example=example)
        else:
            hint = self.env._("Type it with + and the country code, digits only.")
        return f"{problem} {hint}"

    def _recovery_letters_warning(self, number):
        """The onchange warning for a number typed with letters, else nothing."""
        if not has_letters(number):
            return None
        country = self._recovery_phone_country()
        return {
            "warning": {
                "title": self.env._("Phone number with letters"),
                "message": self.env._(
                    "%(error)s It is kept as you typed it, and collection neither calls nor messages it "
                    "until it is fixed.",
                    error=self._recovery_phone_error(normalize_phone(number, country), country),
                ),
            }
        }

    def _recovery_channel_opted_out(self, channel):
        self.ensure_one()
        field = f"recovery_optout_{channel}"
        return bool(field in self._fields and self[field])

    @api.model
    def _recovery_tz_label(self, tz):
        """A time zone as people name it in the user's language ("Horário de Brasília"), not ``America/Sao_Paulo``."""
        lang = self.env.lang or self.env.user.lang or "en_US"
        try:
            return get_timezone_name(tz or FALLBACK_TZ, locale=Locale.parse(lang))
        except (LookupError, ValueError):
            return tz or FALLBACK_TZ

    def _recovery_tz(self):
        """The time zone the contact rules apply in (``tools.timezone.contact_timezone``)."""
        self.ensure_one()
        return contact_timezone(self.tz, self.env.company.partner_id.tz, self.env.user.tz)

    @api.model
    def _recovery_tz_sql(self, partner_tz, company_tz):
        """SQL twin of ``contact_timezone`` for set-based queries: the columns ``partner_tz`` (the
        debtor's) and ``company_tz`` (its company partner's), else UTC (no user in a batch)."""
        return SQL("COALESCE(%s, %s, %s)", partner_tz, company_tz, FALLBACK_TZ)

    @api.model
    def _recovery_contactable_sql(self, partner):
        """SQL condition: the partner (table alias ``partner``) has a valid MOBILE (in either number
        field, as ``_recovery_whatsapp_number`` reads them; a landline is no mobile) and an e-mail.
        The one definition of "contactable": the dashboard's contactability and the payment score."""
        return SQL(
            """(((%(p)s.recovery_mobile_valid AND %(p)s.recovery_mobile_type = 'mobile')
                 OR (%(p)s.recovery_phone_valid AND %(p)s.recovery_phone_type = 'mobile'))
                AND COALESCE(%(p)s.email, '') LIKE %(at)s)""",
            p=SQL.identifier(partner),
            at="%@%",
        )

    def _recovery_sms_number(self):
        """The E.164 number collection SMS go to (a valid mobile), or ``False``."""
        self.ensure_one()
        digits = self._recovery_whatsapp_number()
        return f"+{digits}" if digits else False

    def _recovery_whatsapp_number(self):
        """E.164 digits of a valid mobile (mobile field first), or ``False``."""
        self.ensure_one()
        for e164, valid, kind in (
            (self.recovery_mobile_e164, self.recovery_mobile_valid, self.recovery_mobile_type),
            (self.recovery_phone_e164, self.recovery_phone_valid, self.recovery_phone_type),
        ):
            if valid and kind == "mobile":
                return e164.lstrip("+")
        return False

    def action_recovery_log_contact(self):
        return self.env["credit.recovery.contact"]._action_log_contact(self.commercial_partner_id)

    def action_recovery_dossier(self):
        self.ensure_one()
        if not self.recovery_debtor_id:
            raise UserError(self.env._("%(partner)s has no collection record in this company.", partner=self.name))
        return self.recovery_debtor_id.action_generate_dossier()

    def action_recovery_open_debtor(self):
        """Open (creating it if needed) the collection record in the current company."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        debtor_ids = self.env["credit.recovery.debtor"].sudo()._get_or_create({(commercial.id, self.env.company.id)})
        return self.env["credit.recovery.debtor"].browse(debtor_ids.values()).get_formview_action()
