from . import credit_recovery_dossier
from . import credit_recovery_letter
from . import credit_recovery_first_payment
from . import credit_recovery_vintage
from . import credit_recovery_dossier_agency
