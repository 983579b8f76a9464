from . import test_security_evidence
