from odoo import api, models
from odoo.exceptions import UserError


class ReportCollectionLetter(models.AbstractModel):
    """Values of the letter report: the cases, and the letter rendered from the chosen template."""
    _name = 'report.collection_base.collection_letter_report_template'
    _description = 'Collection Letter Report'

    @api.model
    def _get_report_values(self, docids, data=None):
        template = self.env['collection.letter.template'].browse((data or {}).get('template_id')).exists()
        if not template:
            raise UserError(self.env._("Choose a letter template to print collection letters."))
        # The web client drops the ids from the URL of a report printed with data: they come in data.
        docs = self.env['collection.case'].browse(docids or (data or {}).get('case_ids') or [])
        return {
            'doc_ids': docs.ids,
            'doc_model': 'collection.case',
            'docs': docs,
            'letter_template': template,
            'letters': template._render_letters(docs),
            'letter_date': template._get_render_context()['today'],
        }
