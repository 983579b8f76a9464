from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    recovery_dispatch_id = fields.Many2one(
        "credit.recovery.dispatch",
        string="Collection Message",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        help="The collection message whose stage planned this activity.",
    )

    def _action_done(self, feedback=False, attachment_ids=None):
        """A collection letter marked done was printed and posted: if its stage carries the
        credit-bureau prior notice (CDC art. 43 §2), the notice went out today."""
        letter_type = self.env.ref("account_credit_recovery.activity_type_collection_letter", raise_if_not_found=False)
        letters = self.filtered(
            lambda activity: (
                activity.activity_type_id == letter_type and activity.sudo().recovery_dispatch_id.stage_id.bureau_notice
            )
        )
        for activity in letters:
            activity.sudo().recovery_dispatch_id.debtor_id._recovery_record_bureau_notice()
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
