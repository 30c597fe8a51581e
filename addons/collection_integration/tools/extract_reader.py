"""Streaming readers of extract files: CSV, JSON Lines and XML (no ORM here).

Every file has a header (source, record type, FULL or DELTA, as-of time, sequence), data records
and a trailer of control totals; the layout is documented in ``docs/extract-format.md``.
Readers never hold the file in memory: ``records()`` yields one record at a time as
``(line_no, parse_error, values)`` where ``values`` is aligned on the columns asked for.
Problems that make the whole file unusable (no header, not in the expected encoding, broken XML,
data after the trailer) raise :class:`ExtractError`; a single unreadable record is yielded with
its ``parse_error`` so that the other records still load. ``trailer`` is ``None`` until the
reader reached it, and stays ``None`` for a truncated file.

The messages of :class:`ExtractError` are lazy translations (``_lt``, with their values): the
code that shows them renders them in the user's language with ``error.text(env)``.
"""
import codecs
import csv
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from operator import itemgetter

from lxml import etree

from odoo.tools.translate import LazyGettext, LazyTranslate

HEADER_MARK = '#HEADER'
TRAILER_MARK = '#TRAILER'
EXTRACT_TYPES = ('FULL', 'DELTA')
FILE_SUFFIXES = {'.csv': 'csv', '.json': 'json', '.jsonl': 'json', '.ndjson': 'json', '.xml': 'xml'}

# no environment here: the messages are translated where they are shown (LazyMessageError.text)
_lt = LazyTranslate(__name__, default_lang='en_US')


