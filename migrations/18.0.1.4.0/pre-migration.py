"""18.0.1.4.0: each contact log keeps the payload version its digest was computed with
(``evidence_version``; see ``tools/evidence.py``: a seal is never rewritten, a payload change
adds a version).

A database at 18.0.1.3.0 with the evidence ledger sealed and chained its logs with payload 2
(those of 18.0.1.2.0 were re-sealed by that release's upgrade: their former digests are
gone, see the README). A database without the ledger yet (18.0.1.2.0, or an 18.0.1.3.0 built
before it) sealed its logs with payload 1: they are left without a version here, for the
end-migration to check and chain them as they are.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

# The payload of the logs sealed by 18.0.1.3.0 with the evidence ledger (``tools.evidence.payload_v2``).
LEDGER_VERSION = 2


def migrate(cr, version):
    if not version:
        return
    if not column_exists(cr, "credit_recovery_contact", "evidence_version"):
        create_column(cr, "credit_recovery_contact", "evidence_version", "int4")
    if column_exists(cr, "credit_recovery_contact", "evidence_sequence"):
        cr.execute(
            SQL(
                """
                UPDATE credit_recovery_contact SET evidence_version = %(version)s
                 WHERE evidence_hash IS NOT NULL AND evidence_version IS NULL
                """,
                version=LEDGER_VERSION,
            )
        )
