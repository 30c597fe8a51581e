from odoo import api, fields, models


class CollectionPtp(models.Model):
    """Outbox events of promises: ``ptp.created``, ``ptp.kept``, ``ptp.broken``."""

    _inherit = 'collection.ptp'

    @api.model_create_multi
    def create(self, vals_list):
        ptps = super().create(vals_list)
        self.env['collection.event']._emit_each('ptp.created', ptps, lambda p: p._get_event_payload())
        return ptps

    def write(self, vals):
        new_state = vals.get('state')
        changing = self.filtered(lambda p: p.state != new_state) if new_state in ('kept', 'broken') else self.browse()
        result = super().write(vals)
        if changing:
            self.env['collection.event']._emit_each(f'ptp.{new_state}', changing, lambda p: p._get_event_payload())
        return result

    def _write_evaluation(self, states, today):
        # the daily evaluation settles promises in SQL, not through write()
        super()._write_evaluation(states, today)
        for state in ('kept', 'broken'):
            settled = self.filtered(lambda p: states.get(p.id) == state)
            self.env['collection.event']._emit_each(f'ptp.{state}', settled, lambda p: p._get_event_payload())

    def _get_event_payload(self):
        self.ensure_one()
        return {
            'case_id': self.case_id.id,
            'cif': self.partner_id.cif or None,
            'account': self.loan_id.name or None,
            'amount': self.amount,
            'amount_paid': self.amount_paid,
            'currency': self.currency_id.name,
            'date': fields.Date.to_string(self.date),
            'state': self.state,
            'plan_id': self.plan_id.id or None,
            'agent': self.user_id.login or None,
        }
