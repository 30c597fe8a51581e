from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.collection_base.tools.phone import format_e164

from ..tools.inbound import invalid, read_amount, read_choice, read_datetime, read_int, read_str

CALL_DISPOSITIONS = [
    ('answered', 'Answered'),
    ('no_answer', 'No answer'),
    ('busy', 'Busy'),
    ('failed', 'Failed'),
    ('voicemail', 'Voicemail'),
    ('wrong_number', 'Wrong number'),
    ('cancelled', 'Cancelled'),
]
# the result code a disposition means when the call centre sends no result of its own; an
# answered call without a result becomes a draft action that the agent completes
DISPOSITION_RESULTS = {
    'no_answer': 'collection_base.collection_result_code_no_answer',
    'busy': 'collection_base.collection_result_code_no_answer',
    'failed': 'collection_base.collection_result_code_no_answer',
    'cancelled': 'collection_base.collection_result_code_no_answer',
    'voicemail': 'collection_base.collection_result_code_third_party',
    'wrong_number': 'collection_base.collection_result_code_wrong_number',
}


class CollectionCallRecord(models.Model):
    """A call the call centre reports (its CDR): matched to the case whose customer has the
    number, it becomes an action on the case; otherwise it waits in the review list until a
    supervisor assigns it to a case (or ignores it)."""

    _name = 'collection.call.record'
    _description = 'Call Record'
    _inherit = ['mail.thread']
    _order = 'started_at desc, id desc'
    _rec_name = 'call_id'
    _check_company_auto = True

    connector_id = fields.Many2one('collection.connector', string="Call Centre", required=True, index=True,
                                   ondelete='restrict', readonly=True)
    company_id = fields.Many2one(related='connector_id.company_id', store=True, index=True)
    call_id = fields.Char(string="Call ID", required=True, readonly=True, help="The call centre's id of the call.")
    direction = fields.Selection([('outbound', 'Outbound'), ('inbound', 'Inbound')], required=True,
                                 default='outbound', readonly=True)
    number = fields.Char(required=True, readonly=True, help="The customer's number, as the call centre sent it.")
    number_e164 = fields.Char(string="E.164", readonly=True, index='btree_not_null')
    agent_ref = fields.Char(string="Agent (call centre)", readonly=True, help="Login or extension the call centre sent.")
    user_id = fields.Many2one('res.users', string="Agent", readonly=True)
    started_at = fields.Datetime(required=True, readonly=True)
    duration = fields.Integer(string="Duration (s)", readonly=True)
    disposition = fields.Selection(CALL_DISPOSITIONS, required=True, readonly=True)
    result_code_id = fields.Many2one('collection.result.code', string="Result", readonly=True)
    recording_url = fields.Char(string="Recording", readonly=True)
    note = fields.Text(readonly=True)
    ptp_values = fields.Json(string="Promise", readonly=True)
    state = fields.Selection([
        ('matched', 'Matched'),
        ('unmatched', 'To review'),
        ('ignored', 'Ignored'),
    ], required=True, default='unmatched', index=True, tracking=True)
    match_note = fields.Char(string="Why Unmatched", readonly=True)
    case_id = fields.Many2one('collection.case', string="Case", index='btree_not_null', check_company=True,
                              tracking=True)
    contact_point_id = fields.Many2one('collection.contact.point', readonly=True)
    action_id = fields.Many2one('collection.action', readonly=True, index='btree_not_null')
    add_contact_point = fields.Boolean(
        string="Add the Number to the Customer", default=True,
        help="When assigning by hand: record the number as a contact point of the case's customer.")

    _connector_call_uniq = models.Constraint(
        'unique(connector_id, call_id)', "The call centre already reported this call.")
    _review_idx = models.Index("(company_id, started_at DESC) WHERE state = 'unmatched'")

    # ------------------------------------------------------------------
    # receiving (POST /collection/call/<connector>)
    # ------------------------------------------------------------------

    @api.model
    def _receive_call_record(self, connector, payload):
        """Store one call record and post it on its case; ``(answer, record)``."""
        call_id = read_str(payload, 'call_id', max_length=100)
        existing = self.search([('connector_id', '=', connector.id), ('call_id', '=', call_id)], limit=1)
        if existing:
            return existing._get_inbound_answer('duplicate'), existing
        values = {
            'connector_id': connector.id,
            'call_id': call_id,
            'number': read_str(payload, 'number', max_length=40),
            'direction': read_choice(payload, 'direction', {'outbound', 'inbound'}, required=False, default='outbound'),
            'agent_ref': read_str(payload, 'agent', required=False, max_length=100),
            'started_at': read_datetime(payload, 'started_at'),
            'duration': read_int(payload, 'duration', required=False, minimum=0) or 0,
            'disposition': read_choice(payload, 'disposition', dict(CALL_DISPOSITIONS)),
            'recording_url': read_str(payload, 'recording_url', required=False, max_length=1000,
                                      pattern=r'https?://\S+'),
            'note': read_str(payload, 'note', required=False, max_length=5000),
        }
        result = read_str(payload, 'result', required=False, max_length=30)
        if result:
            code = self.env['collection.result.code'].search([('code', '=', result)], limit=1)
            if not code:
                raise invalid('result', f"'result' {result!r} is not a result code of the collection suite.")
            values['result_code_id'] = code.id
        ptp = payload.get('ptp')
        if ptp is not None:
            if not isinstance(ptp, dict):
                raise invalid('ptp', "'ptp' must be an object with an amount and a date.")
            values['ptp_values'] = {'amount': read_amount(ptp, 'amount'),
                                    'date': fields.Date.to_string(read_datetime(ptp, 'date').date())}
        company = connector.company_id
        values['number_e164'] = format_e164(values['number'], company.country_id.code) or False
        if values['agent_ref']:
            values['user_id'] = self.env['res.users']._collection_search_agents(values['agent_ref'], company)[:1].id
        record = self.create(values)
        case, point, why = record._match(read_str(payload, 'cif', required=False, max_length=64))
        if case:
            record._post_on_case(case, point)
        else:
            record.match_note = why
        return record._get_inbound_answer(record.state), record

    def _match(self, cif=None):
        """``(case, contact point, why not)``: the case of the customer with this number (or CIF)."""
        self.ensure_one()
        Case = self.env['collection.case']
        company = self.company_id
        if cif:
            case = Case.search([('partner_id.cif', '=', cif), ('company_id', '=', company.id)], limit=1)
            point = case.partner_id.contact_point_ids.filtered(lambda p: p.phone_e164 == self.number_e164)[:1]
            return (case, point, False) if case else (Case, False, self.env._("no customer with CIF %(cif)s", cif=cif))
        if not self.number_e164:
            return Case, False, self.env._("%(number)s is not a valid phone number", number=self.number)
        points = self.env['collection.contact.point'].search([
            ('phone_e164', '=', self.number_e164), ('company_id', '=', company.id)])
        cases = Case.search([('partner_id', 'in', points.partner_id.ids), ('company_id', '=', company.id)])
        if not cases:
            return Case, False, self.env._("no customer has %(number)s", number=self.number_e164)
        if len(cases) > 1:
            return Case, False, self.env._("%(number)s belongs to %(count)s customers",
                                           number=self.number_e164, count=len(cases))
        return cases, points.filtered(lambda p: p.partner_id == cases.partner_id)[:1], False

    def _post_on_case(self, case, point):
        """Record the call as an action on ``case`` (posted, or draft for the agent to complete)."""
        self.ensure_one()
        code = self.result_code_id
        if not code and self.disposition in DISPOSITION_RESULTS:
            code = self.env.ref(DISPOSITION_RESULTS[self.disposition])
        action_type = self.env.ref('collection_base.collection_action_type_call' if self.direction == 'outbound'
                                   else 'collection_base.collection_action_type_inbound_call')
        values = {
            'action_type_id': action_type.id,
            'result_code_id': code.id or False,
            'contact_point_id': point.id if point else False,
            'date': self.started_at,
            'duration': round(self.duration / 60.0, 2),
            'recording_url': self.recording_url or False,
            'note': self.note or False,
            'user_id': (self.user_id or case.user_id).id or False,
            'external_ref': self.call_id,
        }
        complete = code and code._applies_to(action_type) and not (code.requires_ptp and not self.ptp_values) \
            and not (code.requires_note and not self.note) and not code.requires_next_date
        if complete:
            action, _ptp = case._log_external_action(values, self.ptp_values)
        else:
            # answered without a result, or a result that needs more than the call centre sent:
            # the agent completes and posts it
            if code and not code._applies_to(action_type):
                values['result_code_id'] = False
            action = self.env['collection.action'].create(dict(values, case_id=case.id, state='draft'))
        self.write({'state': 'matched', 'case_id': case.id, 'contact_point_id': point.id if point else False,
                    'action_id': action.id, 'match_note': False})
        return action

    def _get_inbound_answer(self, status):
        self.ensure_one()
        return {'status': status, 'call_record_id': self.id, 'case_id': self.case_id.id or None,
                'action_id': self.action_id.id or None, 'reason': self.match_note or None}

    # ------------------------------------------------------------------
    # review list
    # ------------------------------------------------------------------

    def action_assign_to_case(self):
        """Post the unmatched calls on the case chosen for them."""
        for record in self:
            if record.state != 'unmatched':
                raise UserError(self.env._("Call %(call)s is not waiting for review.", call=record.call_id))
            if not record.case_id:
                raise UserError(self.env._("Choose the case of call %(call)s first.", call=record.call_id))
            case = record.case_id
            point = case.partner_id.contact_point_ids.filtered(
                lambda p: record.number_e164 and p.phone_e164 == record.number_e164)[:1]
            if not point and record.add_contact_point and record.number_e164:
                point = self.env['collection.contact.point'].create({
                    'partner_id': case.partner_id.id, 'company_id': case.company_id.id, 'kind': 'mobile',
                    'value': record.number_e164, 'source': 'agent',
                    'note': self.env._("From call %(call)s", call=record.call_id)})
            record.sudo()._post_on_case(case, point)
            record.message_post(body=self.env._("Assigned to %(case)s.", case=case.display_name))
        return True

    def action_ignore(self):
        self.filtered(lambda r: r.state == 'unmatched').write({'state': 'ignored'})

    def action_open_action(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_window', 'res_model': 'collection.action', 'res_id': self.action_id.id,
                'view_mode': 'form'}
