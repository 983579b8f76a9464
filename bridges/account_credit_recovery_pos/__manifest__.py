{
    "name": "Credit Recovery - Point of Sale",
    "summary": "Collection status at the till: Customer Account payments",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["account_credit_recovery", "point_of_sale"],
    "demo": ["demo/pos_config_demo.xml"],
    "assets": {
        "point_of_sale._assets_pos": [
            "account_credit_recovery_pos/static/src/**/*",
        ],
        "web.assets_tests": [
            "account_credit_recovery_pos/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
}
