from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import safe_eval

# Formatting helpers of the evaluation context remembered for one batch rendering (see _memoized).
MEMOIZED_HELPERS = ("format_amount", "format_date")


def _memoized(function):
    """``function`` (a pure formatting helper of the evaluation context) remembering its
    results for one batch rendering: each call looks up the language again (about 0.1 ms,
    several per line of a collection e-mail), while the same amounts and due dates recur
    across a batch rendered in one language. Records are keyed by their ids."""
    results = {}

    def key_of(value):
        return (value._name, value._ids) if isinstance(value, models.BaseModel) else value

    def remembered(*args, **kwargs):
        try:
            key = (tuple(key_of(arg) for arg in args), tuple(sorted((k, key_of(v)) for k, v in kwargs.items())))
            hash(key)
        except TypeError:  # an unhashable argument: computed, not remembered
            return function(*args, **kwargs)
        if key not in results:
            results[key] = function(*args, **kwargs)
        return results[key]

    return remembered


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(self, template_src, model, res_ids, add_context=None, options=None):
        """Collection messages: compile the QWeb template once for the whole batch.

        Odoo compiles an inline QWeb template again for every record it renders (about 25 ms
        for the stage e-mail): for a delivery batch of 200 collection messages that was most
        of the batch. The rendering itself is Odoo's (same evaluation context, same restricted
        mode for users who may not edit templates); only the compilation is shared, and the
        amount and date formatting helpers remember their results for the batch. One record,
        another model, or a template without QWeb code goes through Odoo's own path, which
        also gives its usual error messages (the delivery retries a failed batch one by one).
        """
        if (
            model != "credit.recovery.dispatch"
            or len(res_ids) < 2
            or not template_src
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(template_src, model, res_ids, add_context, options)
        values = self._render_eval_context()
        for helper in MEMOIZED_HELPERS:
            if helper in values:
                values[helper] = _memoized(values[helper])
        if add_context:
            values.update(**add_context)
        options = dict(options or {})
        if (
            not self._unrestricted_rendering
            and not self.env.is_admin()
            and not self.env.user.has_group("mail.group_mail_template_editor")
        ):
            options["raise_on_forbidden_code_for_model"] = model
        qweb = self.env["ir.qweb"].with_context(**options)._prepare_environment(values)
        safe_eval.check_values(values)
        functions, name = qweb._compile(html.fragment_fromstring(template_src, create_parent="div"))
        render = functions[name]
        results = {}
        for record in self.env[model].browse(res_ids):
            values["object"] = record
            # Without the <div> added to wrap several nodes into one, as Odoo does.
            results[record.id] = Markup("".join(render(qweb, values)))[5:-6]
        return results
