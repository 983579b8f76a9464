from . import test_pure_api_pix
from . import test_pure_translation
from . import test_pix_provider
from . import test_pix_settlement
from . import test_pix_settlement_committed
