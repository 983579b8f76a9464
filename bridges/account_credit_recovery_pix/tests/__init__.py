from . import test_pure_charge_plan
