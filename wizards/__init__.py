from . import credit_recovery_dispute
from . import credit_recovery_exclude
from . import credit_recovery_negotiation
from . import credit_recovery_credit_override
from . import credit_recovery_reply
from . import credit_recovery_agency_assign
from . import credit_recovery_agency_results
from . import credit_recovery_reason_correct
