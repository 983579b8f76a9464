"""The client certificate a PSP issues, as the PEM bundle ``requests`` presents for mutual TLS.

PSPs hand it out as PKCS#12 (Efí's ``.p12``, usually without a password) or as PEM files (Banco
Inter's ``.crt`` and ``.key``). Nothing here is logged: the key is a secret.
"""

import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

PEM_MARK = b"-----BEGIN"


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def pem_bundle(certificate, key=None, password=None):
    """One PEM holding the certificate (and its chain) then the private key.

    ``certificate``: PEM (the key in it or in ``key``) or PKCS#12 bytes; ``password`` opens an
    encrypted PKCS#12 or key. Raises ``ValueError`` saying what is wrong (not a certificate, no
    key, a key that does not match the certificate, a wrong password)."""
    if not certificate:
        raise ValueError("no certificate")
    secret = password.encode() if isinstance(password, str) else password
    if PEM_MARK not in certificate:
        try:
            private_key, cert, chain = pkcs12.load_key_and_certificates(certificate, secret)
        except ValueError as error:
            raise ValueError(
                "the certificate is neither PEM nor PKCS#12 (.p12) that opens without a password"
            ) from error
        if not cert or not private_key:
            raise ValueError("the PKCS#12 file holds no certificate or no private key")
        certs = [cert, *(chain or [])]
    else:
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", certificate, re.S)
        try:
            # One block at a time: load_pem_x509_certificates needs cryptography 39, Odoo pins 3.4.8 on Python 3.11.
            certs = [x509.load_pem_x509_certificate(block) for block in blocks]
        except ValueError as error:
            raise ValueError("the PEM file holds no valid certificate") from error
        if not certs:
            raise ValueError("the PEM file holds no valid certificate")
        key_source = key if key and PEM_MARK in key else certificate
        if b"PRIVATE KEY" not in key_source:
            raise ValueError("the private key is missing: upload it with the certificate")
        try:
            private_key = serialization.load_pem_private_key(key_source, secret)
        except (ValueError, TypeError) as error:
            raise ValueError("the private key cannot be read (encrypted? wrong password?)") from error
    public = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    if private_key.public_key().public_bytes(*public) != certs[0].public_key().public_bytes(*public):
        raise ValueError("the private key does not belong to the certificate")
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs) + _key_pem(private_key)
