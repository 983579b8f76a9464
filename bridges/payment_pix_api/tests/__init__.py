from . import test_pix_settlement
