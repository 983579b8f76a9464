from urllib.parse import urljoin

from odoo import fields, models

GRAPH_BASE_URL = "https://graph.facebook.com/"


class MailGateway(models.Model):
    """The WhatsApp gateway of OCA ``mail_gateway_whatsapp``: its account and credentials (phone
    number id, token, Graph version, webhook secret) are the ones collection messages go with."""

    _inherit = "mail.gateway"

    recovery_graph_base_url = fields.Char(
        string="Graph API Base URL",
        help="Where the collection messages of this gateway are sent. Empty: Meta's Graph API "
        "(https://graph.facebook.com/). Set only to test against a simulated API.",
    )

    def _recovery_graph_url(self, path):
        """``<base>/v<version>/<path>``: the gateway's Graph endpoint for ``path``."""
        self.ensure_one()
        base = (self.recovery_graph_base_url or GRAPH_BASE_URL).rstrip("/") + "/"
        return urljoin(base, f"v{self.whatsapp_version}/{path}")
