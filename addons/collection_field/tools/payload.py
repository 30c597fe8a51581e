"""Reading what devices send: times, numbers and identifiers, with one clear error per field.

Plain Python, no ORM. ``ItemError`` carries the field and the reason that the endpoints
return to the device (HTTP 400 for the item, the valid items of the batch being kept). The
field is the key the device sent (a code); the reason is translatable text, translated in
the language of the user who sent the item.
"""
import math
from datetime import datetime, timezone

from odoo.tools.translate import LazyGettext, LazyTranslate

_lt = LazyTranslate(__name__)

MAX_CLIENT_ID_LENGTH = 64


class ItemError(ValueError):
    """An invalid item: ``field`` (the key in the device's item) and ``reason`` (translated
    text, or a lazy translation as made by ``_lt``)."""

    def __init__(self, field, reason):
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self):
        return f"{self.field}: {self.reason}"

    def get_reason(self, env=None):
        """The reason, translated in ``env``'s language (else the request's)."""
        if isinstance(self.reason, LazyGettext) and env is not None:
            return env._(self.reason)
        return str(self.reason)

    def as_dict(self, index=None, client_id=None, env=None):
        result = {'field': self.field, 'reason': self.get_reason(env)}
        if index is not None:
            result['index'] = index
        if client_id is not None:
            result['client_id'] = client_id
        return result


def parse_client_id(item, field='client_id'):
    value = item.get(field)
    if value is None or value == '':
        raise ItemError(field, _lt("is required"))
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ItemError(field, _lt("must be a string"))
    value = str(value)
    if len(value) > MAX_CLIENT_ID_LENGTH:
        raise ItemError(field, _lt("is longer than %(max)s characters", max=MAX_CLIENT_ID_LENGTH))
    return value


def parse_number(item, field, required=True, minimum=None, maximum=None):
    value = item.get(field)
    if value is None:
        if required:
            raise ItemError(field, _lt("is required"))
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ItemError(field, _lt("must be a number")) from None
        else:
            raise ItemError(field, _lt("must be a number"))
    value = float(value)
    if not math.isfinite(value):
        raise ItemError(field, _lt("must be a finite number"))
    if minimum is not None and value < minimum:
        raise ItemError(field, _lt("must be at least %(minimum)s (got %(value)s)",
                                   minimum=f"{minimum:g}", value=f"{value:g}"))
    if maximum is not None and value > maximum:
        raise ItemError(field, _lt("must be at most %(maximum)s (got %(value)s)",
                                   maximum=f"{maximum:g}", value=f"{value:g}"))
    return value


def parse_position(item):
    """(latitude, longitude, accuracy) of an item; accuracy is required."""
    latitude = parse_number(item, 'latitude', minimum=-90.0, maximum=90.0)
    longitude = parse_number(item, 'longitude', minimum=-180.0, maximum=180.0)
    accuracy = parse_number(item, 'accuracy', minimum=0.0)
    return latitude, longitude, accuracy


def parse_time(item, field, now, future_tolerance, required=True):
    """Naive UTC datetime (second precision) from ISO 8601 text or epoch seconds/milliseconds.

    Times later than ``now`` by more than ``future_tolerance`` seconds are refused.
    """
    value = item.get(field)
    if value is None or value == '':
        if required:
            raise ItemError(field, _lt("is required"))
        return None
    if isinstance(value, bool):
        raise ItemError(field, _lt("must be an ISO 8601 date-time or epoch milliseconds"))
    try:
        if isinstance(value, (int, float)):
            seconds = value / 1000.0 if abs(value) > 1e11 else float(value)
            moment = datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
        elif isinstance(value, str):
            text = value.strip().replace('Z', '+00:00')
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is not None:
                moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        else:
            raise TypeError
    except (TypeError, ValueError, OverflowError, OSError):
        raise ItemError(field, _lt("must be an ISO 8601 date-time or epoch milliseconds")) from None
    moment = moment.replace(microsecond=0)
    if (moment - now).total_seconds() > future_tolerance:
        raise ItemError(field, _lt("is in the future (%(time)s UTC, server time %(now)s UTC)",
                                   time=moment.isoformat(), now=now.isoformat()))
    if moment.year < 2000:
        raise ItemError(field, _lt("is too far in the past (%(time)s)", time=moment.isoformat()))
    return moment


def parse_bool(item, field):
    value = item.get(field, False)
    if value in (None, ''):
        return False
    if not isinstance(value, (bool, int)):
        raise ItemError(field, _lt("must be true or false"))
    return bool(value)
