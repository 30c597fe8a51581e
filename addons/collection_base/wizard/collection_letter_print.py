from odoo import api, fields, models
from odoo.exceptions import UserError


class CollectionLetterPrint(models.TransientModel):
    _name = 'collection.letter.print'
    _inherit = ['collection.case.selection.mixin']
    _description = 'Print Collection Letters'

    case_ids = fields.Many2many('collection.case', string="Cases", required=True)
    case_count = fields.Integer(compute='_compute_case_count')
    company_id = fields.Many2one('res.company', compute='_compute_company_id')
    template_id = fields.Many2one(
        'collection.letter.template', string="Letter", required=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]")
    letter_type = fields.Selection(related='template_id.letter_type')
    attachment_id = fields.Many2one('ir.attachment', string="Letters PDF", readonly=True)

    @api.depends('case_ids')
    def _compute_company_id(self):
        for wizard in self:
            companies = wizard.case_ids.company_id
            wizard.company_id = companies if len(companies) == 1 else False

    def action_print(self):
        """Print the letters, log them on their cases and download the merged PDF."""
        self.ensure_one()
        result = self.template_id._print_letters(self.case_ids, batch_owner=self)
        if not result['attachment']:
            cases = self.case_ids.browse(list(result['blocked']))
            raise UserError(self.env._(
                "No letter was printed: the contact policy holds back every selected case (%(details)s).",
                details="; ".join(f"{case.display_name}: {result['blocked'][case.id]}" for case in cases[:10])))
        self.attachment_id = result['attachment']
        # download the batch and close the dialog, which reloads the cases (Letters button)
        return {
            'type': 'ir.actions.act_url',
            'url': f"/web/content/{self.attachment_id.id}?download=true",
            'target': 'new',
            'close': True,
        }
