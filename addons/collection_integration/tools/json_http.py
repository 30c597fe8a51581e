"""A small JSON-over-HTTP client for the gateways and webhooks the suite calls (SMS gateway,
WhatsApp Cloud API, dialer, voice gateway, webhook subscribers). Plain Python: no ORM, the
caller passes the configuration in and gets a :class:`HttpResult` back, never an exception
for an HTTP or network failure.
"""
import json
import time
from dataclasses import dataclass, field

import requests

from .signature import sign_headers

RESPONSE_EXCERPT = 2000


@dataclass
class HttpResult:
    ok: bool
    status: int = 0                 # 0: no HTTP answer (connection refused, timeout, ...)
    data: object = None             # the decoded JSON answer, when there is one
    text: str = ''                  # the start of the raw answer, for logs
    error: str = ''                 # why it failed, for logs and users
    duration: float = 0.0           # seconds
    headers: dict = field(default_factory=dict)


class JsonHttpClient:
    """POST JSON documents to ``base_url``; optionally signed (``secret``) and authenticated
    with a bearer ``token``."""

    user_agent = 'Odoo-Collection/19.0'

    def __init__(self, base_url, token=None, secret=None, timeout=10, session=None):
        self.base_url = (base_url or '').rstrip('/')
        self.token = token
        self.secret = secret
        self.timeout = timeout
        self.session = session or requests.Session()

    def url(self, path=''):
        if not path:
            return self.base_url
        return f"{self.base_url}/{path.lstrip('/')}"

    def post(self, path, payload, headers=None):
        body = json.dumps(payload, separators=(',', ':'), default=str).encode()
        all_headers = {'Content-Type': 'application/json', 'User-Agent': self.user_agent}
        if self.token:
            all_headers['Authorization'] = f'Bearer {self.token}'
        if self.secret:
            all_headers.update(sign_headers(self.secret, body))
        all_headers.update(headers or {})
        return self._send('POST', self.url(path), body, all_headers)

    def _send(self, method, url, body, headers):
        if not url.startswith(('http://', 'https://')):
            return HttpResult(False, error=f"not an http(s) URL: {url!r}")
        started = time.monotonic()
        try:
            response = self.session.request(method, url, data=body, headers=headers, timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            return HttpResult(False, error=f"{type(exc).__name__}: {exc}", duration=time.monotonic() - started)
        duration = time.monotonic() - started
        text = response.text[:RESPONSE_EXCERPT]
        try:
            data = response.json()
        except ValueError:
            data = None
        error = '' if response.ok else f"HTTP {response.status_code}: {text[:300]}"
        return HttpResult(response.ok, response.status_code, data, text, error, duration, dict(response.headers))
