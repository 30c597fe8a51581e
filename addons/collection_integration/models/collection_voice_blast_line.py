from datetime import timedelta

from odoo import api, fields, models

from ..tools.inbound import InboundError, read_batch, read_choice, read_datetime, read_int, read_str


class CollectionVoiceBlastLine(models.Model):
    """One call of a voice blast, and what came of it."""

    _name = 'collection.voice.blast.line'
    _description = 'Voice Blast Call'
    _order = 'blast_id, id'
    _rec_name = 'number'

    blast_id = fields.Many2one('collection.voice.blast', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='blast_id.company_id', store=True, index=True)
    case_id = fields.Many2one('collection.case', required=True, index=True, ondelete='cascade')
    contact_point_id = fields.Many2one('collection.contact.point')
    number = fields.Char()
    state = fields.Selection([
        ('queued', 'Queued'),
        ('blocked', 'Blocked'),
        ('answered', 'Answered'),
        ('no_answer', 'No answer'),
        ('busy', 'Busy'),
        ('voicemail', 'Voicemail'),
        ('failed', 'Failed'),
    ], required=True, default='queued', index=True)
    blocked_reason = fields.Char()
    duration = fields.Integer(string="Duration (s)")
    keypress = fields.Char(help="The key the customer pressed, if any (1: call me back).")
    action_id = fields.Many2one('collection.action', readonly=True)

    @api.model
    def _receive_result(self, connector, payload):
        """Apply one voice call result, or several as ``{"results": [...]}``; ``(answer, lines)``."""
        checked = []
        for result in read_batch(payload, 'results'):
            checked.append((
                read_int(result, 'id', minimum=1),
                read_choice(result, 'status', {'answered', 'no_answer', 'busy', 'voicemail', 'failed'}),
                read_int(result, 'duration', required=False, minimum=0) or 0,
                read_str(result, 'keypress', required=False, max_length=5),
                read_datetime(result, 'ended_at', required=False),
            ))
        lines = self.browse([line_id for line_id, *_rest in checked]).exists().filtered(
            lambda line: line.blast_id.connector_id == connector)
        unknown = sorted({line_id for line_id, *_rest in checked} - set(lines.ids))
        if unknown:
            raise InboundError(422, 'unknown_call', f"No call {unknown[:5]} in this gateway's blasts.", field='id')
        by_id = {line.id: line for line in lines}
        applied = 0
        for line_id, status, duration, keypress, ended_at in checked:
            line = by_id[line_id]
            if line.state != 'queued':
                continue
            line._apply_result(status, duration, keypress, ended_at)
            applied += 1
        lines.blast_id._check_done()
        return {'status': 'updated' if applied else 'duplicate', 'updated': applied}, lines

    def _apply_result(self, status, duration, keypress, ended_at):
        self.ensure_one()
        callback = status == 'answered' and keypress == '1'
        code = self.env.ref('collection_integration.collection_result_code_voice_callback' if callback
                            else 'collection_integration.collection_result_code_voice_played' if status == 'answered'
                            else 'collection_integration.collection_result_code_voice_no_answer')
        moment = ended_at or fields.Datetime.now()
        action, _ptp = self.case_id._log_external_action({
            'action_type_id': self.env.ref('collection_integration.collection_action_type_voice').id,
            'result_code_id': code.id,
            'contact_point_id': self.contact_point_id.id,
            'date': moment,
            'duration': round(duration / 60.0, 2),
            'note': self.env._("Voice blast %(blast)s: %(status)s%(key)s", blast=self.blast_id.name, status=status,
                               key=self.env._(", pressed %(key)s", key=keypress) if keypress else ''),
            'next_action_date': moment.date() + timedelta(days=1) if callback else False,
            'user_id': self.case_id.user_id.id or False,
            'external_ref': f'voice-{self.id}',
        })
        self.write({'state': status, 'duration': duration, 'keypress': keypress or False, 'action_id': action.id})
        if callback and self.case_id.user_id:
            self.case_id.activity_schedule(
                'mail.mail_activity_data_call', date_deadline=moment.date(), user_id=self.case_id.user_id.id,
                summary=self.env._("Call back: asked after the voice message"))
