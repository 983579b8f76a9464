from markupsafe import Markup

from odoo import api, fields, models


class CreditRecoveryPlaybook(models.AbstractModel):
    """The agent's script where they work: how to open, what to ask, what fits, what never to say.

    Inherited by the stages (what the stage of the debt calls for) and the non-payment reasons
    (what the debtor's reason calls for); rendered in the Log Contact form and the negotiation.
    """

    _name = "credit.recovery.playbook"
    _description = "Collection Playbook"

    playbook_opening = fields.Text(string="How to Open", translate=True)
    playbook_questions = fields.Text(string="What to Ask", translate=True)
    playbook_proposals = fields.Text(
        string="Proposals that Fit",
        translate=True,
        help="Which of the profile's prepared proposals to offer first, and why.",
    )
    playbook_never_say = fields.Text(
        string="Never Say",
        translate=True,
        help="What must never be said: threats, exposure to third parties, false statements (CDC art. 42 and 71).",
    )

    @api.model
    def _render_for(self, stage, reason, profile):
        """The playbook of ``stage`` and ``reason`` with the proposals of ``profile``, as HTML (or False)."""
        sections = []
        labels = {
            "playbook_opening": self.env._("How to open"),
            "playbook_questions": self.env._("What to ask"),
            "playbook_proposals": self.env._("Proposals that fit"),
            "playbook_never_say": self.env._("Never say"),
        }
        for record in (stage, reason):
            if not record:
                continue
            items = Markup("").join(
                Markup("<dt>%s</dt><dd style='white-space: pre-line'>%s</dd>") % (label, record[name])
                for name, label in labels.items()
                if record[name]
            )
            if items:
                sections.append(
                    Markup("<h6 class='mt-2'>%s</h6><dl class='mb-1'>%s</dl>") % (record.display_name, items)
                )
        proposals = (
            self.env["credit.recovery.proposal.template"].search([("profile_id", "=", profile.id)])
            if profile
            else False
        )
        if proposals:
            sections.append(
                Markup("<h6 class='mt-2'>%s</h6><ul class='mb-1'>%s</ul>")
                % (
                    self.env._("Prepared proposals of the profile %(profile)s", profile=profile.display_name),
                    Markup("").join(Markup("<li>%s</li>") % proposal.name for proposal in proposals),
                )
            )
        return Markup("").join(sections) or False
