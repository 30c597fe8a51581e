"""Photos taken in the field: check they are images, fingerprint them, read their EXIF.

Plain Python on bytes (Pillow), no ORM.
"""
import hashlib
import io
from datetime import datetime

from PIL import Image, UnidentifiedImageError

EXIF_IFD_POINTER = 0x8769
GPS_IFD_POINTER = 0x8825
TAG_DATETIME = 0x0132
TAG_DATETIME_ORIGINAL = 0x9003
ALLOWED_FORMATS = {'JPEG', 'PNG', 'WEBP', 'HEIF', 'GIF', 'MPO'}


class NotAnImage(ValueError):
    """The bytes are not an image Pillow can read."""


def sha256_hex(raw):
    return hashlib.sha256(raw or b'').hexdigest()


def inspect_image(raw):
    """Check that ``raw`` is an image and read what matters for evidence.

    :return: dict with ``format``, ``width``, ``height``, ``sha256``, ``latitude``,
        ``longitude`` (from EXIF GPS, or None) and ``taken`` (naive datetime from EXIF, or None)
    :raise NotAnImage: when the bytes are not a readable image
    """
    if not raw:
        raise NotAnImage("empty file")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image_format = image.format
            width, height = image.size
            exif = image.getexif()
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise NotAnImage(str(exc) or "unreadable image") from exc
    if image_format not in ALLOWED_FORMATS:
        raise NotAnImage(f"unsupported image format {image_format}")
    latitude, longitude = _gps_position(exif)
    return {
        'format': image_format,
        'width': width,
        'height': height,
        'sha256': sha256_hex(raw),
        'latitude': latitude,
        'longitude': longitude,
        'taken': _taken(exif),
    }


def _rational(value):
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        numerator, denominator = value
        return float(numerator) / float(denominator)


def _dms_to_degrees(dms, ref):
    degrees, minutes, seconds = (_rational(part) for part in dms)
    value = degrees + minutes / 60.0 + seconds / 3600.0
    return -value if ref in ('S', 'W', b'S', b'W') else value


def _gps_position(exif):
    try:
        gps = exif.get_ifd(GPS_IFD_POINTER)
    except (KeyError, ValueError, TypeError):
        return None, None
    # GPS tags: 1 latitude ref, 2 latitude, 3 longitude ref, 4 longitude
    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    try:
        latitude = _dms_to_degrees(gps[2], gps.get(1, 'N'))
        longitude = _dms_to_degrees(gps[4], gps.get(3, 'E'))
    except (TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None, None
    return round(latitude, 7), round(longitude, 7)


def _taken(exif):
    value = None
    try:
        value = exif.get_ifd(EXIF_IFD_POINTER).get(TAG_DATETIME_ORIGINAL)
    except (KeyError, ValueError, TypeError):
        pass
    value = value or exif.get(TAG_DATETIME)
    if not value:
        return None
    try:
        return datetime.strptime(str(value).strip('\x00 '), '%Y:%m:%d %H:%M:%S')
    except ValueError:
        return None
