from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionLetterPreview(models.TransientModel):
    _name = 'collection.letter.preview'
    _description = 'Preview a Collection Letter'

    template_id = fields.Many2one('collection.letter.template', required=True, readonly=True)
    case_id = fields.Many2one(
        'collection.case', string="Case",
        compute='_compute_case_id', store=True, readonly=False,
        help="The case whose values fill the placeholders.")
    subject = fields.Char(compute='_compute_preview')
    body = fields.Html(compute='_compute_preview', sanitize=False)
    error_message = fields.Char(compute='_compute_preview')

    @api.depends('template_id')
    def _compute_case_id(self):
        for preview in self:
            if not preview.case_id:
                domain = [('company_id', '=', preview.template_id.company_id.id)] if preview.template_id.company_id else []
                preview.case_id = self.env['collection.case'].search(
                    domain + [('total_overdue', '>', 0)], limit=1, order='id desc')

    @api.depends('template_id', 'case_id')
    def _compute_preview(self):
        for preview in self:
            preview.subject = preview.body = preview.error_message = False
            if not preview.template_id or not preview.case_id:
                continue
            try:
                letter = preview.template_id._render_letters(preview.case_id)[preview.case_id.id]
            except UserError as error:
                preview.error_message = error.args[0]
                continue
            preview.subject = letter['subject']
            preview.body = letter['body']

    def action_print_pdf(self):
        """The PDF as the customer would receive it; nothing is attached or logged."""
        self.ensure_one()
        if not self.case_id:
            raise UserError(self.env._("Choose a case to preview letter %(template)s.",
                                       template=self.template_id.display_name))
        return self.env.ref('collection_base.collection_letter_report').report_action(
            self.case_id, data={'template_id': self.template_id.id, 'case_ids': self.case_id.ids})
