"""Odoo's SMS provider mechanism (``sms.tools.sms_api``) plugged onto the generic HTTP gateway of
a company's SMS connector, the way ``sms_twilio`` plugs Twilio."""
import logging

from odoo.addons.sms.tools.sms_api import SmsApiBase

from .sms_gateway import SmsGatewayClient

_logger = logging.getLogger(__name__)

ACCEPTED = ('accepted', 'queued', 'sent', 'success')


class SmsApiCollectionGateway(SmsApiBase):
    # gateway error codes -> sms.sms failure types
    PROVIDER_TO_SMS_FAILURE_TYPE = SmsApiBase.PROVIDER_TO_SMS_FAILURE_TYPE | {
        'invalid_number': 'sms_number_format',
        'insufficient_credit': 'sms_credit',
        'unauthorized': 'sms_acc',
        'country_not_supported': 'sms_country_not_supported',
        'blacklisted': 'sms_blacklist',
    }

    def _send_sms_batch(self, messages, delivery_reports_url=False):
        """See ``SmsApi._send_sms_batch``: one gateway call for the batch, one result per number."""
        connector = (self.company or self.env.company).sudo().collection_sms_gateway_id
        numbers = [(number['uuid'], number['number'], message['content'])
                   for message in messages for number in message.get('numbers') or []]
        if not connector or not connector.active or not connector.endpoint_url:
            return [{'uuid': uuid, 'state': 'server_error',
                     'failure_reason': self.env._("The company's SMS gateway is not configured.")}
                    for uuid, _number, _text in numbers]
        client = SmsGatewayClient(connector.endpoint_url, token=connector.api_token, secret=connector.signing_secret,
                                  timeout=connector.timeout or 10)
        result = client.send([{'id': uuid, 'to': number, 'text': text} for uuid, number, text in numbers],
                             sender=connector.sms_sender, callback_url=connector.inbound_url)
        answers = {}
        if result.ok and isinstance(result.data, dict):
            answers = {str(item.get('id')): item for item in result.data.get('results') or [] if isinstance(item, dict)}
        elif not result.ok:
            _logger.warning("SMS gateway %s refused a batch of %s SMS: %s", connector.code, len(numbers), result.error)
        results = []
        for uuid, _number, _text in numbers:
            answer = answers.get(uuid)
            if answer is None:
                results.append({'uuid': uuid, 'state': 'server_error',
                                'failure_reason': result.error or self.env._("The gateway did not answer for this SMS.")})
            elif answer.get('status') in ACCEPTED:
                results.append({'uuid': uuid, 'state': 'success'})
            else:
                results.append({'uuid': uuid, 'state': str(answer.get('status') or 'server_error'),
                                'failure_reason': answer.get('message') or False})
        return results
