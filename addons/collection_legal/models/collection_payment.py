from odoo import api, models


class CollectionPayment(models.Model):
    _inherit = 'collection.payment'

    @api.model_create_multi
    def create(self, vals_list):
        payments = super().create(vals_list)
        payments._refresh_legal_records()
        return payments

    def action_reverse(self, reason=None):
        result = super().action_reverse(reason=reason)
        self._refresh_legal_records()
        return result

    def _refresh_legal_records(self):
        """Payments move the settlements (instalments paid) and incidents (arrears cleared) of their cases."""
        cases = self.case_id
        if not cases:
            return
        settlements = self.env['collection.settlement'].sudo().search(
            [('case_id', 'in', cases.ids), ('state', '=', 'active')])
        settlements._refresh_installments()
        incidents = self.env['collection.recovery.incident'].sudo().search(
            [('case_id', 'in', cases.ids), ('state', 'in', ('placed', 'collected'))])
        incidents._check_completion()
