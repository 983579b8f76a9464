from . import test_pure_payment_terms
from . import test_sale_credit
from . import test_sale_credit_portal
from . import test_sale_credit_pos
from . import test_sale_credit_attacks
