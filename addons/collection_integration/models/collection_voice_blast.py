from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..tools.voice_gateway import VoiceGatewayClient

PUSH_CHUNK = 1000


class CollectionVoiceBlast(models.Model):
    """A recorded or synthesised message played by a voice gateway to a list of cases.

    Sending asks the contact policy (channel "call") for every case at once; blocked cases keep
    their reason on their line, the others are pushed to the gateway in chunks. The gateway
    posts each call's result back (POST /collection/voice/result/<connector>): the line is
    updated and a posted "Voice message" action is recorded on the case.
    """

    _name = 'collection.voice.blast'
    _description = 'Voice Blast'
    _inherit = ['mail.thread', 'collection.case.selection.mixin']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    connector_id = fields.Many2one(
        'collection.connector', string="Voice Gateway", required=True, check_company=True,
        domain=[('system', '=', 'voice')], default=lambda self: self.env['collection.connector']._get_gateway(
            'voice', raise_if_missing=False))
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    message = fields.Text(help="The text the gateway reads out (text to speech).")
    audio_ref = fields.Char(string="Recording", help="The id of a recording on the gateway, played instead of the text.")
    case_ids = fields.Many2many('collection.case', string="Cases", check_company=True)
    line_ids = fields.One2many('collection.voice.blast.line', 'blast_id', string="Calls")
    state = fields.Selection([
        ('draft', 'Draft'),
        ('sent', 'Sent'),
        ('done', 'Done'),
    ], required=True, default='draft', tracking=True)
    sent_date = fields.Datetime(readonly=True)
    case_count = fields.Integer(compute='_compute_counts')
    blocked_count = fields.Integer(compute='_compute_counts')
    answered_count = fields.Integer(compute='_compute_counts')
    pending_count = fields.Integer(compute='_compute_counts')

    @api.depends('case_ids', 'line_ids.state')
    def _compute_counts(self):
        groups = {(blast.id, state): count for blast, state, count in self.env['collection.voice.blast.line']._read_group(
            [('blast_id', 'in', self.ids)], ['blast_id', 'state'], ['__count'])}
        for blast in self:
            blast.case_count = len(blast.case_ids)
            blast.blocked_count = groups.get((blast.id, 'blocked'), 0)
            blast.answered_count = groups.get((blast.id, 'answered'), 0)
            blast.pending_count = groups.get((blast.id, 'queued'), 0)

    def action_send(self):
        """Check every case against the call policy, then push the allowed ones to the gateway."""
        self.ensure_one()
        if self.state != 'draft':
            raise UserError(self.env._("Voice blast %(blast)s was sent already.", blast=self.name))
        if not self.case_ids:
            raise UserError(self.env._("Voice blast %(blast)s has no case.", blast=self.name))
        if not (self.message or self.audio_ref):
            raise UserError(self.env._("Voice blast %(blast)s needs a text or a recording.", blast=self.name))
        verdicts = self.env['collection.contact.policy']._evaluate_contact(self.case_ids, 'call')
        points = self.env['collection.contact.point'].browse(
            [v.point_id for v in verdicts.values() if v.point_id]).read(['phone_e164'])
        numbers = {point['id']: point['phone_e164'] for point in points}
        lines = []
        for case_id, verdict in verdicts.items():
            blocked = verdict.reason or not numbers.get(verdict.point_id)
            lines.append({
                'blast_id': self.id, 'case_id': case_id, 'contact_point_id': verdict.point_id or False,
                'number': numbers.get(verdict.point_id) or False,
                'state': 'blocked' if blocked else 'queued',
                'blocked_reason': (verdict.reason or self.env._("no phone number")) if blocked else False,
            })
        # the calls are the system's record of what the gateway does: supervisors read them only
        Line = self.env['collection.voice.blast.line'].sudo()
        created = Line.browse()
        for chunk in split_every(PUSH_CHUNK * 5, lines, list):
            created |= Line.create(chunk)
        self.env['collection.case']._record_contact_blocked(
            'call', {line.case_id.id: line.blocked_reason for line in created if line.state == 'blocked'})
        queued = created.filtered(lambda line: line.state == 'queued').with_env(self.env)
        connector = self.connector_id.sudo()
        client = VoiceGatewayClient(connector.endpoint_url, token=connector.api_token, secret=connector.signing_secret,
                                    timeout=connector.timeout or 30)
        for chunk in split_every(PUSH_CHUNK, queued.ids, list):
            result = client.push_blast(
                f'{self.id}', [{'id': str(line.id), 'number': line.number} for line in Line.browse(chunk)],
                message=self.message, audio=self.audio_ref, callback_url=connector.inbound_url)
            if not result.ok:
                raise UserError(self.env._("The voice gateway %(gateway)s refused the blast: %(error)s",
                                           gateway=connector.name, error=result.error))
        self.write({'state': 'sent' if queued else 'done', 'sent_date': fields.Datetime.now()})
        self.message_post(body=self.env._(
            "%(queued)s calls pushed to %(gateway)s, %(blocked)s blocked by the contact policy.",
            queued=len(queued), gateway=connector.name, blocked=len(created) - len(queued)))
        return True

    def _check_done(self):
        for blast in self.filtered(lambda b: b.state == 'sent' and not b.pending_count):
            blast.state = 'done'
