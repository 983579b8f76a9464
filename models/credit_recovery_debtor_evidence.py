from odoo import fields, models

from .common import DOSSIER_DIGEST_MARK


class CreditRecoveryDebtor(models.Model):
    """The debtor's evidence: verification of its contact logs against the company's ledger,
    and the versioned evidence dossier attached to it."""

    _inherit = "credit.recovery.debtor"

    def action_verify_evidence(self):
        """Recompute the digests of the debtor's logs and check the company's evidence ledger:
        name each log whose content changed, each missing entry and each inserted or moved log."""
        self.ensure_one()
        contacts = self.env["credit.recovery.contact"].sudo()
        contacts._chain(self.company_id)  # logs sealed during another append join the ledger now
        tampered = self.contact_ids._get_tampered()
        problems = [
            self.env._(
                "log #%(id)s (%(log)s) was altered before the upgrade: it no longer matched its digest when the "
                "evidence ledger was built",
                id=log.id,
                log=log.display_name,
            )
            if log.evidence_altered_before_upgrade
            else self.env._("log #%(id)s (%(log)s) was modified after it was recorded", id=log.id, log=log.display_name)
            # Flagged at the upgrade: for good, whatever its content reads today.
            for log in tampered | self.contact_ids.filtered("evidence_altered_before_upgrade")
        ]
        problems += self._ledger_break_problems(contacts._get_ledger_breaks(self.company_id), tampered)
        if problems:
            message = self.env._(
                "The evidence does not match what was recorded: %(problems)s. Tell a Collection Manager: "
                "the dossier of this customer cannot be relied on until this is explained.",
                problems="; ".join(problems),
            )
        else:
            message = self.env._(
                "All %(count)s contact log(s) match their digest, and the evidence ledger of %(company)s is "
                "complete (%(entries)s entries).",
                count=len(self.contact_ids.filtered("evidence_hash")),
                company=self.company_id.name,
                entries=contacts.env["credit.recovery.evidence.chain"]._get_heads(self.company_id)[self.company_id.id][
                    0
                ],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "danger" if problems else "success", "sticky": bool(problems)},
        }

    def action_generate_dossier(self, invoices=None):
        """Render the evidence dossier, keep it as a new version on the collection record, log it."""
        self.ensure_one()
        attachment = self._generate_dossier(invoices)
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true", "target": "self"}

    def _ledger_break_problems(self, breaks, tampered):
        """One sentence per break of the evidence ledger (``_get_ledger_breaks``' ``(kind, log id,
        detail)``); a rewritten ledger digest of a log already named as altered is not repeated."""
        problems = []
        for kind, log_id, detail in breaks:
            if kind == "missing":
                problems.append(
                    self.env._(
                        "ledger entries %(first)s to %(last)s are missing (deleted), just before log #%(id)s",
                        first=detail[0],
                        last=detail[1],
                        id=log_id,
                    )
                )
            elif kind == "missing_end":
                problems.append(
                    self.env._(
                        "ledger entries %(first)s to %(last)s, the last ones, are missing (deleted)",
                        first=detail[0],
                        last=detail[1],
                    )
                )
            elif kind == "inserted":
                problems.append(self.env._("log #%(id)s was inserted outside the ledger", id=log_id))
            elif kind == "moved":
                problems.append(
                    self.env._(
                        "log #%(id)s (ledger entry %(entry)s) does not follow the entry before it: it was moved "
                        "or inserted, or the previous one was altered",
                        id=log_id,
                        entry=detail,
                    )
                )
            elif kind == "pending":
                problems.append(
                    self.env._(
                        "log #%(id)s is not in the ledger: it was inserted, or recorded a moment ago "
                        "(verify again in a minute)",
                        id=log_id,
                    )
                )
            elif log_id not in tampered.ids:
                problems.append(
                    self.env._(
                        "the ledger digest of log #%(id)s (ledger entry %(entry)s) was rewritten",
                        id=log_id,
                        entry=detail,
                    )
                )
        return problems

    def _generate_dossier(self, invoices=None):
        """The dossier is attached to and logged on this record, never on the shared customer:
        attachments follow the access of their record, so only this company's Collection groups
        read it (LGPD)."""
        self.ensure_one()
        self.check_access("read")
        partner = self.partner_id
        report = self.env.ref("account_credit_recovery.action_report_dossier").sudo()
        data = {"invoice_ids": invoices.ids} if invoices else None
        self.env["credit.recovery.contact"].sudo()._chain(self.company_id)  # the head printed is the latest
        dossier = self.env["report.account_credit_recovery.report_dossier"]._get_dossier(self, invoices)
        # Handed to the PDF stamp on the transaction (server side), never by the context a caller sets.
        digests = self.env.cr.precommit.data.setdefault(DOSSIER_DIGEST_MARK, {})
        digests[self.id] = dossier["digest"]
        try:
            pdf, _report_type = report._render_qweb_pdf(report.report_name, self.ids, data=data)
        finally:
            digests.pop(self.id, None)
        Attachment = self.env["ir.attachment"].sudo()
        previous = Attachment.search_count(
            [("res_model", "=", self._name), ("res_id", "=", self.id), ("description", "=like", "dossier:%")]
        )
        version = previous + 1
        today = fields.Date.to_string(fields.Date.context_today(self))
        attachment = Attachment.create(
            {
                "name": self.env._(
                    "Dossier %(partner)s v%(version)s %(date)s.pdf",
                    partner=partner.name,
                    version=version,
                    date=today,
                ),
                "res_model": self._name,
                "res_id": self.id,
                "raw": pdf,
                "mimetype": "application/pdf",
                "description": f"dossier:{dossier['digest']}",
            }
        )
        self.sudo().message_post(
            body=self.env._(
                "Evidence dossier v%(version)s generated for %(company)s. Dossier digest (SHA-256): %(digest)s",
                version=version,
                company=self.company_id.name,
                digest=dossier["digest"],
            ),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        return attachment.with_env(self.env)
