from . import credit_recovery_policy
from . import credit_recovery_contact_window
from . import credit_recovery_stage
from . import credit_recovery_profile
from . import credit_recovery_debtor
from . import account_move
from . import res_company
from . import res_partner