class LazyMessageError(Exception):
    """An error raised by code without an environment (the readers, the SOAP client), whose
    ``message`` is a lazy translation holding its values (or a text translated already).
    ``text(env)`` renders it in the language of ``env``; ``str()`` in the language found (a
    request's), else in English."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def _lazy_text(self):
        return self.message

    def text(self, env=None):
        """The message in the language of ``env`` (the user's), placeholders filled."""
        message = self._lazy_text()
        if isinstance(message, LazyGettext):
            return env._(message) if env is not None else str(message)
        return message

    def __str__(self):
        return self.text()


class ExtractError(LazyMessageError):
    """The file cannot be loaded at all."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.line = line

    def _lazy_text(self):
        return _lt("line %(line)s: %(message)s", line=self.line, message=self.message) if self.line else self.message


@dataclass
class ExtractHeader:
    source: str
    record_type: str
    extract_type: str
    as_of: datetime
    sequence: int | None = None


@dataclass
class ExtractTrailer:
    record_count: int
    totals: dict = field(default_factory=dict)  # currency code (or '*') -> Decimal


def parse_timestamp(value, line=None):
    """ISO 8601 date-time (``Z`` or offset allowed) -> naive UTC datetime."""
    text = (value or '').strip()
    try:
        stamp = datetime.fromisoformat(text.replace('Z', '+00:00').replace('z', '+00:00'))
    except ValueError:
        raise ExtractError(_lt("as_of %(value)s is not an ISO 8601 date-time", value=repr(text)), line) from None
    if stamp.tzinfo:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    return stamp


def make_header(values, line=None):
    """Build the header from its key/value pairs, checking each of them."""
    values = {str(k).strip().lower(): ('' if v is None else str(v).strip()) for k, v in values.items()}
    missing = [key for key in ('source', 'record_type', 'extract', 'as_of') if not values.get(key)]
    if missing:
        raise ExtractError(_lt("header without %(keys)s", keys=", ".join(missing)), line)
    extract_type = values['extract'].upper()
    if extract_type not in EXTRACT_TYPES:
        raise ExtractError(_lt("extract type %(value)s is neither FULL nor DELTA", value=repr(values['extract'])), line)
    sequence = values.get('sequence')
    if sequence and not sequence.isdigit():
        raise ExtractError(_lt("sequence %(value)s is not a number", value=repr(sequence)), line)
    return ExtractHeader(
        source=values['source'].upper(),
        record_type=values['record_type'].upper(),
        extract_type=extract_type,
        as_of=parse_timestamp(values['as_of'], line),
        sequence=int(sequence) if sequence else None,
    )


def make_trailer(count, totals, line=None):
    try:
        record_count = int(str(count).strip())
    except (TypeError, ValueError):
        raise ExtractError(_lt("trailer record count %(value)s is not a number", value=repr(count)), line) from None
    parsed = {}
    for currency, amount in (totals or {}).items():
        try:
            parsed[(currency or '*').strip().upper() or '*'] = Decimal(str(amount).strip())
        except InvalidOperation:
            raise ExtractError(_lt("trailer total %(value)s of %(currency)s is not a number", value=repr(amount),
                                   currency=currency or _lt("the file")), line) from None
    return ExtractTrailer(record_count=record_count, totals=parsed)


def find_undecodable_line(path, encoding):
    """(line number, what does not decode in it) of the first line that does not decode, for the
    error message."""
    decoder_factory = codecs.getincrementaldecoder(encoding)
    with open(path, 'rb') as handle:
        for line_no, raw in enumerate(handle, 1):
            try:
                decoder_factory().decode(raw, final=True)
            except UnicodeDecodeError as error:
                return line_no, _lt("byte %(byte)s at column %(column)s",
                                    byte=f"0x{raw[error.start]:02x}", column=error.start + 1)
    return None, ""


class ExtractReader:
    """Base reader. Use as a context manager; call ``header`` first, then ``records()``."""

    kind = None

    def __init__(self, path, encoding='utf-8', delimiter=','):
        self.path = path
        self.name = os.path.basename(path)
        self.encoding = encoding or 'utf-8'
        self.delimiter = delimiter or ','
        self.header = None
        self.trailer = None
        self.columns = None  # known up front for CSV only
        self.record_count = 0
        self._handle = None

    @classmethod
    def for_path(cls, path, **kwargs):
        suffix = os.path.splitext(path)[1].lower()
        kind = FILE_SUFFIXES.get(suffix)
        if not kind:
            raise ExtractError(_lt("unknown file type %(suffix)s (expected .csv, .json, .jsonl or .xml)",
                                   suffix=repr(suffix)))
        reader_class = next(sub for sub in cls.__subclasses__() if sub.kind == kind)
        return reader_class(path, **kwargs)

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

    def open(self):
        raise NotImplementedError

    def close(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def records(self, columns):
        raise NotImplementedError

    def _decode_error(self, error):
        line_no, detail = find_undecodable_line(self.path, self.encoding)
        return ExtractError(_lt(
            "the file is not valid %(encoding)s (%(detail)s); re-export it in that encoding or set the "
            "connector's encoding", encoding=self.encoding.upper(), detail=detail or error.reason), line_no)

    def _text_lines(self):
        encoding = 'utf-8-sig' if self.encoding.lower().replace('_', '-') in ('utf-8', 'utf8') else self.encoding
        return open(self.path, encoding=encoding, errors='strict', newline='')


class CsvExtractReader(ExtractReader):
    """``#HEADER,key=value,...`` line, a line of column names, records, ``#TRAILER,...`` line."""

    kind = 'csv'

    def open(self):
        self._handle = self._text_lines()
        self._reader = csv.reader(self._handle, delimiter=self.delimiter)
        try:
            first = next(self._reader, None)
            if not first or first[0].strip().upper() != HEADER_MARK:
                raise ExtractError(_lt("the first line must be the %(mark)s record", mark=HEADER_MARK), 1)
            self.header = make_header(self._pairs(first[1:], 1), 1)
            names = next(self._reader, None)
            if not names or names[0].strip().upper() == TRAILER_MARK:
                raise ExtractError(_lt("the second line must list the column names"), 2)
        except UnicodeDecodeError as error:
            raise self._decode_error(error) from None
        except csv.Error as error:
            raise ExtractError(_lt("malformed CSV: %(error)s", error=str(error)), self._reader.line_num) from None
        self.columns = [name.strip().upper() for name in names]
        self._ncols = len(self.columns)
        self.header_lines = self._reader.line_num  # physical lines before the data

    @staticmethod
    def _pairs(cells, line):
        pairs = {}
        for cell in cells:
            key, sep, value = cell.partition('=')
            if not sep:
                raise ExtractError(_lt("%(cell)s is not a key=value pair", cell=repr(cell)), line)
            pairs[key.strip().lower()] = value
        return pairs

    @classmethod
    def parse_trailer(cls, row, line):
        """The trailer of the ``#TRAILER`` row ``row`` (its cells), found at ``line``."""
        pairs = cls._pairs(row[1:], line)
        totals = {key[len('total_'):]: value for key, value in pairs.items() if key.startswith('total_')}
        if 'total' in pairs:
            totals['*'] = pairs['total']
        return make_trailer(pairs.get('record_count'), totals, line)

    def records(self, columns):
        positions = [self.columns.index(c) if c in self.columns else None for c in columns]
        if all(p is not None for p in positions) and positions:
            pick = itemgetter(*positions)
            if len(positions) == 1:
                pick = (lambda single: lambda row: (single(row),))(pick)
        else:
            pick = (lambda pos: lambda row: tuple(None if p is None else row[p] for p in pos))(positions)
        ncols = self._ncols
        reader = self._reader
        empty = (None,) * len(columns)
        line_no = reader.line_num
        while True:
            start = line_no + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                raise self._decode_error(error) from None
            except csv.Error as error:
                line_no = reader.line_num
                self.record_count += 1
                yield start, f"malformed CSV: {error}", empty
                continue
            line_no = reader.line_num
            if not row:
                continue
            if row[0].strip().upper() == TRAILER_MARK:
                self.trailer = self.parse_trailer(row, start)
                try:
                    extra = next(reader, None)
                except (UnicodeDecodeError, csv.Error):
                    extra = ['?']
                if extra:
                    raise ExtractError(_lt("data after the trailer"), reader.line_num)
                return
            self.record_count += 1
            if len(row) != ncols:
                yield start, f"expected {ncols} fields, found {len(row)}", empty
                continue
            yield start, None, pick(row)


class JsonExtractReader(ExtractReader):
    """JSON Lines: ``{"header": {...}}``, one object per record, ``{"trailer": {...}}``."""

    kind = 'json'

    def open(self):
        self._handle = self._text_lines()
        try:
            first = self._handle.readline()
        except UnicodeDecodeError as error:
            raise self._decode_error(error) from None
        try:
            obj = json.loads(first)
        except ValueError:
            obj = None
        if not isinstance(obj, dict) or not isinstance(obj.get('header'), dict):
            raise ExtractError(_lt('the first line must be {"header": {...}}'), 1)
        self.header = make_header(obj['header'], 1)

    def records(self, columns):
        handle = self._handle
        empty = (None,) * len(columns)
        line_no = 1
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError as error:
                raise self._decode_error(error) from None
            if not line:
                return
            line_no += 1
            if not line.strip():
                continue
            try:
                obj = json.loads(line, parse_float=str, parse_int=str)
            except ValueError as error:
                self.record_count += 1
                yield line_no, f"invalid JSON: {error}", empty
                continue
            if not isinstance(obj, dict):
                self.record_count += 1
                yield line_no, "a record must be a JSON object", empty
                continue
            if 'trailer' in obj and len(obj) == 1:
                trailer = obj['trailer'] if isinstance(obj['trailer'], dict) else {}
                totals = dict(trailer.get('totals') or {})
                if trailer.get('total') is not None:
                    totals['*'] = trailer['total']
                self.trailer = make_trailer(trailer.get('record_count'), totals, line_no)
                rest = handle.read(4096)
                if rest.strip():
                    raise ExtractError(_lt("data after the trailer"), line_no + 1)
                return
            self.record_count += 1
            values = []
            error = None
            upper = {str(key).upper(): value for key, value in obj.items()}
            for column in columns:
                value = upper.get(column)
                if isinstance(value, (dict, list)):
                    error = f"{column} is not a single value"
                    value = None
                elif isinstance(value, bool):
                    value = 'true' if value else 'false'
                elif value is not None and '\x00' in value:
                    error = f"{column} contains a NUL character"
                    value = None
                values.append(value)
            yield line_no, error, (empty if error else tuple(values))


class XmlExtractReader(ExtractReader):
    """``<extract source=.. recordType=.. extract=.. asOf=.. sequence=..>``, ``<record>``
    elements whose children are the columns, and ``<trailer recordCount=..>`` with
    ``<total currency="..">`` children."""

    kind = 'xml'

    def open(self):
        self._events = etree.iterparse(
            self.path, events=('start', 'end'), huge_tree=True, resolve_entities=False, no_network=True)
        try:
            event, root = next(self._events)
        except etree.XMLSyntaxError as error:
            raise self._xml_error(error) from None
        if root.tag != 'extract':
            raise ExtractError(_lt("the root element must be <extract>"), root.sourceline)
        attrs = dict(root.attrib)
        self.header = make_header({
            'source': attrs.get('source'), 'record_type': attrs.get('recordType'),
            'extract': attrs.get('extract'), 'as_of': attrs.get('asOf'), 'sequence': attrs.get('sequence'),
        }, root.sourceline)
        self._root = root

    def close(self):
        self._events = None

    def _xml_error(self, error):
        line = error.lineno if getattr(error, 'lineno', None) else None
        message = str(error.msg if hasattr(error, 'msg') else error)
        if 'encoding' in message.lower() or 'utf-8' in message.lower():
            return ExtractError(_lt("the file is not valid in its declared encoding (%(error)s)", error=message), line)
        return ExtractError(_lt("malformed XML: %(error)s", error=message), line)

    def records(self, columns):
        empty = (None,) * len(columns)
        depth = 1
        try:
            for event, element in self._events:
                if event == 'start':
                    depth += 1
                    continue
                depth -= 1
                if depth != 1:
                    continue
                line_no = element.sourceline
                if self.trailer is not None:
                    raise ExtractError(_lt("data after the trailer"), line_no)
                if element.tag == 'trailer':
                    totals = {}
                    for total in element.iterfind('total'):
                        totals[total.get('currency') or '*'] = total.text
                    self.trailer = make_trailer(element.get('recordCount'), totals, line_no)
                elif element.tag == 'record':
                    self.record_count += 1
                    values = {child.tag.upper(): child.text for child in element if isinstance(child.tag, str)}
                    yield line_no, None, tuple(values.get(column) for column in columns) if columns else empty
                else:
                    raise ExtractError(_lt("unexpected element <%(tag)s>", tag=element.tag), line_no)
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
        except etree.XMLSyntaxError as error:
            raise self._xml_error(error) from None


def read_header(path, **kwargs):
    """The header of an extract file, reading only its first lines."""
    with ExtractReader.for_path(path, **kwargs) as reader:
        return reader.header
