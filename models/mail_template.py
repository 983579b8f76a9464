import psycopg2
from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import safe_eval
from odoo.tools.rendering_tools import parse_inline_template

# The model whose batches are rendered here (the delivery's collection messages).
BATCH_MODEL = "credit.recovery.dispatch"

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
            model != BATCH_MODEL
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


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    @api.model
    def _render_template_inline_template(self, template_txt, model, res_ids, add_context=None, options=None):
        """Collection messages: check and compile each ``{{ … }}`` placeholder once for the batch.

        For every record, Odoo's ``safe_eval`` compiles each placeholder again and checks its
        bytecode against the sandbox's whitelist (a fraction of a millisecond each; the subject,
        sender and SMS of a collection message hold seven): for a delivery batch that cost more
        than the e-mail body. Here each placeholder is checked with the same whitelist and compiled once,
        then evaluated for each record as ``safe_eval`` does it (a copy of the checked context,
        the sandbox's builtins). Users who may not use such placeholders, one record, another
        model, a template without code, or any error go through Odoo's own path, which also
        gives its usual error messages.
        """
        if (
            model != BATCH_MODEL
            or len(res_ids) < 2
            or not template_txt
            or not self._has_unsafe_expression_template_inline_template(str(template_txt), model)
            or not (
                self._unrestricted_rendering
                or self.env.is_admin()
                or self.env.user.has_group("mail.group_mail_template_editor")
            )
        ):
            return super()._render_template_inline_template(template_txt, model, res_ids, add_context, options)
        variables = self._render_eval_context()
        for helper in MEMOIZED_HELPERS:
            if helper in variables:
                variables[helper] = _memoized(variables[helper])
        if add_context:
            variables.update(**add_context)
        results = {}
        try:
            safe_eval.check_values(variables)
            instructions = [
                (text, expression and safe_eval.test_expr(expression, safe_eval._SAFE_OPCODES), default)
                for text, expression, default in parse_inline_template(str(template_txt))
            ]
            for record in self.env[model].browse(res_ids):
                variables["object"] = record
                parts = []
                for text, code, default in instructions:
                    parts.append(text)
                    if code:
                        scope = dict(variables, __builtins__=dict(safe_eval._BUILTINS))
                        value = safe_eval.unsafe_eval(code, scope) or default
                        if value:
                            parts.append(str(value))
                results[record.id] = "".join(parts)
        except psycopg2.Error:
            raise  # the transaction is aborted: nothing to render again
        except Exception:  # Odoo's own path renders it again, or raises its usual error
            return super()._render_template_inline_template(template_txt, model, res_ids, add_context, options)
        return results
