"""Client of a voice gateway that plays a recorded or synthesised message to lists of numbers
(plain Python, no ORM).

``POST <endpoint>/blasts`` ``{"blast": "<ref>", "message": "...", "audio": "<id>",
"callback_url": "...", "contacts": [{"id": "<line id>", "number": "+1..."}]}``, signed and with
the bearer token; any 2xx means accepted. Results come back to the callback URL.
"""
from .json_http import JsonHttpClient


class VoiceGatewayClient(JsonHttpClient):

    def push_blast(self, reference, contacts, message=None, audio=None, callback_url=None):
        payload = {'blast': reference, 'contacts': contacts}
        for key, value in (('message', message), ('audio', audio), ('callback_url', callback_url)):
            if value:
                payload[key] = value
        return self.post('blasts', payload)
