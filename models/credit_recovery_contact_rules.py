from collections import defaultdict
from datetime import timedelta

from odoo import models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_datetime

from ..tools import contact_rules
from ..tools.contact_rules import ContactWindow, contact_moment, to_local, zone
from .common import TIMELESS_CHANNELS


class CreditRecoveryContact(models.Model):
    """The contact rules a log must respect when it is recorded: opt-outs, the policy's
    contact window and the caps per day and week (``tools/contact_rules.py`` decides)."""

    _inherit = "credit.recovery.contact"

    def _check_contact_rules(self, now):
        """Refuse outbound contacts that the debtor or the contact window does not allow;
        ``{contact: over the cap}`` for the others.

        Opt-outs are always honoured. The window is judged at the contact's date and, for a
        contact recorded as it happens, at the moment it is recorded (a late call logged as an
        earlier one is still a late call). The caps stop a contact from *starting* (a draft,
        awaiting its outcome: e.g. a WhatsApp chat opened now); one that took place is
        recorded, flagged over the cap. A Collection
        Manager may override the window and the caps with a justification, stored on the log.
        """
        outbound = self.filtered(lambda contact: contact.direction == "outbound" and not contact.correction_of_id)
        if not outbound:
            return {}
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for contact in outbound:
            partner = contact.partner_id
            if partner.recovery_do_not_contact:
                raise UserError(
                    self.env._(
                        "%(partner)s asked not to be contacted about this debt: do not contact them. "
                        "Only an inbound contact can be logged.",
                        partner=partner.display_name,
                    )
                )
            if partner._recovery_channel_opted_out(contact.channel):
                raise UserError(
                    self.env._(
                        "%(partner)s refused contacts by %(channel)s. Use another channel.",
                        partner=partner.display_name,
                        channel=channels[contact.channel],
                    )
                )
        overridden = outbound.filtered("override_justification")
        if overridden and not self._is_manager():
            raise AccessError(self.env._("Only a Collection Manager can override the contact rules."))
        policies = self.env["credit.recovery.policy"]._get_company_policies(outbound.company_id)
        day_counts = outbound._outbound_day_counts()
        open_window = ContactWindow(intervals=dict.fromkeys(range(7), ((0.0, 24.0),)))
        windows, over_cap = {}, {}
        for contact in outbound:
            policy = policies.get(contact.company_id.id)
            if not policy:
                continue
            if policy.id not in windows:
                windows[policy.id] = policy._get_contact_window()
            window = open_window if contact.channel in TIMELESS_CHANNELS else windows[policy.id]
            tz = zone(contact.partner_id._recovery_tz()).zone  # an unknown name is UTC, shown as such
            counts = day_counts.get(contact.partner_id.id, {})
            moments = [contact.date]
            if not self.env.su and now - timedelta(hours=policy.backdate_limit_hours) <= contact.date:
                # Recorded as it happens (or soon after): the real moment is at most now.
                moments.append(max(now, contact.date))
            caps = (policy.max_contacts_per_day, policy.max_contacts_per_week)
            cap_decision = contact_moment(contact.date, tz, open_window, counts, caps)
            over_cap[contact] = not cap_decision.allowed
            if contact.override_justification:
                continue
            # Starting: the caps refuse too, and the next allowed moment respects them.
            counts, caps = (counts, caps) if contact.state == "draft" else ({}, (0, 0))
            for moment in moments:
                decision = contact_moment(moment, tz, window, counts, caps)
                if not decision.allowed:
                    raise UserError(contact._refusal_message(decision, policy, tz))
        return over_cap

    def _outbound_day_counts(self):
        """``{partner_id: {local date: n}}`` of other outbound logs in the weeks concerned (one query)."""
        if not self:
            return {}
        first = min(self.mapped("date")) - timedelta(days=8)
        last = max(self.mapped("date")) + timedelta(days=8)
        others = self.sudo().search_fetch(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("direction", "=", "outbound"),
                ("correction_of_id", "=", False),
                ("id", "not in", self.ids),
                ("date", ">=", first),
                ("date", "<=", last),
            ],
            ["partner_id", "date"],
        )
        tz_by_partner = {partner.id: partner._recovery_tz() for partner in self.partner_id}
        counts = defaultdict(lambda: defaultdict(int))
        for other in others:
            tz = tz_by_partner[other.partner_id.id]
            counts[other.partner_id.id][to_local(other.date, tz).date()] += 1
        return counts

    def _refusal_message(self, decision, policy, tz):
        reasons = {
            contact_rules.OUTSIDE_WINDOW: self.env._("this is outside the contact window"),
            contact_rules.HOLIDAY: self.env._("this is a holiday"),
            contact_rules.DAY_CAP: self.env._(
                "the limit of %(count)s contact(s) per day is reached", count=policy.max_contacts_per_day
            ),
            contact_rules.WEEK_CAP: self.env._(
                "the limit of %(count)s contact(s) per week is reached", count=policy.max_contacts_per_week
            ),
        }
        if decision.next_utc:
            when = format_datetime(self.env, decision.next_utc, tz=tz, dt_format="short")
            return self.env._(
                "%(partner)s cannot be contacted now: %(reason)s. Next allowed moment: %(when)s (%(tz)s). "
                "A Collection Manager can override this with a justification.",
                partner=self.partner_id.display_name,
                reason=reasons[decision.reason],
                when=when,
                tz=self.env["res.partner"]._recovery_tz_label(tz),
            )
        return self.env._(
            "%(partner)s cannot be contacted: %(reason)s, and the policy allows no contact in the coming year. "
            "Check the contact window of the collection policy.",
            partner=self.partner_id.display_name,
            reason=reasons[decision.reason],
        )
