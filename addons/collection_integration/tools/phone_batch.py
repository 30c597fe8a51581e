"""Phone numbers of a whole extract checked quickly (no ORM here).

``collection_base.tools.phone.format_e164`` parses each number in full (about 55 µs). Most
numbers a core-banking system sends are already in E.164 (``+`` and digits): for those,
:func:`format_e164_fast` finds the country calling code and the national number the way
``phonenumbers.parse`` does and only asks ``phonenumbers`` whether the number is valid (about
8 µs). Whatever ``parse`` might read differently (a national prefix or a leading
zero after the country code) and any other spelling go through ``format_e164``: the result is
the same for every input.
"""
import re
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from odoo.addons.collection_base.tools.phone import format_e164

E164_SHAPE = re.compile(r'\+([1-9][0-9]{6,14})\Z')


@cache
def _national_prefix_pattern(country_code):
    """The pattern of national prefixes ``parse`` strips for ``country_code``, or None."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    prefix = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(prefix) if prefix else None


def format_e164_fast(number, country_code=None):
    """``format_e164(number, country_code)``, faster for numbers written in E.164."""
    match = E164_SHAPE.match(number) if number else None
    if not match:
        return format_e164(number, country_code)
    digits = match.group(1)
    for size in (1, 2, 3):
        calling_code = int(digits[:size])
        if calling_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return format_e164(number, country_code)
    national = digits[size:]
    prefix = _national_prefix_pattern(calling_code)
    if len(national) < 2 or national[0] == '0' or (prefix and prefix.match(national)):
        return format_e164(number, country_code)
    parsed = PhoneNumber(country_code=calling_code, national_number=int(national))
    return number if _is_valid(parsed) else False


def _is_valid(parsed):
    """``phonenumbers.is_valid_number(parsed)``, without its second check when the first one
    already decided. ``is_valid_number`` finds the number's region, then checks the number
    against that region's patterns; for a calling code shared by several regions (+1: the US,
    Canada, the Caribbean), the region is found by checking the number against the patterns of
    each region that has no leading digits, so for those the second check repeats the first."""
    region = phonenumbers.region_code_for_number(parsed)
    if region is None:
        return False
    if len(COUNTRY_CODE_TO_REGION_CODE[parsed.country_code]) > 1 \
            and PhoneMetadata.metadata_for_region(region, None).leading_digits is None:
        return True
    return phonenumbers.is_valid_number_for_region(parsed, region)
