from odoo import api, models


class ReportCollectionLetter(models.AbstractModel):
    _inherit = 'report.collection_base.collection_letter_report_template'

    @api.model
    def _get_report_values(self, docids, data=None):
        """A letter to an agency or an officer is addressed to them, not to the customer."""
        values = super()._get_report_values(docids, data=data)
        addressee_id = self.env.context.get('collection_letter_addressee_id')
        values['letter_addressee'] = self.env['res.partner'].browse(addressee_id) if addressee_id else None
        return values
