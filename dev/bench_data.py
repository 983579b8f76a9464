"""Benchmark data: N overdue invoices over M debtors, cloned at SQL level.

Shared by the benchmarks of this addon and of OCA ``account_credit_control`` so that
both databases hold the same data. Creating and posting invoices through the ORM
takes ~70 ms each; here one invoice is posted through the ORM and cloned by SQL.
Invoice ``n`` belongs to debtor ``n mod M`` and is due ``(n mod 120) + 1`` days ago.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL


def _columns(cr, table, skip):
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> ALL(%s)",
            table,
            list(skip),
        )
    )
    return [row[0] for row in cr.fetchall()]


def generate(env, invoices, debtors):
    """Post one template invoice with the ORM, then clone it ``invoices`` times over ``debtors``
    new customers. Returns the ids of the debtors' partners."""
    cr = env.cr
    today = fields.Date.context_today(env.user)
    account = env["account.account"].search(
        [("company_ids", "in", env.company.id), ("account_type", "=", "income")], limit=1
    )
    template_partner = env["res.partner"].create(
        {"name": "Bench template", "country_id": env.ref("base.br").id, "email": "debtor@example.com"}
    )
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": template_partner.id,
            "invoice_date": today - timedelta(days=40),
            "invoice_date_due": today - timedelta(days=10),
            "invoice_line_ids": [
                Command.create({"name": "Item", "price_unit": 100, "account_id": account.id, "tax_ids": []})
            ],
        }
    )
    template.action_post()
    env.flush_all()

    partner_cols = _columns(cr, "res_partner", ["id", "name", "complete_name", "commercial_partner_id", "email"])
    cr.execute(
        SQL(
            "INSERT INTO res_partner (name, complete_name, email, %s) "
            "SELECT 'Debtor ' || n, 'Debtor ' || n, 'debtor' || n || '@example.com', %s "
            "FROM res_partner, generate_series(1, %s) n WHERE id = %s",
            SQL(", ".join(partner_cols)),
            SQL(", ".join(partner_cols)),
            debtors,
            template_partner.id,
        )
    )
    cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL"))
    cr.execute(SQL("SELECT array_agg(id ORDER BY id) FROM res_partner WHERE name LIKE %s", "Debtor %"))
    partner_ids = cr.fetchone()[0]
    # Before anything references the new partners: PostgreSQL plans each foreign-key check once
    # per connection, and on a fresh database without statistics it plans a sequential scan of
    # res_partner, repeated for every row inserted below (minutes instead of seconds).
    cr.execute(SQL("ANALYZE res_partner"))

    move_skip = ["id", "name", "ref", "partner_id", "commercial_partner_id", "invoice_date_due", "sequence_number"]
    move_skip += [col for col in _columns(cr, "account_move", []) if col.startswith("recovery_")]
    move_cols = _columns(cr, "account_move", move_skip)
    cr.execute(
        SQL(
            """INSERT INTO account_move
                      (name, ref, partner_id, commercial_partner_id, invoice_date_due, sequence_number, %s)
               SELECT 'BENCH/' || n, 'bench-' || n, p.pid, p.pid, %s - (mod(n, 120) + 1), n, %s
                 FROM account_move m, generate_series(1, %s) n
                 JOIN LATERAL (SELECT (%s::int[])[1 + mod(n, %s)] AS pid) p ON true
                WHERE m.id = %s""",
            SQL(", ".join(move_cols)),
            today,
            SQL(", ".join(f"m.{col}" for col in move_cols)),
            invoices,
            partner_ids,
            len(partner_ids),
            template.id,
        )
    )
    # Statistics first: without them the planner may pick a nested loop for the lines below.
    cr.execute(SQL("ANALYZE account_move"))
    line_skip = ["id", "move_id", "partner_id", "date_maturity", "move_name", "ref"]
    line_cols = _columns(cr, "account_move_line", line_skip)
    cr.execute(
        SQL(
            """INSERT INTO account_move_line (move_id, partner_id, date_maturity, move_name, ref, %s)
               SELECT m.id, m.partner_id, CASE WHEN l.date_maturity IS NOT NULL THEN m.invoice_date_due END,
                      m.name, m.ref, %s
                 FROM account_move m
                 JOIN account_move_line l ON l.move_id = %s
                WHERE m.ref LIKE %s""",
            SQL(", ".join(line_cols)),
            SQL(", ".join(f"l.{col}" for col in line_cols)),
            template.id,
            "bench-%",
        )
    )
    # As autovacuum would after such a load: the planner needs statistics.
    for table in ("res_partner", "account_move", "account_move_line"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    env.invalidate_all()
    return partner_ids


def prepare_collection(env, partner_ids, quiet=True):
    """What production holds since the invoices' posting, created outside any timing: mobile
    numbers, the debtor records, the invoices' debtor links and their (stale) collection states.
    Committed: PostgreSQL checks again the foreign keys of rows updated in the transaction that
    inserted them. ``quiet=False``: the debtors get their chatter's creation message and
    followers, as in production (the delivery benchmark posts to that chatter)."""
    cr = env.cr
    cr.execute(
        SQL(
            """UPDATE res_partner
                  SET mobile = '+55119' || lpad(mod(id, 100000000)::text, 8, '0'),
                      recovery_mobile_e164 = '+55119' || lpad(mod(id, 100000000)::text, 8, '0'),
                      recovery_mobile_valid = TRUE, recovery_mobile_type = 'mobile'
                WHERE id = ANY(%s)""",
            partner_ids,
        )
    )
    # Without the chatter's creation message and followers: at 200,000 debtors the ORM spent most of
    # the generation there (mail.thread create).
    context = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True} if quiet else {}
    env["credit.recovery.debtor"].with_context(**context)._get_or_create(
        {(partner, env.company.id) for partner in partner_ids}
    )
    env.flush_all()
    cr.execute(
        SQL(
            """UPDATE account_move m SET recovery_debtor_id = d.id
                 FROM credit_recovery_debtor d
                WHERE d.partner_id = m.commercial_partner_id AND d.company_id = m.company_id AND m.ref LIKE %s""",
            "bench-%",
        )
    )
    env["account.move"]._recovery_init_states()
    for table in ("res_partner", "account_move", "credit_recovery_debtor", "credit_recovery_invoice"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    cr.commit()
    env.invalidate_all()


def drive_runs(env):
    """Drive the collection run as Odoo's cron runner does, one batch per call and a commit after
    each, until no run is left; returns the number of calls."""
    runs = env["credit.recovery.run"]
    calls = 0
    while True:
        runs._cron_run_collection()
        calls += 1
        env.cr.commit()  # as the cron framework does after each batch (_notify_progress)
        env.invalidate_all()  # as between two cron calls: memory stays bounded
        if not runs.search_count([("state", "in", ("refresh", "plan"))]):
            return calls


def year_of_history(env, today):
    """A year of sales and payments of the ``bench-*`` invoices, by a known rule (the payment model's
    benchmark, dev/bench_score.py, and the screenshots of a fitted model, dev/screenshots_score.py):
    invoice ``i`` due ``i mod 365`` days before ``today``, sold 30 days before, of ``50 + 25 x (i mod 20)``;
    debtor ``d`` of kind ``d mod 4`` pays an installment still owed with a monthly chance of 55, 30, 15
    or 5 %: ``30 x j + r`` days after its due date (``j`` geometric, ``r`` from 1 to 28, both drawn from
    a hash of the installment), in full, unless that day is still to come. Returns the number of
    payments (partial reconciliations) written. Not committed."""
    cr = env.cr
    # A year of sales: each invoice due (id mod 365) days ago, sold 30 days before, of 50 to 525.
    cr.execute(
        SQL(
            """UPDATE account_move
                  SET invoice_date = %(today)s - 30 - mod(id, 365), invoice_date_due = %(today)s - mod(id, 365),
                      date = %(today)s - 30 - mod(id, 365)
                WHERE ref LIKE %(bench)s""",
            today=today,
            bench="bench-%",
        )
    )
    cr.execute(
        SQL(
            """UPDATE account_move_line l
                  SET date_maturity = CASE WHEN l.date_maturity IS NOT NULL THEN m.invoice_date_due END, date = m.date,
                      balance = SIGN(l.balance) * (50 + 25 * mod(m.id, 20))
                 FROM account_move m
                WHERE m.id = l.move_id AND m.ref LIKE %s""",
            "bench-%",
        )
    )
    cr.execute(
        SQL(
            """DELETE FROM account_partial_reconcile WHERE debit_move_id IN (
                SELECT l.id FROM account_move_line l JOIN account_move m ON m.id = l.move_id WHERE m.ref LIKE %s)""",
            "bench-%",
        )
    )
    # The known rule: kind = debtor mod 4, monthly chance h of paying; paid 30 x j + r days after the due date.
    cr.execute(
        SQL(
            """
        INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id, amount, debit_amount_currency,
                                               credit_amount_currency, company_id, max_date, create_date)
        SELECT debit.id, credit.id, debit.balance, debit.balance, debit.balance, debit.company_id, paid.day, NOW()
          FROM account_move_line debit
          JOIN account_move move ON move.id = debit.move_id AND move.ref LIKE %(bench)s
          JOIN account_account account ON account.id = debit.account_id AND account.account_type = 'asset_receivable'
          JOIN LATERAL (SELECT id FROM account_move_line c WHERE c.move_id = debit.move_id AND c.balance < 0 LIMIT 1)
               credit ON TRUE
          JOIN LATERAL (SELECT (ARRAY[0.55, 0.30, 0.15, 0.05])[1 + mod(move.recovery_debtor_id, 4)] AS h,
                               (mod(abs(hashtext(debit.id::text)), 100000) + 0.5) / 100000.0 AS u,
                               1 + mod(abs(hashtext('r' || debit.id::text)), 28) AS r) draw ON TRUE
          JOIN LATERAL (SELECT debit.date_maturity + 30 * floor(ln(draw.u) / ln(1 - draw.h))::int + draw.r AS day)
               paid ON TRUE
         WHERE debit.balance > 0 AND paid.day <= %(today)s
            """,
            today=today,
            bench="bench-%",
        )
    )
    return cr.rowcount


def bench_users(env, step):
    """A collection manager and an agent (logins ``bench-<step>-manager`` / ``-agent``), the agent
    responsible for one bench debtor in ten (the others have no responsible), as *Contact now* and
    the daily screens are measured. Returns ``(manager, agent, debtors in collection, the agent's)``;
    not committed (each benchmark rolls back)."""
    cr = env.cr
    users = env["res.users"].with_context(no_reset_password=True)
    group = "account_credit_recovery.group_credit_recovery_%s"
    manager, agent = (
        users.create(
            {
                "name": f"Bench {role}",
                "login": f"bench-{step}-{role}",
                "groups_id": [(4, env.ref(group % role).id)],
            }
        )
        for role in ("manager", "agent")
    )
    cr.execute(
        SQL(
            """UPDATE credit_recovery_debtor SET user_id = CASE WHEN mod(id, 10) = 0 THEN %s END
                WHERE id IN (SELECT recovery_debtor_id FROM account_move WHERE ref LIKE %s)""",
            agent.id,
            "bench-%",
        )
    )
    env.invalidate_all()
    cr.execute(
        SQL(
            """SELECT COUNT(*), COUNT(*) FILTER (WHERE user_id = %s) FROM credit_recovery_debtor
                WHERE company_id = %s AND amount_overdue > 0""",
            agent.id,
            env.company.id,
        )
    )
    debtors, agent_debtors = cr.fetchone()
    return manager, agent, debtors, agent_debtors
