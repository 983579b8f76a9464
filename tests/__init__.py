from . import test_security_agreement
