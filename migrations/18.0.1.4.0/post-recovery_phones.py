"""18.0.1.4.0: phone numbers with letters are no longer read as keypad digits (``tools.phone``).

What was stored from such a number ("+55 11 9ABCD-1234" held as the valid mobile
+55 11 92223-1234, the number to call, SMS and WhatsApp) is computed again, as if the
numbers were typed again: they are flagged invalid and never used. The numbers themselves
are kept as they are, and so are the contact logs sealed with them.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.account_credit_recovery.tools.phone import has_letters


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    # Anything but digits and separators, then letters of any alphabet (as ``tools.phone``).
    cr.execute(
        SQL(
            "SELECT id, phone, mobile FROM res_partner WHERE phone ~ %(other)s OR mobile ~ %(other)s",
            other=r"[^0-9+()./\s-]",
        )
    )
    ids = [row[0] for row in cr.fetchall() if has_letters(row[1]) or has_letters(row[2])]
    partners = env["res.partner"].browse(ids)
    if partners:
        partners.modified(["phone", "mobile"])
        env.flush_all()
