{
    "name": "Payment Provider: PIX (API Pix, Banco Central)",
    "summary": "Dynamic PIX charges through a PSP's API Pix (Efí, Banco Inter, …) that settle themselves",
    "version": "18.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["payment", "account_payment"],
}
