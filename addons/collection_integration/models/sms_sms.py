import re
from collections import defaultdict

from odoo import api, models

from ..tools.inbound import InboundError, invalid, read_batch, read_choice, read_str

# gateway delivery statuses -> sms states (success) or provider errors (failure)
DELIVERY_SUCCESS = {'accepted': 'pending', 'queued': 'pending', 'sent': 'pending', 'delivered': 'sent'}
DELIVERY_FAILURE = {'failed': 'not_delivered', 'undelivered': 'not_delivered', 'expired': 'expired',
                    'rejected': 'rejected', 'invalid_number': 'invalid_destination', 'blocked': 'not_allowed'}
UUID_PATTERN = r'[0-9a-f]{32}'


class SmsSms(models.Model):
    """SMS of companies with a collection SMS gateway go through it; its delivery reports
    update the SMS and their notifications (the envelope on the case's chatter)."""

    _inherit = 'sms.sms'

    def _split_by_api(self):
        by_company = defaultdict(lambda: self.browse())
        for sms in self:
            by_company[sms._get_sms_company()] += sms
        rest = self.browse()
        for company, company_sms in by_company.items():
            if company.sudo().collection_sms_gateway_id:
                sms_api = company._get_sms_api_class()(self.env)
                sms_api._set_company(company)
                yield sms_api, company_sms
            else:
                rest += company_sms
        if rest:
            yield from super(SmsSms, rest)._split_by_api()

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """The queue sends without going through ``_split_by_api``: give the gateway client its
        company there too."""
        company = self._get_sms_company()
        if not self.env.context.get('sms_api') and len(company) == 1 and company.sudo().collection_sms_gateway_id:
            sms_api = company._get_sms_api_class()(self.env)
            sms_api._set_company(company)
            self = self.with_context(sms_api=sms_api)
        return super()._send(unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)

    @api.model
    def _collection_receive_delivery_report(self, connector, payload):
        """Apply a gateway's delivery report: ``{"id": "<sms uuid>", "status": "delivered", "error":
        "..."}``, or several as ``{"reports": [...]}``; returns ``(answer, trackers)``."""
        checked = []
        for report in read_batch(payload, 'reports'):
            uuid = read_str(report, 'id', max_length=32)
            if not re.fullmatch(UUID_PATTERN, uuid):
                raise invalid('id', f"'id' {uuid!r} is not the id of an SMS sent by this database.")
            status = read_choice(report, 'status', set(DELIVERY_SUCCESS) | set(DELIVERY_FAILURE))
            checked.append((uuid, status, read_str(report, 'error', required=False, max_length=500)))
        uuids = [uuid for uuid, _status, _error in checked]
        sms_all = self.sudo().with_context(active_test=False).search([('uuid', 'in', uuids)])
        trackers = self.env['sms.tracker'].sudo().search([('sms_uuid', 'in', uuids)])
        known = set(sms_all.mapped('uuid')) | set(trackers.mapped('sms_uuid'))
        unknown = [uuid for uuid in uuids if uuid not in known]
        if unknown:
            raise InboundError(422, 'unknown_message', f"No SMS with id {', '.join(unknown[:5])}.", field='id')
        sms_by_uuid = {sms.uuid: sms for sms in sms_all}
        tracker_by_uuid = {tracker.sms_uuid: tracker for tracker in trackers}
        for uuid, status, error in checked:
            sms = sms_by_uuid.get(uuid, self.browse())
            tracker = tracker_by_uuid.get(uuid, self.env['sms.tracker'])
            if status in DELIVERY_SUCCESS:
                state = DELIVERY_SUCCESS[status]
                sms.filtered(lambda s: s.state in ('outgoing', 'process', 'pending', 'sent')).state = state
                tracker._action_update_from_sms_state(state)
            else:
                sms.state = 'error'
                tracker.with_context(sms_known_failure_reason=error)._action_update_from_provider_error(
                    DELIVERY_FAILURE[status])
                sms._collection_log_undelivered(status, error)
        final = [uuid for uuid, status, _error in checked if status not in ('accepted', 'queued', 'sent')]
        sms_all.filtered(lambda s: s.uuid in final and not s.to_delete).to_delete = True
        return {'status': 'updated', 'count': len(checked)}, sms_all

    def _collection_log_undelivered(self, status, error):
        """Tell the case's agent, on the case, that an SMS did not reach the customer."""
        for sms in self.filtered(lambda s: s.mail_message_id.model == 'collection.case'):
            case = self.env['collection.case'].browse(sms.mail_message_id.res_id).exists()
            if case:
                case.message_post(body=self.env._(
                    "The SMS to %(number)s was not delivered (%(status)s%(error)s).", number=sms.number,
                    status=status, error=f": {error}" if error else ""))
