"""Benchmark: the screens the collection team opens daily, timed as the web client asks them.

Run by `make bench` through `odoo shell`, after *Contact now* (``dev/bench_worklist.py``) on the same
database (its invoices, its fitted payment model and the debtors' stored scores are reused; the
data is generated here when absent, with ``dev/bench_data.py``). For a manager (every debtor) and an
agent (one debtor in ten), each screen is asked twice, cold (the ORM's caches emptied) then warm,
with the calls the web client makes when it opens it (the fields of the view as it sends them:
``get_views`` gives the arch, filtered by the user's groups):

- *Debtors*, kanban (the menu's first view): ``web_read_group`` by stage with the view's sums,
  ``read_progress_bar``, and ``web_search_read`` of each open column (40 cards), filter *In
  collection* (the action's default);
- *Debtors*, list: ``web_search_read`` of the first 80, counted up to 10,000;
- *Overdue Invoices*, list: the same, with the action's domain, filter and order;
- the largest debtor's form (of those the user sees): ``web_read`` of the form's fields (its
  lists of invoices, promises, agreements, contacts) and the chatter's first 30 messages;
- *Contact now*: the menu's server action (ranking, rows built for a page) and ``web_search_read``
  of its rows;
- the dashboard: ``credit.recovery.kpi.get_dashboard``.

One line per screen with both users' times, the target (1 s; the dashboard for a manager 1.5 s, on
the developers' 2-core machine; a miss is recorded, dev/bench_targets.py) and the load average.
Everything is rolled back.
"""

import os
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dtime

from lxml import etree

from odoo import fields
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

sys.path.insert(0, os.path.join(os.getcwd(), "dev"))
from bench_data import bench_users, generate, prepare_collection
from bench_targets import check, target

INVOICES = int(os.environ.get("BENCH_INVOICES", "100000"))
DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))
TARGET = target("screens", 1)
DASHBOARD_TARGET = target("dashboard_manager", 1.5)
KANBAN_LIMIT, LIST_LIMIT, COUNT_LIMIT, SUBLIST_LIMIT, MAX_OPEN_GROUPS = 40, 80, 10000, 40, 10

env = env  # noqa: F821, PLW0127 - provided by odoo shell
cr = env.cr
cr.execute(SQL("SELECT COUNT(*) FROM account_move WHERE ref LIKE %s", "bench-%"))
if not cr.fetchone()[0]:
    prepare_collection(env, generate(env, INVOICES, DEBTORS))
    while env["account.move"]._recovery_refresh_batch()[1]:
        cr.commit()
    env["credit.recovery.debtor"]._recovery_refresh_history()
    cr.commit()
cr.execute(
    SQL(
        """UPDATE res_partner SET recovery_best_phone = recovery_mobile_e164, recovery_no_valid_phone = FALSE
            WHERE name LIKE %s AND recovery_mobile_valid""",
        "Debtor %",
    )
)
for table in ("res_partner", "credit_recovery_debtor", "credit_recovery_invoice", "account_move"):
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
# The debtors' stored payment scores, as the daily cron leaves them (a no-op when up to date).
started, batches, scored = time.perf_counter(), 0, 0
while True:
    done, remaining = env["credit.recovery.debtor"]._refresh_payment_scores()
    batches, scored = batches + bool(done), scored + done
    if not remaining:
        break
if scored:
    print(
        f"screens: {scored} debtors' payment scores stored in {time.perf_counter() - started:.1f} s ({batches} calls)"
    )

manager, agent, debtor_count, agent_debtors = bench_users(env, "screens")
today = fields.Date.context_today(env.user)
# Contact now is opened next Wednesday at 15:00 UTC (inside the contact window), as dev/bench_worklist.py.
contact_moment = datetime.combine(today + timedelta(days=9 - today.weekday()), dtime(15, 0))


def spec_of(node, model, models):
    """The ``specification`` the web client sends for the fields of ``node`` (a view's arch, or a
    list inside a form's field): a relation's display name, a list's own fields (40 rows)."""
    info = models.get(model, {}).get("fields", {})
    depth = int(node.xpath("count(ancestor-or-self::field)"))
    spec = {}
    for field in node.xpath(f".//field[count(ancestor::field) = {depth}]"):
        name = field.get("name")
        kind = info.get(name, {}).get("type")
        if kind == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif kind in ("one2many", "many2many"):
            sub = next((child for child in field if child.tag in ("list", "kanban")), None)
            relation = info[name]["relation"]
            if sub is not None:
                spec[name] = {"fields": spec_of(sub, relation, models), "limit": SUBLIST_LIMIT}
            else:
                spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def view(model_env, view_type, view_id=False):
    views = model_env.get_views([(view_id, view_type)])
    arch = etree.fromstring(views["views"][view_type]["arch"])
    return arch, spec_of(arch, model_env._name, views["models"]), views["models"][model_env._name]["fields"]


def default_domain(model_env, action):
    """The action's domain and its default filters (``search_default_*``), as the search view gives them."""
    context = safe_eval(action.context or "{}", {"uid": model_env.env.uid})
    domain = safe_eval(action.domain or "[]", {"uid": model_env.env.uid})
    search_id = action.search_view_id.id if action.search_view_id else False
    arch = etree.fromstring(model_env.get_views([(search_id, "search")])["views"]["search"]["arch"])
    eval_context = {"uid": model_env.env.uid, "context_today": lambda: today, "datetime": datetime}
    for key, value in context.items():
        if key.startswith("search_default_") and value:
            node = arch.find(f".//filter[@name='{key.removeprefix('search_default_')}']")
            if node is not None and node.get("domain"):
                domain = (
                    ["&", *safe_eval(node.get("domain"), eval_context), *domain]
                    if domain
                    else safe_eval(node.get("domain"), eval_context)
                )
    return domain


