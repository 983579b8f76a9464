"""18.0.1.3.0: see pre-migration. The reloaded templates are ``noupdate`` again, and the
messages still queued list the invoices of their stage actions, as new ones do."""

from odoo.tools import SQL

TEMPLATES = ("mail_template_collection_stage", "sms_template_collection_stage")


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            "UPDATE ir_model_data SET noupdate = TRUE WHERE module = 'account_credit_recovery' AND name IN %s",
            TEMPLATES,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO credit_recovery_dispatch_move_rel (dispatch_id, move_id)
            SELECT DISTINCT a.dispatch_id, a.move_id
              FROM credit_recovery_action a
              JOIN credit_recovery_dispatch d ON d.id = a.dispatch_id
             WHERE d.state = 'queued'
            ON CONFLICT DO NOTHING
            """
        )
    )
