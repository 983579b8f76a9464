"""The policy's settings of the debtor's self-service page: the identity check, its wrong attempts
and lock-outs, and the requests the debtor may send the team."""

from odoo import fields, models


class CreditRecoveryPolicyPortal(models.Model):
    """The policy's settings of the debtor's self-service page."""

    _inherit = "credit.recovery.policy"

    portal_identity_check = fields.Boolean(
        string="Check the Debtor's Identity on the Page",
        default=True,
        help="The debtor proves who they are before the self-service page shows any amount.",
    )
    portal_identity_method = fields.Selection(
        [
            ("digits", "CPF/CNPJ digits that are not public"),
            ("code", "One-time code sent by SMS and e-mail"),
        ],
        string="Identity Check",
        default="digits",
        required=True,
        help="CPF/CNPJ digits that are not public: the first 3 and the last 2 digits of a CPF (those a masked "
        "CPF hides). A company gets the one-time code (a CNPJ has no digits that cannot be found out), and so "
        "does a link after twice the wrong attempts allowed in 24 hours, from any devices, for 24 hours. "
        "One-time code: 6 digits sent to the customer's registered mobile and e-mail, valid 10 minutes. A "
        "debtor without a CPF gets the code when they have a mobile or an e-mail; a company without either is "
        "asked to call.",
    )
    portal_max_attempts = fields.Integer(
        string="Wrong Attempts Allowed",
        default=5,
        help="Wrong tries a client (an IP address; an IPv6 /64 network) may make before it waits: only that client "
        "waits, not the debtor.",
    )
    portal_lock_minutes = fields.Integer(string="Lock After Wrong Attempts (minutes)", default=30)
    portal_alert_lockouts = fields.Integer(
        string="Alert the Team After Lock-outs",
        default=2,
        help="Lock-outs of the identity check in 24 hours after which the debtor's collection responsible gets "
        "an activity (once a day): someone else may hold the personal link. 0: no alert.",
    )
    portal_team_requests_per_day = fields.Integer(
        string="Requests to the Team per Day",
        default=1,
        help="How many times a day a debtor may send the team terms beyond the limits from the page.",
    )
