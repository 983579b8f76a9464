from . import credit_recovery_demo
