from . import test_pure_api_pix
