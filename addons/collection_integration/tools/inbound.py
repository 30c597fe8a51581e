"""What the inbound endpoints share: the structured error and field readers that turn a JSON
document into checked Python values. Plain Python, no ORM."""
import datetime
import re
from decimal import Decimal, InvalidOperation


class InboundError(Exception):
    """A request that cannot be applied, answered as

    ``{"error": {"code": ..., "field": ..., "message": ...}}`` with HTTP ``status``.
    """

    def __init__(self, status, code, message, field=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def to_dict(self):
        error = {'code': self.code, 'message': self.message}
        if self.field:
            error['field'] = self.field
        return {'error': error}


def invalid(field, message, code='invalid_field'):
    return InboundError(400, code, message, field=field)


def read_str(payload, field, required=True, max_length=200, pattern=None):
    value = payload.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(field, f"'{field}' is required.", code='missing_field')
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise invalid(field, f"'{field}' must be a string.")
    value = str(value).strip()
    if len(value) > max_length:
        raise invalid(field, f"'{field}' is longer than {max_length} characters.")
    if pattern and not re.fullmatch(pattern, value):
        raise invalid(field, f"'{field}' has an unexpected format.")
    return value


def read_choice(payload, field, choices, required=True, default=None):
    value = read_str(payload, field, required=required and default is None)
    if value is None:
        return default
    if value not in choices:
        raise invalid(field, f"'{field}' must be one of {', '.join(sorted(choices))}, not {value!r}.")
    return value


def read_amount(payload, field, required=True, positive=True):
    """A decimal amount given as a JSON number or a string ("150.00"); floats are read
    through their decimal text so that 0.1 stays 0.1."""
    value = payload.get(field)
    if value is None or value == '':
        if required:
            raise invalid(field, f"'{field}' is required.", code='missing_field')
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid(field, f"'{field}' must be a number or a decimal string.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(field, f"'{field}' is not a number: {str(value)[:40]!r}.") from None
    if not amount.is_finite():
        raise invalid(field, f"'{field}' must be a finite number.")
    if positive and amount <= 0:
        raise invalid(field, f"'{field}' must be greater than zero.")
    return float(amount)


def read_int(payload, field, required=True, minimum=None):
    value = payload.get(field)
    if value is None or value == '':
        if required:
            raise invalid(field, f"'{field}' is required.", code='missing_field')
        return None
    if isinstance(value, bool):
        raise invalid(field, f"'{field}' must be an integer.")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise invalid(field, f"'{field}' must be an integer.") from None
    if minimum is not None and number < minimum:
        raise invalid(field, f"'{field}' must be at least {minimum}.")
    return number


def read_datetime(payload, field, required=True):
    """An ISO 8601 date or date-time; returns a naive UTC datetime (a date means midnight UTC)."""
    value = payload.get(field)
    if value in (None, ''):
        if required:
            raise invalid(field, f"'{field}' is required.", code='missing_field')
        return None
    if not isinstance(value, str):
        raise invalid(field, f"'{field}' must be an ISO 8601 date or date-time string.")
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.datetime.combine(datetime.date.fromisoformat(text), datetime.time())
        moment = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise invalid(field, f"'{field}' is not an ISO 8601 date or date-time: {text[:40]!r}.") from None
    if moment.tzinfo:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def read_batch(payload, key, limit=1000):
    """The items of a request that carries one item, or several as ``{key: [...]}``."""
    items = payload.get(key) if key in payload else [payload]
    if not isinstance(items, list) or not items or len(items) > limit:
        raise invalid(key, f"'{key}' must be a list of 1 to {limit} objects.")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid(f'{key}[{index}]', f"Each item of '{key}' must be an object.")
    return items
