from . import test_pix_charges
from . import test_pix_settlement
from . import test_pure_charge_plan
