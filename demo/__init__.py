from . import credit_recovery_demo
from . import credit_recovery_demo_credit
from . import credit_recovery_demo_agency
