from . import payment_provider
from . import payment_transaction
from . import payment_pix_received, payment_pix_refund, payment_provider_settlement, payment_transaction_settlement
