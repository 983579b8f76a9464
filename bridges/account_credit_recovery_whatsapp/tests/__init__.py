from . import test_whatsapp_stage
from . import test_whatsapp_inbound
