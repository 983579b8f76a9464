"""The collection data the addon keeps on every customer, kept from collection agencies' users
(see ``credit_recovery_agency_access``)."""

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.fields import One2many
from odoo.models import regex_field_agg

# Computed from the partner's phone, mobile, e-mail and address, which every internal user reads:
# not collection data (the debtors' search filters use them).
PARTNER_CONTACT_QUALITY = frozenset(
    {
        "recovery_phone_e164",
        "recovery_phone_valid",
        "recovery_phone_type",
        "recovery_mobile_e164",
        "recovery_mobile_valid",
        "recovery_mobile_type",
        "recovery_best_phone",
        "recovery_best_phone_display",
        "recovery_invalid_phone",
        "recovery_no_valid_phone",
        "recovery_phone_problem",
        "recovery_has_mobile",
        "recovery_no_email",
        "recovery_no_address",
    }
)


def _order_fields(order):
    """The field names an ``ORDER BY`` clause of the ORM sorts on (``"a desc, b.c"``: ``a``, ``b``)."""
    if not order or not isinstance(order, str):
        return []
    return [part.split()[0].split(".")[0] for part in order.split(",") if part.strip()]


class CreditRecoveryAgencyFieldGuard(models.AbstractModel):
    """The customers' collection data kept from collection agencies' users: an agency user reads every
    customer's name and address as any internal user does (Odoo's *Internal User* reads all contacts),
    but none of the collection data the addon keeps on customers (``recovery_*``: opt-outs, bounces,
    wrong numbers, the collection record's figures): its debtors' are on their collection records.
    Refused where a caller asks for fields (read, search_read, domains, sort orders, groupings and
    their aliases, exports, writes); the server's own code (the contact rules read the opt-outs) is
    not a caller. Mixed into ``res.partner`` and ``res.users``, whose inherited partner fields never
    pass through the partner's checks."""

    _name = "credit.recovery.agency.field.guard"
    _description = "Collection Data Kept from Agencies"

    @api.model
    def _recovery_hidden_from_agencies(self, path):
        name = (path or "").split(".")[0]
        return name.startswith("recovery_") and name not in PARTNER_CONTACT_QUALITY

    @api.model
    def _recovery_check_agency_fields(self, names):
        if self.env.su or not self.env.user._recovery_is_agency_user():
            return
        hidden = sorted({name.split(".")[0] for name in names if self._recovery_hidden_from_agencies(name)})
        if hidden:
            raise AccessError(
                self.env._(
                    "The collection data of customers is not shared with collection agencies: %(fields)s.",
                    fields=", ".join(hidden),
                )
            )

    @api.model
    def _recovery_visible_fields(self, fields_list):
        """``fields_list``, or when the caller asks for every field, those an agency user may read."""
        if fields_list or self.env.su or not self.env.user._recovery_is_agency_user():
            return fields_list
        return [
            name
            for name in self.check_field_access_rights("read", None)
            if not self._recovery_hidden_from_agencies(name)
        ]

    def read(self, fields=None, load="_classic_read"):
        return super().read(self._recovery_visible_fields(fields), load=load)

    @api.model
    def search_read(self, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs):
        return super().search_read(
            domain, self._recovery_visible_fields(fields), offset=offset, limit=limit, order=order, **read_kwargs
        )

    def _read_format(self, fnames, load="_classic_read"):
        self._recovery_check_agency_fields(fnames)
        return super()._read_format(fnames, load=load)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            self._recovery_check_agency_fields(
                [leaf[0] for leaf in domain or () if isinstance(leaf, (list, tuple)) and isinstance(leaf[0], str)]
                + _order_fields(order)
            )
        return super()._search(domain, offset=offset, limit=limit, order=order)

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):  # noqa: PLR0917 - Odoo's signature
        groupby = [groupby] if isinstance(groupby, str) else groupby or []
        # ``alias:agg(field)`` aggregates ``field``: check that one, not the alias the caller chose.
        specs = [regex_field_agg.match(spec.strip()) for spec in [*(fields or []), *groupby]]
        names = [match.group(3) or match.group(1) for match in specs if match]
        self._recovery_check_agency_fields(names + _order_fields(orderby))
        return super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)

    def export_data(self, fields_to_export):
        self._recovery_check_agency_fields([path.replace("/", ".") for path in fields_to_export])
        return super().export_data(fields_to_export)

    def write(self, vals):
        self._recovery_check_agency_fields(list(vals))
        return super().write(vals)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "credit.recovery.agency.field.guard"]

    # The agencies a partner is (what the agency group's rule on contacts reads).
    recovery_agency_ids = One2many("credit.recovery.agency", "partner_id", string="Collection Agencies")


class ResUsers(models.Model):
    _name = "res.users"
    _inherit = ["res.users", "credit.recovery.agency.field.guard"]


class MailTrackingValue(models.Model):
    """The chatter of a customer shows the changes of its tracked fields: those of the collection
    data (opt-outs, do not contact) are hidden from agency users as the fields are."""

    _inherit = "mail.tracking.value"

    def _filter_has_field_access(self, env):
        allowed = super()._filter_has_field_access(env)
        if env.su or not env.user._recovery_is_agency_user():
            return allowed
        Partner = env["res.partner"]
        return allowed.filtered(
            lambda tracking: (
                tracking.field_id.model not in ("res.partner", "res.users")
                or not Partner._recovery_hidden_from_agencies(tracking.field_id.name)
            )
        )
