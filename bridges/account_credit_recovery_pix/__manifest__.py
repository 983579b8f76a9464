{
    "name": "Credit Recovery - Dynamic PIX",
    "summary": "Dynamic PIX charges for what collection claims, settled and seen the moment they are paid",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["account_credit_recovery", "payment_pix_api"],
    "data": [
        "security/ir.model.access.csv",
        "security/credit_recovery_pix_security.xml",
        "data/credit_recovery_pix_data.xml",
        "data/credit_recovery_pix_mail_data.xml",
        "views/credit_recovery_pix_charge_views.xml",
        "views/credit_recovery_portal_templates.xml",
    ],
    "auto_install": ["account_credit_recovery"],
}
