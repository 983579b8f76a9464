"""18.0.1.3.0 (end of the upgrade): the contact logs form an evidence ledger per company (issue 12).

A seal is never rewritten (see ``tools/evidence.py``): the logs sealed by 18.0.1.2.0 keep their
digest, printed in the dossiers of that release, and their payload version, 1, with which every
check recomputes them. Each is checked against it; one that no longer matches was changed
before the upgrade and is flagged so (for good: *Verify Evidence* and the dossier say it),
never re-sealed as if intact. Their attachments are frozen (same names and content: the
digests hold) and the logs are chained with their digests as they are, oldest first.
"""

from odoo import SUPERUSER_ID, api

# The payload the logs sealed before the evidence ledger carry (``tools.evidence.payload_v1``).
FORMER_VERSION = 1


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["credit.recovery.contact"]._adopt_former_seals(FORMER_VERSION)
