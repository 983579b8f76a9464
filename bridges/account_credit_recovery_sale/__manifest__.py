{
    "name": "Credit Recovery - Sales",
    "summary": "Collection status where the store sells on credit: sales orders",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["account_credit_recovery", "sale"],
    "data": [
        "security/ir.model.access.csv",
        "views/sale_order_views.xml",
        "wizards/credit_recovery_sale_override_views.xml",
    ],
    "auto_install": True,
}
