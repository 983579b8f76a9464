import base64

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# What a storage migration (ir.attachment._migrate) rewrites: allowed when the content is unchanged.
STORAGE_FIELDS = {"raw", "datas", "mimetype"}


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def write(self, vals):
        frozen = self._recovery_frozen()
        if frozen and set(vals) - {"access_token"} and not frozen._recovery_same_content(vals):
            raise UserError(frozen._recovery_frozen_message())
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_recovery_evidence(self):
        frozen = self._recovery_frozen()
        if frozen:
            raise UserError(frozen._recovery_frozen_message())

    def _recovery_frozen(self):
        """The attachments of ``self`` frozen as evidence: those of a sealed contact log (one query)."""
        if not self.ids:
            return self.browse()
        self.env["credit.recovery.contact"].flush_model(["attachment_ids", "evidence_hash"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT rel.attachment_id
                  FROM credit_recovery_contact_attachment_rel rel
                  JOIN credit_recovery_contact contact ON contact.id = rel.contact_id
                 WHERE rel.attachment_id = ANY(%(ids)s) AND contact.evidence_hash IS NOT NULL
                """,
                ids=self.ids,
            )
        )
        return self.browse(row[0] for row in rows)

    def _recovery_same_content(self, vals):
        """Whether ``vals`` only rewrite the content and type these attachments already have
        (what moving the file store does)."""
        if not set(vals) <= STORAGE_FIELDS or not ({"raw", "datas"} & set(vals)):
            return False
        raw = vals["raw"] if "raw" in vals else base64.b64decode(vals["datas"] or b"")
        if isinstance(raw, str):
            raw = raw.encode()
        return all(
            attachment.raw == raw and vals.get("mimetype", attachment.mimetype) == attachment.mimetype
            for attachment in self.sudo()
        )

    def _recovery_frozen_message(self):
        return self.env._(
            "%(files)s is evidence of a recorded contact and can be neither changed nor deleted. "
            "To add a document, ask a Collection Manager to add a correction log with it.",
            files=", ".join(self.sudo().mapped("name")),
        )
