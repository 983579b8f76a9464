from datetime import timedelta
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.late_fees import late_charges_lines
from .common import AGREEMENT_WORKFLOW_FIELDS, DEBT_FIELDS, OPEN_STATES


class CreditRecoveryAgreement(models.Model):
    """What an agreement is on: the invoices it may cover and the debt the server computes from
    them (principal, fine and interest as of the negotiation date), never taken from the client."""

    _inherit = "credit.recovery.agreement"

    @api.model
    def _prepare_agreement_vals(self, invoices, on=None):
        """Values of a draft agreement on ``invoices``: the updated debt as of ``on``. Writes nothing
        on the agreement; creates the customer's debtor record if it has none yet."""
        on = on or fields.Date.context_today(self)
        partner = invoices.commercial_partner_id
        self._check_negotiable_invoices(invoices, partner)
        company = invoices.company_id
        policy = self.env["credit.recovery.policy"]._get_company_policies(company).get(company.id)
        principal = fine = interest = Decimal(0)
        for _line, charges in self._get_debt_lines(invoices, on, policy):
            principal += charges.principal
            fine += charges.fine
            interest += charges.interest
        debtor_ids = self.env["credit.recovery.debtor"].sudo()._get_or_create({(partner.id, company.id)})
        debtor = self.env["credit.recovery.debtor"].browse(debtor_ids.values())
        return {
            "partner_id": partner.id,
            "company_id": company.id,
            "debtor_id": debtor.id,
            "profile_id": debtor.profile_id.id,
            "invoice_ids": [Command.set(invoices.ids)],
            "negotiation_date": on,
            "principal": float(principal),
            "fine": float(fine),
            "interest": float(interest),
            "first_due": on + timedelta(days=min(30, debtor.profile_id.max_first_installment_days or 30)),
        }

    @api.model
    def _get_debt_lines(self, invoices, on, policy):
        """``[(receivable line, LateCharges)]`` of the open installments of ``invoices`` as of ``on``.

        The fine is allocated over the lines so that its total holds the cap (CDC art. 52 §1).
        """
        digits = invoices.company_id.currency_id.decimal_places
        open_lines = invoices.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled and line.amount_residual > 0
        ).sorted(lambda line: (line.date_maturity or on, line.id))
        charges = late_charges_lines(
            [(line.amount_residual, line.date_maturity or on) for line in open_lines],
            on,
            policy.fine_percent if policy else 0,
            policy.interest_percent_month if policy else 0,
            digits=digits,
        )
        return list(zip(open_lines, charges, strict=True))

    @api.model
    def _prepare_create_vals(self, vals):
        """``vals`` of a ``create`` checked and completed with the server's debt, profile and number."""
        invoices = self.new({"invoice_ids": vals.get("invoice_ids", [])}).invoice_ids._origin
        if not self.env.su:
            # The number is given at creation whatever is sent; a draft state is the default.
            refused = {
                name: vals[name]
                for name in (*AGREEMENT_WORKFLOW_FIELDS, "line_ids")
                if vals.get(name) and name != "name" and not (name == "state" and vals[name] == "draft")
            }
            if refused:
                self._check_client_vals(refused)
        server = self._prepare_agreement_vals(invoices)
        if not self.env.su:
            self._check_debt_vals(vals, server)
        self._check_no_open_agreement(invoices)
        company = self.env["res.company"].browse(server["company_id"])
        return {
            **vals,
            **{name: server[name] for name in DEBT_FIELDS},
            "invoice_ids": server["invoice_ids"],
            "first_due": vals.get("first_due") or server["first_due"],
            "name": self.env["ir.sequence"].with_company(company).next_by_code("credit.recovery.agreement"),
        }

    @api.model
    def _check_debt_vals(self, vals, server_vals):
        """Refuse client values of the debt or the profile that differ from the server's."""
        currency = self.env["res.company"].browse(server_vals["company_id"]).currency_id
        forged = []
        for name in DEBT_FIELDS:
            if name not in vals:
                continue
            field, given, expected = self._fields[name], vals[name], server_vals[name]
            if field.type == "many2one":
                same = (given or False) == (expected or False)
            elif field.type == "monetary":
                same = currency.compare_amounts(given or 0.0, expected or 0.0) == 0
            elif field.type == "date":
                same = fields.Date.to_date(given) == fields.Date.to_date(expected)
            else:
                same = given == expected
            if not same:
                forged.append(name)
        if forged:
            descriptions = self.fields_get(forged, ["string"])
            raise AccessError(
                self.env._(
                    "The debt and the profile of an agreement are computed from the invoices, not typed in "
                    "(%(fields)s): negotiate from the invoices.",
                    fields=", ".join(descriptions[name]["string"] for name in forged),
                )
            )

    @api.model
    def _check_negotiable_invoices(self, invoices, partner=None):
        """Refuse invoices that cannot be negotiated, saying which and why.

        On top of the invoices' own rules (one customer, company and currency; posted; something
        overdue): none already paid, none in a foreign currency (the agreement's entry is in the
        company's currency).
        """
        invoices._recovery_check_negotiable(partner)
        foreign = invoices.filtered(lambda move: move.currency_id != move.company_id.currency_id)
        if foreign:
            raise UserError(
                self.env._(
                    "Invoices in a foreign currency cannot be negotiated in an agreement (it is in %(currency)s): "
                    "%(moves)s. Collect them separately.",
                    currency=foreign.company_id.currency_id[:1].name,
                    moves=", ".join(foreign.mapped("display_name")),
                )
            )
        paid = invoices.filtered(
            lambda move: (
                move.payment_state in ("paid", "in_payment", "reversed")
                or move.company_currency_id.is_zero(move.amount_residual_signed)
            )
        )
        if paid:
            raise UserError(
                self.env._(
                    "These invoices are already paid: %(moves)s. Leave them out and negotiate the others.",
                    moves=", ".join(paid.mapped("display_name")),
                )
            )

    @api.model
    def _check_no_open_agreement(self, invoices, exclude=None):
        """One agreement at a time per invoice: refuse invoices already under an open agreement."""
        domain = [("invoice_ids", "in", invoices.ids), ("state", "in", OPEN_STATES)]
        if exclude:
            domain.append(("id", "not in", exclude.ids))
        others = self.sudo().search(domain)
        if others:
            raise UserError(
                self.env._(
                    "These invoices are already under agreement %(agreements)s: %(moves)s. Follow that agreement, "
                    "or ask a Collection Manager to cancel it before negotiating again.",
                    agreements=", ".join(others.mapped("name")),
                    moves=", ".join((others.invoice_ids & invoices).mapped("display_name")),
                )
            )
