"""Phone number helpers shared by the collection addons (no ORM here)."""
import phonenumbers


def format_e164(number, country_code=None):
    """Parse ``number`` (national or international) and return it in E.164, or False."""
    if not number:
        return False
    try:
        parsed = phonenumbers.parse(number, (country_code or '').upper() or None)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(parsed):
        return False
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
