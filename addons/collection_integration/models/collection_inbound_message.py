import logging

import psycopg2.errors

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import ConcurrencyError, UserError, ValidationError
from odoo.tools import SQL

from ..tools.inbound import InboundError

_logger = logging.getLogger(__name__)

# kind of message: (model, method) that applies it; the method takes (connector, payload) and
# returns (answer dict, record) or raises InboundError
INBOUND_HANDLERS = {
    'payment': ('collection.payment', '_receive_processor_notification'),
    'call': ('collection.call.record', '_receive_call_record'),
    'sms_status': ('sms.sms', '_collection_receive_delivery_report'),
    'whatsapp': ('collection.whatsapp.message', '_receive_webhook'),
    'voice_result': ('collection.voice.blast.line', '_receive_result'),
    'agent_status': ('collection.agent.status', '_receive_agent_status'),
}
RETENTION_DAYS = 90
INBOUND_KINDS = [
    ('payment', 'Payment notification'),
    ('call', 'Call record'),
    ('sms_status', 'SMS delivery report'),
    ('whatsapp', 'WhatsApp status'),
    ('voice_result', 'Voice blast result'),
    ('agent_status', 'Agent status'),
]


class CollectionInboundMessage(models.Model):
    """Every authenticated request an inbound endpoint received, with what became of it.

    Requests are stored once their signature holds, before they are applied; applying runs in a
    savepoint, so a request that cannot be applied (an unknown account, a conflict) stays here
    with its error and can be applied again once the cause is fixed ("Apply again"). Requests
    refused before that (bad signature, too large, not JSON) are not stored: they carry nothing
    that may be trusted.
    """

    _name = 'collection.inbound.message'
    _description = 'Inbound Message'
    _order = 'id desc'
    _rec_name = 'reference'

    connector_id = fields.Many2one('collection.connector', required=True, index=True, ondelete='cascade', readonly=True)
    company_id = fields.Many2one(related='connector_id.company_id', store=True, index=True)
    kind = fields.Selection(INBOUND_KINDS, required=True, readonly=True)
    reference = fields.Char(index='btree_not_null', readonly=True, help="The sender's reference of what it sent.")
    payload = fields.Json(readonly=True)
    state = fields.Selection([
        ('done', 'Applied'),
        ('duplicate', 'Duplicate'),
        ('error', 'Error'),
    ], required=True, default='error', index=True, readonly=True)
    http_status = fields.Integer(string="HTTP Status", readonly=True)
    error_code = fields.Char(readonly=True)
    error_field = fields.Char(readonly=True)
    error_message = fields.Text(readonly=True)
    answer = fields.Json(readonly=True)
    res_model = fields.Char(string="Model", readonly=True)
    res_id = fields.Many2oneReference(string="Record", model_field='res_model', readonly=True)
    attempt_count = fields.Integer(string="Applied", default=1, readonly=True, help="Times it was applied.")
    remote_addr = fields.Char(string="Sender Address", readonly=True)

    _error_idx = models.Index("(connector_id, id) WHERE state = 'error'")

    @api.model
    def _receive(self, connector, kind, payload, reference=None, remote_addr=None):
        """Store and apply one authenticated request; return ``(http status, answer)``."""
        message = self.sudo().create({
            'connector_id': connector.id,
            'kind': kind,
            'payload': payload,
            'reference': (reference or '')[:200] or False,
            'remote_addr': remote_addr,
            'attempt_count': 0,
        })
        return message._apply()

    def _apply(self):
        self.ensure_one()
        model, method = INBOUND_HANDLERS[self.kind]
        connector = self.connector_id.sudo()
        handler_env = self.env(user=SUPERUSER_ID, context=dict(self.env.context, allowed_company_ids=[connector.company_id.id]))
        handler = getattr(handler_env[model], method)
        values = {'attempt_count': self.attempt_count + 1}
        try:
            with self.env.cr.savepoint():
                answer, record = handler(connector, self.payload)
        except InboundError as error:
            values.update(state='error', http_status=error.status, error_code=error.code, error_field=error.field,
                          error_message=error.message, answer=error.to_dict())
        except (UserError, ValidationError) as error:
            error = InboundError(422, 'rejected', str(error))
            values.update(state='error', http_status=422, error_code=error.code, error_field=False,
                          error_message=error.message, answer=error.to_dict())
        except psycopg2.errors.UniqueViolation as error:
            # the same reference arrives twice at the same time: let Odoo replay the request,
            # which then finds the other one's record
            raise ConcurrencyError(str(error)) from error
        else:
            values.update(state='duplicate' if answer.get('status') == 'duplicate' else 'done', http_status=200,
                          error_code=False, error_field=False, error_message=False, answer=answer,
                          res_model=record._name if record else False, res_id=record[:1].id if record else False)
        self.sudo().write(values)
        if self.state == 'error':
            _logger.info("Inbound %s %s from %s refused: %s %s", self.kind, self.reference or '-',
                         self.connector_id.code, self.error_code, self.error_message)
        return self.http_status, self.answer

    @api.autovacuum
    def _gc_applied_messages(self):
        """Applied and duplicate messages are kept ``collection_integration.inbound_retention_days``
        days (90 by default); errors stay until handled."""
        days = int(self.env['ir.config_parameter'].sudo().get_param(
            'collection_integration.inbound_retention_days', RETENTION_DAYS))
        self.env.execute_query(SQL("""
            DELETE FROM collection_inbound_message
             WHERE state IN ('done', 'duplicate')
               AND create_date < now() AT TIME ZONE 'UTC' - %s * interval '1 day'
        """, days))

    def action_apply_again(self):
        """Apply failed messages again (e.g. once the unknown loan has been loaded)."""
        if not self.env.user.has_group('collection_base.collection_base_group_admin'):
            raise UserError(self.env._("Only collection administrators may apply received messages again."))
        for message in self.filtered(lambda m: m.state == 'error'):
            message._apply()
        return True

    def action_open_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return False
        return {'type': 'ir.actions.act_window', 'res_model': self.res_model, 'res_id': self.res_id, 'view_mode': 'form'}
