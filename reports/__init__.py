from . import credit_recovery_dossier
from . import credit_recovery_letter
