"""Client of the WhatsApp Business Cloud API (Meta's Graph API), template messages only.
Plain Python, no ORM."""
from .json_http import JsonHttpClient

DEFAULT_GRAPH_URL = 'https://graph.facebook.com'


class WhatsAppCloudClient(JsonHttpClient):
    """``POST {graph}/{version}/{phone_number_id}/messages`` with the access token as bearer."""

    def __init__(self, phone_number_id, token, base_url=None, version='v21.0', timeout=10, session=None):
        super().__init__(f"{(base_url or DEFAULT_GRAPH_URL).rstrip('/')}/{version}/{phone_number_id}",
                         token=token, timeout=timeout, session=session)

    def send_template(self, to, template, language, body_params=()):
        """Send the approved ``template``; ``to`` in E.164. Returns ``(wamid or None, HttpResult)``."""
        payload = {
            'messaging_product': 'whatsapp',
            'recipient_type': 'individual',
            'to': to.lstrip('+'),
            'type': 'template',
            'template': {'name': template, 'language': {'code': language}},
        }
        if body_params:
            payload['template']['components'] = [{
                'type': 'body', 'parameters': [{'type': 'text', 'text': str(value)} for value in body_params],
            }]
        result = self.post('messages', payload)
        wamid = None
        if result.ok and isinstance(result.data, dict):
            messages = result.data.get('messages') or [{}]
            wamid = messages[0].get('id')
        elif isinstance(result.data, dict) and isinstance(result.data.get('error'), dict):
            error = result.data['error']
            result.error = f"{error.get('code', result.status)}: {error.get('message', result.error)}"
        return wamid, result
