"""18.0.1.3.0: see pre-migration. The shipped message templates are loaded again from the
module's data (their files are ``noupdate``, so an upgrade alone keeps the old ones); the
shipped playbook texts and the *Wrong number* outcome's action fill what is still empty on
the default stages, reasons and outcomes (what an administrator wrote is kept). A message's
invoices are now those of its stage actions, computed: their former table goes."""

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, file_open
from odoo.tools.convert import xml_import

# The templates now rendered on the collection message, or on what the debtor may be claimed.
TEMPLATES = {
    "data/credit_recovery_stage_templates.xml": ("mail_template_collection_stage", "sms_template_collection_stage"),
    "data/credit_recovery_contact_data.xml": ("mail_template_whatsapp_message",),
}


# Shipped values of existing records, set only where the database has none yet.
FILL_EMPTY = ("data/credit_recovery_playbook_data.xml", "data/credit_recovery_contact_data.xml")
FILL_FIELDS = {"playbook_opening", "playbook_questions", "playbook_proposals", "playbook_never_say", "action"}


def _fill_empty(env, path):
    with file_open(f"account_credit_recovery/{path}", "rb") as data:
        tree = etree.parse(data)
    for node in tree.iter("record"):
        record = env.ref(f"account_credit_recovery.{node.get('id')}", raise_if_not_found=False)
        if not record:
            continue
        values = {
            field.get("name"): field.text
            for field in node.iter("field")
            if field.get("name") in FILL_FIELDS and field.get("name") in record._fields and field.text
        }
        # An outcome's action "none" is the default, not a choice: the shipped action replaces it.
        values = {name: value for name, value in values.items() if record[name] in (False, "", "none")}
        if values:
            record.write(values)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for path in FILL_EMPTY:
        _fill_empty(env, path)
    for path, xmlids in TEMPLATES.items():
        with file_open(f"account_credit_recovery/{path}", "rb") as data:
            tree = etree.parse(data)
        importer = xml_import(env, "account_credit_recovery", {}, mode="init", noupdate=True, xml_filename=path)
        for xmlid in xmlids:
            importer._tag_record(tree.find(f".//record[@id='{xmlid}']"))
    cr.execute(SQL("DROP TABLE IF EXISTS credit_recovery_dispatch_move_rel"))
