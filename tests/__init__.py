from . import test_security_privacy
