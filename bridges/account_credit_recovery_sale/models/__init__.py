from . import account_move_credit
from . import account_payment_term
from . import sale_order_credit
from . import payment_transaction
