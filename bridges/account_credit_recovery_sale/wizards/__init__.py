from . import credit_recovery_sale_override
