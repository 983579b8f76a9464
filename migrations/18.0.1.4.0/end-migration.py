"""18.0.1.4.0 (end of the upgrade): a database at 18.0.1.3.0 built before the evidence ledger
still has logs sealed with payload 1 and not chained (the 18.0.1.3.0 end-migration did not
run on it): they are checked, flagged when altered and chained with their digests as they
are, as 18.0.1.3.0 does for 18.0.1.2.0 (nothing is left to do after it)."""

from odoo import SUPERUSER_ID, api

# The payload the logs sealed before the evidence ledger carry (``tools.evidence.payload_v1``).
FORMER_VERSION = 1


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["credit.recovery.contact"]._adopt_former_seals(FORMER_VERSION)
