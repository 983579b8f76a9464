from . import credit_recovery_exclude
