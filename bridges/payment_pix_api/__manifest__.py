{
    "name": "Payment Provider: PIX (API Pix, Banco Central)",
    "summary": "Dynamic PIX charges through a PSP's API Pix (Efí, Banco Inter, …) that settle themselves",
    "version": "18.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["payment", "account_payment"],
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "data": [
        "views/payment_pix_templates.xml",
        "views/payment_provider_views.xml",
        "views/payment_transaction_views.xml",
        "data/payment_provider_data.xml",
    ],
    "demo": ["demo/payment_provider_demo.xml"],
    "assets": {
        "web.assets_frontend": ["payment_pix_api/static/src/js/pix_copy.js"],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
}
