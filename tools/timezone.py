"""The time zone a debtor is contacted in: the one rule of the contact window, the caps' days
and the dossier's dates, in Python and (``res.partner._recovery_tz_sql``) in SQL."""

FALLBACK_TZ = "UTC"


def contact_timezone(partner_tz, company_tz=None, user_tz=None) -> str:
    """The debtor's time zone, else its creditor company's, else (in the back office) the
    user's, else UTC: what the debtor's clock says is what the contact rules judge."""
    return partner_tz or company_tz or user_tz or FALLBACK_TZ
