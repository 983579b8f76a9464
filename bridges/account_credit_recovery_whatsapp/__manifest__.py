{
    "name": "Credit Recovery - WhatsApp Business",
    "summary": "WhatsApp Business messages from the collection run; statuses and replies as evidence",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "account_credit_recovery developers",
    "website": "https://github.com/account-credit-recovery/account_credit_recovery",
    "depends": ["account_credit_recovery", "mail_gateway_whatsapp"],
    "data": [
        "security/ir.model.access.csv",
        "security/credit_recovery_whatsapp_security.xml",
        "data/ir_cron_data.xml",
        "views/credit_recovery_whatsapp_views.xml",
    ],
    "auto_install": True,
}
