from . import test_whatsapp_stage
