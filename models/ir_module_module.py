from odoo import models

ADDON = "account_credit_recovery"


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, overwrite=False, imported_module=False):
        res = super()._load_module_terms(modules, langs, overwrite=overwrite, imported_module=imported_module)
        if ADDON in modules and "credit.recovery.stage" in self.env:
            self.env["credit.recovery.stage"]._sync_default_translations()
        return res
