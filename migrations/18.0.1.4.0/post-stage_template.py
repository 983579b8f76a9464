"""18.0.1.4.0: the shipped stage e-mail lists each invoice with its late charges, adding up to the
one claimed amount of the day (``credit.recovery.dispatch._message_rows``). Its file is
``noupdate``, so an upgrade alone keeps the former body (rows without fine and interest under a
total with them): the shipped record is loaded again, as 18.0.1.3.0 did, unless a person edited
it (last written by another user than the superuser, who alone installs and upgrades): an
administrator's wording is kept, and the server log says which template to compare."""

import logging

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools import file_open
from odoo.tools.convert import xml_import

_logger = logging.getLogger(__name__)

PATH = "data/credit_recovery_stage_templates.xml"
XMLID = "mail_template_collection_stage"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    template = env.ref(f"account_credit_recovery.{XMLID}", raise_if_not_found=False)
    if template and template.write_uid.id not in (False, SUPERUSER_ID):
        _logger.warning(
            "The collection stage e-mail (%s) was edited by %s: it is kept. The shipped one now lists each "
            "installment with its late charges; compare it with data/credit_recovery_stage_templates.xml.",
            XMLID,
            template.write_uid.login,
        )
        return
    with file_open(f"account_credit_recovery/{PATH}", "rb") as data:
        tree = etree.parse(data)
    importer = xml_import(env, "account_credit_recovery", {}, mode="init", noupdate=True, xml_filename=PATH)
    importer._tag_record(tree.find(f".//record[@id='{XMLID}']"))
