"""File-like adapters between Python iterables and PostgreSQL ``COPY`` (no ORM here)."""
import codecs
import csv
import io
from itertools import islice


class RowsAsCsv:
    """A readable file for ``cursor.copy_expert('COPY ... FROM STDIN WITH (FORMAT csv)')``.

    Pulls rows from ``rows`` lazily and hands them to PostgreSQL as CSV text, a few thousand
    rows at a time, so that a file of any size streams through a constant amount of memory.
    ``None`` becomes an unquoted empty field, which COPY reads as NULL.
    """

    def __init__(self, rows, batch_rows=4000):
        self._rows = iter(rows)
        self._batch_rows = batch_rows
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator='\n')
        self.row_count = 0

    def read(self, size=-1):
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        chunk = list(islice(self._rows, self._batch_rows))
        if not chunk:
            return ''
        self.row_count += len(chunk)
        self._writer.writerows(chunk)
        return buffer.getvalue()



class TextRowSink:
    """A writable file for ``cursor.copy_expert('COPY (...) TO STDOUT')`` (text format) that
    hands each row to ``callback`` as a list of values (``None`` for NULL)."""

    _ESCAPES = {'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f', 'v': '\v'}

    def __init__(self, callback):
        self._callback = callback
        self._pending = ''
        self._decoder = codecs.getincrementaldecoder('utf-8')()

    def write(self, data):
        if isinstance(data, bytes):
            data = self._decoder.decode(data)
        text = self._pending + data
        lines = text.split('\n')
        self._pending = lines.pop()
        for line in lines:
            self._callback([self._unescape(value) for value in line.split('\t')])
        return len(data)

    @classmethod
    def _unescape(cls, value):
        if value == '\\N':
            return None
        if '\\' not in value:
            return value
        out, chars = [], iter(value)
        for char in chars:
            if char == '\\':
                nxt = next(chars, '')
                out.append(cls._ESCAPES.get(nxt, nxt))
            else:
                out.append(char)
        return ''.join(out)
