{
    "name": "Payment Provider: PIX (API Pix, Banco Central)",
    "summary": "Dynamic PIX charges through a PSP's API Pix (Efí, Banco Inter, …) that settle themselves",
    "version": "18.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["payment", "account_payment"],
    "data": [
        "security/payment_pix_received_security.xml",
        "data/ir_cron_data.xml",
        "views/payment_pix_received_views.xml",
        "views/payment_provider_settlement_views.xml",
        "views/payment_transaction_settlement_views.xml",
    ],
}
