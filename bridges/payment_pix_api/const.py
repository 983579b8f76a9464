"""Presets of the PSPs whose API Pix addresses are published, and the framework's codes."""

# (base URL of the API, token URL) per PSP and environment: "test" is the PSP's homologation
# sandbox, "enabled" its production. Efí: dev.efipay.com.br (API Pix, credentials); Banco Inter:
# developers.inter.co (API Pix v2, OAuth v2). The generic entry (bcb) takes what the PSP gives.
PSP_URLS = {
    "efi": {
        "test": ("https://pix-h.api.efipay.com.br/v2", "https://pix-h.api.efipay.com.br/oauth/token"),
        "enabled": ("https://pix.api.efipay.com.br/v2", "https://pix.api.efipay.com.br/oauth/token"),
    },
    "inter": {
        "test": (
            "https://cdpj-sandbox.partners.uatinter.co/pix/v2",
            "https://cdpj-sandbox.partners.uatinter.co/oauth/v2/token",
        ),
        "enabled": (
            "https://cdpj.partners.bancointer.com.br/pix/v2",
            "https://cdpj.partners.bancointer.com.br/oauth/v2/token",
        ),
    },
}

# Efí takes the token request as JSON; the others the standard form encoding.
TOKEN_JSON_PSPS = {"efi"}

# Banco Inter takes the client id and secret as form fields of the token request, not in HTTP basic.
CREDENTIALS_IN_BODY_PSPS = {"inter"}

# Banco Inter grants only the scopes asked for in the token request.
PSP_SCOPES = {
    "inter": "cob.write cob.read cobv.write cobv.read pix.write pix.read webhook.write webhook.read",
}

# The payment method activated with the provider: Odoo's own "Pix" (payment module data).
DEFAULT_PAYMENT_METHOD_CODES = {"pix"}

CHARGE_STATUSES = [
    ("ATIVA", "Active"),
    ("CONCLUIDA", "Paid"),
    ("REMOVIDA_PELO_USUARIO_RECEBEDOR", "Removed by us"),
    ("REMOVIDA_PELO_PSP", "Removed by the PSP"),
]
