"""HMAC-SHA256 signatures of HTTP bodies, for what comes in (payments, call records, delivery
reports) and what goes out (webhooks, gateway calls). Plain Python, no ORM.

The scheme (documented in docs/integration.md):

* ``X-Collection-Timestamp``: the Unix time (seconds) at which the sender signed;
* ``X-Collection-Signature``: ``sha256=<hex>``, the HMAC-SHA256 with the shared secret of
  ``<timestamp>.<raw body>``.

The timestamp is part of what is signed, so a captured request cannot be replayed later with a
new timestamp, and a receiver refuses timestamps outside its window.
"""
import hashlib
import hmac
import time

TIMESTAMP_HEADER = 'X-Collection-Timestamp'
SIGNATURE_HEADER = 'X-Collection-Signature'
SCHEME = 'sha256='


class SignatureError(Exception):
    """A request whose signature does not hold; ``code`` is stable, for API clients."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _as_bytes(value):
    return value if isinstance(value, bytes) else str(value).encode()


def compute_signature(secret, timestamp, body):
    """Hex HMAC-SHA256 of ``<timestamp>.<body>`` with ``secret``."""
    message = _as_bytes(str(int(timestamp))) + b'.' + _as_bytes(body)
    return hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()


def sign_headers(secret, body, timestamp=None):
    """The two headers that sign ``body`` now (or at ``timestamp``)."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: SCHEME + compute_signature(secret, timestamp, body),
    }


def verify_signature(secret, body, timestamp, signature, window, now=None):
    """Check a signed request; raise :class:`SignatureError` when it must be refused.

    :param window: seconds the timestamp may differ from ``now``, either way
    """
    if not secret:
        raise SignatureError('not_configured', "The endpoint has no signing secret configured.")
    if not timestamp or not signature:
        raise SignatureError(
            'missing_signature', f"The {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required.")
    try:
        stamp = int(timestamp)
    except ValueError:
        raise SignatureError('bad_timestamp', f"{TIMESTAMP_HEADER} must be a Unix time in seconds.") from None
    given = signature[len(SCHEME):] if signature.startswith(SCHEME) else signature
    expected = compute_signature(secret, stamp, body)
    # the signature first: a forged request learns nothing about the window
    if not hmac.compare_digest(given.strip().lower(), expected):
        raise SignatureError('bad_signature', "The signature does not match the body.")
    now = time.time() if now is None else now
    if abs(now - stamp) > window:
        raise SignatureError(
            'timestamp_outside_window',
            f"The request was signed {int(now - stamp)} s ago; the window is {int(window)} s (replay refused).")


def verify_meta_signature(app_secret, body, header):
    """Meta's (WhatsApp Cloud API) webhook signature: ``X-Hub-Signature-256: sha256=<hex>``,
    the HMAC-SHA256 of the raw body with the app secret (no timestamp).

    A captured request therefore stays valid: nothing here refuses a replay. The webhook's
    statuses are idempotent instead (``collection.whatsapp.message._receive_webhook``)."""
    if not app_secret:
        raise SignatureError('not_configured', "The endpoint has no app secret configured.")
    if not header or not header.startswith(SCHEME):
        raise SignatureError('missing_signature', "The X-Hub-Signature-256 header is required.")
    expected = hmac.new(_as_bytes(app_secret), _as_bytes(body), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(header[len(SCHEME):].strip().lower(), expected):
        raise SignatureError('bad_signature', "The signature does not match the body.")
