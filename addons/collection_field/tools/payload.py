"""Reading what devices send: times, numbers and identifiers, with one clear error per field.

Plain Python, no ORM. ``ItemError`` carries the field and the reason that the endpoints
return to the device (HTTP 400 for the item, the valid items of the batch being kept).
"""
import math
from datetime import datetime, timezone

MAX_CLIENT_ID_LENGTH = 64


class ItemError(ValueError):
    def __init__(self, field, reason):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self, index=None, client_id=None):
        result = {'field': self.field, 'reason': self.reason}
        if index is not None:
            result['index'] = index
        if client_id is not None:
            result['client_id'] = client_id
        return result


def parse_client_id(item, field='client_id'):
    value = item.get(field)
    if value is None or value == '':
        raise ItemError(field, "is required")
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ItemError(field, "must be a string")
    value = str(value)
    if len(value) > MAX_CLIENT_ID_LENGTH:
        raise ItemError(field, f"is longer than {MAX_CLIENT_ID_LENGTH} characters")
    return value


def parse_number(item, field, required=True, minimum=None, maximum=None):
    value = item.get(field)
    if value is None:
        if required:
            raise ItemError(field, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ItemError(field, "must be a number") from None
        else:
            raise ItemError(field, "must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise ItemError(field, "must be a finite number")
    if minimum is not None and value < minimum:
        raise ItemError(field, f"must be at least {minimum:g} (got {value:g})")
    if maximum is not None and value > maximum:
        raise ItemError(field, f"must be at most {maximum:g} (got {value:g})")
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
            raise ItemError(field, "is required")
        return None
    if isinstance(value, bool):
        raise ItemError(field, "must be an ISO 8601 date-time or epoch milliseconds")
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
        raise ItemError(field, "must be an ISO 8601 date-time or epoch milliseconds") from None
    moment = moment.replace(microsecond=0)
    if (moment - now).total_seconds() > future_tolerance:
        raise ItemError(field, f"is in the future ({moment.isoformat()} UTC, server time {now.isoformat()} UTC)")
    if moment.year < 2000:
        raise ItemError(field, f"is too far in the past ({moment.isoformat()})")
    return moment


def parse_bool(item, field):
    value = item.get(field, False)
    if value in (None, ''):
        return False
    if not isinstance(value, (bool, int)):
        raise ItemError(field, "must be true or false")
    return bool(value)
