{
    "name": "Credit Recovery - Dynamic PIX",
    "summary": "Dynamic PIX charges for what collection claims, settled and seen the moment they are paid",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["account_credit_recovery", "payment_pix_api"],
    "auto_install": ["account_credit_recovery"],
}
