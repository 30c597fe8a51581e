"""Client of a generic HTTP SMS gateway (plain Python, no ORM).

The protocol (docs/integration.md, "SMS gateway"): ``POST <endpoint>`` a JSON document

    {"sender": "LENDER", "callback_url": "https://.../collection/sms/status/7",
     "messages": [{"id": "<uuid>", "to": "+12025550101", "text": "..."}]}

authenticated with ``Authorization: Bearer <token>`` and signed like every request of the suite;
the gateway answers ``{"results": [{"id": "<uuid>", "status": "accepted" | "<error code>",
"message": "..."}]}`` and later posts delivery reports to the callback URL.
"""
from .json_http import JsonHttpClient


class SmsGatewayClient(JsonHttpClient):

    def send(self, messages, sender=None, callback_url=None):
        """Submit ``messages`` (``[{'id', 'to', 'text'}]``); returns the :class:`HttpResult`."""
        payload = {'messages': messages}
        if sender:
            payload['sender'] = sender
        if callback_url:
            payload['callback_url'] = callback_url
        return self.post('', payload)
