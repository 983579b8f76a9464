{
    "name": "Credit Recovery - Point of Sale",
    "summary": "Collection status at the till: Customer Account payments",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["account_credit_recovery", "point_of_sale"],
    "auto_install": True,
}
