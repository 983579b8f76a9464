"""The agency's commission bill: once a month (cron on the 1st) or on the manager's demand, the
commission lines not billed yet become ONE draft vendor bill per agency, itemised per debtor and
payment, for the accountant to check and post. Reversals are negative lines of the next bill; when
they outweigh the new commission the bill is a vendor refund (``in_refund``) of the net amount.
Running it again creates nothing: a billed line is never billed twice (a deleted draft bill gives
its lines back to the next one)."""

from collections import defaultdict
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import commission as pure

MANAGER_GROUP = "account_credit_recovery.group_credit_recovery_manager"
BILL_BATCH = 20


class CreditRecoveryAgency(models.Model):
    _inherit = "credit.recovery.agency"

    commission_account_id = fields.Many2one(
        "account.account",
        string="Commission Expense Account",
        check_company=True,
        default=lambda self: self._default_commission_account(),
        domain=[("account_type", "in", ("expense", "expense_direct_cost"))],
        help="The expense account of the commission bills' lines. Default: the expense account of the "
        "company's purchase journal.",
    )
    commission_prepared_on = fields.Date(
        string="Commission Bills Prepared On", readonly=True, copy=False, help="The last day its commission was billed."
    )
    commission_ids = fields.One2many("credit.recovery.agency.commission", "agency_id", string="Commission Lines")
    commission_to_bill = fields.Monetary(compute="_compute_commission_to_bill", currency_field="currency_id")

    def _compute_commission_to_bill(self):
        totals = dict(
            self.env["credit.recovery.agency.commission"]
            .sudo()
            ._read_group([("agency_id", "in", self.ids), ("state", "=", "to_bill")], ["agency_id"], ["amount:sum"])
        )
        for agency in self:
            agency.commission_to_bill = totals.get(agency, 0.0)

    @api.model
    def _default_commission_account(self):
        return self._purchase_journal(self.env.company).default_account_id

    def action_prepare_commission_bills(self):
        """The button *Prepare commission bills*: count the new payments, then bill what is due."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a Collection Manager prepares the agencies' commission bills."))
        agencies = self._lock_for_billing()
        if agencies != self:
            raise UserError(self.env._("These commission bills are being prepared right now: try again in a minute."))
        bills = agencies._recovery_prepare_commission_bills(fields.Date.context_today(self))
        if not bills:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "message": self.env._("No commission to bill: every payment counted is billed already."),
                },
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Commission Bills"),
            "res_model": "account.move",
            "views": [[False, "list"], [False, "form"]],
            "domain": [("id", "in", bills.ids)],
            "target": "current",
        }

    def action_open_commission(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_credit_recovery.action_credit_recovery_agency_commission"
        )
        action["domain"] = [("agency_id", "=", self.id)]
        return action

    @api.model
    def _cron_prepare_commission_bills(self, limit=BILL_BATCH):
        """Monthly (the 1st): the bills of the agencies not billed yet this month, by batches of
        agencies locked with SKIP LOCKED (an agency another transaction holds is taken next time)."""
        today = fields.Date.context_today(self)
        domain = [
            "|",
            ("commission_prepared_on", "=", False),
            ("commission_prepared_on", "<", today.replace(day=1)),
        ]
        self.env.flush_all()
        query = self._search(domain, order="id", limit=limit)
        rows = self.env.execute_query(SQL("%s FOR UPDATE SKIP LOCKED", query.select()))
        agencies = self.browse(row[0] for row in rows)
        agencies._recovery_prepare_commission_bills(today)
        remaining = self.search_count(domain) if len(agencies) == limit else 0
        self.env["ir.cron"]._notify_progress(done=len(agencies), remaining=remaining)

    def _lock_for_billing(self):
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL("SELECT id FROM credit_recovery_agency WHERE id IN %s FOR UPDATE SKIP LOCKED", tuple(self.ids))
        )
        return self.browse(sorted(row[0] for row in rows))

    def _recovery_prepare_commission_bills(self, today):
        """Count the new payments and bill the lines due of these (locked) agencies: one draft
        bill (or refund) per agency with something to bill. Returns the bills. The callers checked
        who asks; the accounting is the system's."""
        Commission = self.env["credit.recovery.agency.commission"].sudo()
        Commission._recovery_compute(self, today)
        Commission.search(
            [("agency_id", "in", self.ids), ("state", "=", "billed"), ("bill_line_id", "=", False)]
        ).write({"state": "to_bill"})
        lines = Commission.search(
            [("agency_id", "in", self.ids), ("state", "=", "to_bill"), ("payment_date", "<=", today)],
            order="agency_id, payment_date, id",
        )
        by_agency = defaultdict(lambda: Commission)
        for line in lines:
            by_agency[line.agency_id] |= line
        vals_list, billed = [], []
        for agency, agency_lines in by_agency.items():
            vals_list.append(agency.sudo()._commission_bill_vals(agency_lines, today))
            billed.append(agency_lines)
        bills = self.env["account.move"].sudo().with_context(default_move_type="in_invoice").create(vals_list)
        pairs = []
        for bill, agency_lines in zip(bills, billed, strict=True):
            pairs += zip(agency_lines.ids, bill.invoice_line_ids.sorted("id").ids, strict=True)
        if pairs:
            self.env.execute_query(
                SQL(
                    """UPDATE credit_recovery_agency_commission line SET bill_line_id = billed.bill_line,
                              state = 'billed', write_date = NOW() AT TIME ZONE 'UTC', write_uid = %s
                         FROM (VALUES %s) AS billed (id, bill_line) WHERE line.id = billed.id""",
                    self.env.uid,
                    SQL(", ").join(SQL("(%s, %s)", line_id, bill_line_id) for line_id, bill_line_id in pairs),
                )
            )
            Commission.invalidate_model(["bill_line_id", "state"])
        self.sudo().write({"commission_prepared_on": today})
        for bill, agency_lines in zip(bills, billed, strict=True):
            agency_lines.agency_id.message_post(
                body=self.env._(
                    "Commission bill prepared (draft, for the accountant to post): %(amount)s, %(count)s line(s).",
                    amount=bill.currency_id.format(bill.amount_total_signed * -1),
                    count=len(agency_lines),
                )
            )
        return bills

    def _commission_bill_vals(self, lines, today):
        """Values of the agency's bill of ``lines``: one line each, ``<debtor> — <invoice> — paid
        <date>`` (in the agency's language), quantity 1, price the commission; a refund, lines with
        the sign turned, when the net is negative."""
        self.ensure_one()
        move_type, _total = pure.bill_kind(Decimal(str(line.amount)) for line in lines)
        sign = -1 if move_type == "in_refund" else 1
        journal = self._purchase_journal(self.company_id)
        account = self.commission_account_id or journal.default_account_id
        if not journal or not account:
            raise UserError(
                self.env._(
                    "Set the commission expense account of the agency %(agency)s (and the company needs a purchase "
                    "journal).",
                    agency=self.name,
                )
            )
        lang = self.partner_id.lang or self.env.lang
        return {
            "move_type": move_type,
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "invoice_date": today,
            "ref": self.with_context(lang=lang).env._("Collection commission %(agency)s", agency=self.name),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": line._bill_label(lang=lang),
                        "quantity": 1,
                        "price_unit": sign * line.amount,
                        "account_id": account.id,
                        "tax_ids": [Command.clear()],
                    }
                )
                for line in lines
            ],
        }

    @api.model
    def _purchase_journal(self, company):
        journal = (
            self.env["account.journal"]
            .sudo()
            .search([("type", "=", "purchase"), *self.env["account.journal"]._check_company_domain(company)], limit=1)
        )
        return journal
