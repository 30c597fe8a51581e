from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CollectionWhatsappTemplate(models.Model):
    """A WhatsApp message template approved in the WhatsApp Business Manager, and how to fill
    its body parameters from a collection case."""

    _name = 'collection.whatsapp.template'
    _description = 'WhatsApp Template'
    _order = 'name'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', index=True, help="Empty: every company.")
    template_name = fields.Char(
        string="Template Name", required=True, help="The template's name in the WhatsApp Business Manager.")
    language = fields.Char(required=True, default='en_US', help="The approved language, e.g. en_US, fr, ar.")
    body_params = fields.Text(
        string="Body Parameters",
        help="One line per {{n}} placeholder of the template, in order, written as an expression on the case, "
             "e.g. {{ object.partner_id.name }}.")
    preview = fields.Text(help="The approved text, for agents and the case's chatter.")
    model = fields.Char(default='collection.case', readonly=True, required=True)

    @api.constrains('template_name', 'language')
    def _check_names(self):
        for template in self:
            if not template.template_name.replace('_', '').isalnum() or template.template_name.lower() != template.template_name:
                raise ValidationError(self.env._(
                    "WhatsApp template names are lowercase letters, digits and underscores (%(name)s).",
                    name=template.template_name))

    def _render_params(self, cases):
        """``{case_id: [parameter values]}``."""
        self.ensure_one()
        lines = [line.strip() for line in (self.body_params or '').splitlines() if line.strip()]
        rendered = {case.id: [] for case in cases}
        Render = self.env['mail.render.mixin'].sudo()
        for line in lines:
            values = Render._render_template(line, 'collection.case', cases.ids, engine='inline_template')
            for case_id in cases.ids:
                rendered[case_id].append(str(values.get(case_id) or ''))
        return rendered
