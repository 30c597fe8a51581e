from odoo import api, fields, models
from odoo.tools import SQL, format_amount


class ResUsers(models.Model):
    _inherit = 'res.users'

    field_region_ids = fields.Many2many(
        'res.country.state', 'collection_field_user_region_rel', 'user_id', 'state_id', string="Field Regions",
        help="Regions this field agent visits; visits are assigned by the customer's region.")
    field_districts = fields.Char(
        string="Field Districts",
        help="Districts this field agent covers, separated by commas; an address in one of them "
             "goes to this agent before agents who only cover its region.")
    field_start_latitude = fields.Float(string="Start Latitude", digits=(10, 7))
    field_start_longitude = fields.Float(string="Start Longitude", digits=(10, 7))
    is_field_available = fields.Boolean(
        string="Available for Field Work", default=True,
        help="Unavailable agents (leave, sick) get no new visits.")
    field_cash_limit = fields.Monetary(
        string="Cash Limit", currency_field='field_cash_currency_id',
        help="Cash this agent may hold in custody; 0 uses the company's limit.")
    field_cash_currency_id = fields.Many2one(related='company_id.currency_id', string="Cash Currency")
    field_cash_in_hand = fields.Monetary(
        string="Cash in Hand", compute='_compute_field_cash_in_hand', currency_field='field_cash_currency_id',
        help="Cash collected by this agent and not yet deposited, in the currency of the cash limit "
             "(receipts in other currencies converted at the rate of their day).")
    field_cash_in_hand_detail = fields.Char(
        string="Cash in Hand by Currency", compute='_compute_field_cash_in_hand',
        help="The cash in hand in each currency it was collected in.")

    def _compute_field_cash_in_hand(self):
        Receipt = self.env['collection.cash.receipt']
        totals = Receipt._get_cash_in_hand(self.ids)
        by_currency = Receipt._get_cash_in_hand_by_currency(self.ids)
        for user in self:
            user.field_cash_in_hand = totals.get(user.id, 0.0)
            user.field_cash_in_hand_detail = " + ".join(
                format_amount(self.env, amount, currency)
                for currency, amount in sorted(by_currency.get(user.id, {}).items(), key=lambda i: i[0].name)
            ) or False

    def _get_field_cash_limit(self):
        self.ensure_one()
        return self.field_cash_limit or self.company_id.collection_field_cash_limit

    def _get_field_start_point(self):
        """(lat, lon) the agent's day starts from: their start point, else None."""
        self.ensure_one()
        if self.field_start_latitude or self.field_start_longitude:
            return (self.field_start_latitude, self.field_start_longitude)
        return None

    def _get_field_district_names(self):
        self.ensure_one()
        return {name.strip().lower() for name in (self.field_districts or '').split(',') if name.strip()}

    @api.model
    def _get_field_agents(self, company=None):
        """Available field agents of ``company`` (default: the current one)."""
        company = company or self.env.company
        group = self.env.ref('collection_field.collection_field_group_agent')
        return self.sudo().search([
            ('group_ids', 'in', group.ids), ('is_field_available', '=', True), ('share', '=', False),
            ('company_ids', 'in', company.ids),
        ])

    def _get_last_field_positions(self):
        """``{user_id: {latitude, longitude, accuracy, device_time, source, is_mock_location}}`` of
        the latest known position of each user (one index lookup per user)."""
        if not self:
            return {}
        self.env['collection.agent.location'].flush_model()
        rows = self.env.execute_query_dict(SQL("""
            SELECT u.id AS user_id, l.id, l.latitude, l.longitude, l.accuracy, l.device_time, l.source,
                   l.is_mock_location
              FROM unnest(%(ids)s::int[]) AS u(id)
              JOIN LATERAL (
                    SELECT id, latitude, longitude, accuracy, device_time, source, is_mock_location
                      FROM collection_agent_location
                     WHERE user_id = u.id
                  ORDER BY device_time DESC, id DESC
                     LIMIT 1) l ON TRUE
        """, ids=self.ids))
        return {row['user_id']: row for row in rows}

    def action_verify_field_chain(self):
        """Recompute the hash chain of the agent's field events and say where it breaks."""
        self.ensure_one()
        return self.env['collection.field.event']._verify_chain_notification(self)
