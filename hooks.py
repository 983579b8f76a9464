def post_init_hook(env):
    """Default policy for every company, then the collection state of existing invoices.

    The invoice columns were created empty by ``account.move._auto_init``; they are
    filled here in batches instead of row by row by the ORM at install time.
    """
    env["credit.recovery.policy"]._create_missing_company_policies(env["res.company"].search([]))
    Move = env["account.move"]
    Move._recovery_init_states()
    while Move._recovery_refresh_batch()[1]:
        pass
    env["credit.recovery.debtor"]._recovery_refresh_history()
