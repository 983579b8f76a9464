"""18.0.1.4.0 (end of the upgrade): a database at 18.0.1.3.0 built before the evidence ledger
still has logs sealed with payload 1 and not chained (the 18.0.1.3.0 end-migration did not
run on it): they are checked, flagged when altered and chained with their digests as they
are, as 18.0.1.3.0 does for 18.0.1.2.0 (nothing is left to do after it)."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

FORMER_VERSION = 1


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    altered = env["credit.recovery.contact"]._adopt_former_seals(FORMER_VERSION)
    if altered:
        _logger.warning(
            "Contact logs %s no longer matched their digest when the evidence ledger was built: they were "
            "changed before the upgrade. They keep their digest and are flagged as altered.",
            altered.ids,
        )
