from . import (
    account_move,
    credit_recovery_contact_window,
    credit_recovery_debtor,
    credit_recovery_policy,
    credit_recovery_profile,
    credit_recovery_stage,
    res_company,
    res_partner,
)
