from odoo import api, models


class CollectionCaseSelectionMixin(models.AbstractModel):
    """Wizards that act on the cases selected in a list: ``case_ids`` defaults to the selection."""
    _name = 'collection.case.selection.mixin'
    _description = 'Wizard on Selected Cases'

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if 'case_ids' in fields_list and not values.get('case_ids') \
                and context.get('active_model') == 'collection.case' and context.get('active_ids'):
            values['case_ids'] = [(6, 0, context['active_ids'])]
        return values

    @api.depends('case_ids')
    def _compute_case_count(self):
        for wizard in self:
            wizard.case_count = len(wizard.case_ids)