def debtors_kanban(user_env):
    debtors = user_env["credit.recovery.debtor"]
    action = env.ref("account_credit_recovery.action_credit_recovery_debtor")
    domain = default_domain(debtors, action)
    arch, spec, field_info = view(debtors, "kanban")
    group_by = arch.get("default_group_by")
    aggregates = [
        f"{name}:{field_info[name]['aggregator']}"
        for name in spec
        if field_info.get(name, {}).get("aggregator") and name != group_by
    ]
    progress = arch.find(".//progressbar")
    if progress is not None and progress.get("sum_field"):
        aggregates.append(f"{progress.get('sum_field')}:sum")
    groups = debtors.web_read_group(domain, sorted(set(aggregates)), [group_by], limit=80, lazy=True)
    if progress is not None:
        colors = safe_eval(progress.get("colors"))
        debtors.read_progress_bar(domain, group_by, {"field": progress.get("field"), "colors": colors, "help": ""})
    opened = 0
    for group in groups["groups"]:
        if group[group_by] and group[f"{group_by}_count"] and opened < MAX_OPEN_GROUPS:
            opened += 1
            debtors.web_search_read(group["__domain"], spec, limit=KANBAN_LIMIT)
    return f"{groups['length']} columns"


def debtors_list(user_env):
    debtors = user_env["credit.recovery.debtor"]
    action = env.ref("account_credit_recovery.action_credit_recovery_debtor")
    _arch, spec, _info = view(debtors, "list")
    result = debtors.web_search_read(
        default_domain(debtors, action), spec, limit=LIST_LIMIT, count_limit=COUNT_LIMIT + 1
    )
    return f"{result['length']} debtors"


def overdue_invoices(user_env):
    moves = user_env["account.move"].with_context(default_move_type="out_invoice")
    action = env.ref("account_credit_recovery.action_recovery_overdue_invoices")
    arch, spec, _info = view(moves, "list", action.view_id.id)
    result = moves.web_search_read(
        default_domain(moves, action),
        spec,
        limit=LIST_LIMIT,
        order=arch.get("default_order") or "",
        count_limit=COUNT_LIMIT + 1,
    )
    return f"{result['length']} invoices"


def largest_debtor_form(user_env):
    debtors = user_env["credit.recovery.debtor"]
    debtor = debtors.search([("amount_overdue", ">", 0)], order="amount_overdue desc, id", limit=1)
    _arch, spec, _info = view(debtors, "form")
    debtor.web_read(spec)
    messages = user_env["mail.message"]._message_fetch(
        [("res_id", "=", debtor.id), ("model", "=", debtors._name), ("message_type", "!=", "user_notification")],
        limit=30,
    )["messages"]
    try:
        from odoo.addons.mail.tools.discuss import Store  # noqa: PLC0415 - mail's chatter payload

        Store(messages, for_current_user=True).get_result()
    except Exception as error:
        return f"{len(debtor.open_invoice_ids)} invoices open, {len(messages)} messages (not formatted: {error})"
    return f"{len(debtor.open_invoice_ids)} invoices open, {len(messages)} messages"


def contact_now(user_env):
    worklist = user_env["credit.recovery.worklist"]
    # What the menu's action_open() does (a page ranked and built), at a fixed moment inside the contact window.
    worklist._rebuild(contact_moment)
    _arch, spec, _info = view(worklist, "list")
    result = worklist.web_search_read(
        [("create_uid", "=", user_env.uid)], spec, limit=LIST_LIMIT, order="rank", count_limit=COUNT_LIMIT + 1
    )
    return f"{result['length']} rows"


def dashboard(user_env):
    data = user_env["credit.recovery.kpi"].get_dashboard()
    return f"{len(data['cards'])} cards"


SCREENS = [
    ("debtors kanban", debtors_kanban),
    ("debtors list", debtors_list),
    ("overdue invoices", overdue_invoices),
    ("largest debtor's form", largest_debtor_form),
    ("contact now", contact_now),
    ("dashboard", dashboard),
]
contexts = {"lang": "en_US", "tz": "America/Sao_Paulo", "bin_size": True, "allowed_company_ids": [env.company.id]}
for name, screen in SCREENS:
    figures = []
    for label, user in (("manager", manager), ("agent", agent)):
        user_env = env(user=user, context=contexts)
        times, what = [], ""
        for _call in ("cold", "warm"):
            if not times:
                env.invalidate_all()
                env.registry.clear_cache()
            started = time.perf_counter()
            what = screen(user_env)
            user_env.flush_all()
            times.append(time.perf_counter() - started)
        limit = DASHBOARD_TARGET if (name, label) == ("dashboard", "manager") else TARGET
        figures.append(
            f"{label} {times[0]:.2f} s cold, {times[1]:.2f} s warm ({what}; "
            f"{check(f'{name} ({label})', max(times), limit, 's')})"
        )
    load = " ".join(open("/proc/loadavg", encoding="utf-8").read().split()[:3])  # noqa: SIM115
    print(
        f"screens: {name}, {INVOICES} invoices, {debtor_count} debtors ({agent_debtors} the agent's): "
        + "; ".join(figures)
        + f" (load average {load})"
    )
cr.rollback()
