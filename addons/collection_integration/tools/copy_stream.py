"""File-like adapters between Python iterables and PostgreSQL ``COPY`` (no ORM here)."""
import csv
import io
import re
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



class CsvBodyStream:
    """The data lines of an extract CSV file, as they are, for ``COPY ... FROM STDIN (FORMAT csv)``.

    ``handle`` is the file opened in binary mode, at its first data line. The stream ends before
    the line that starts with ``#TRAILER`` (kept in ``trailer_line``, what follows it in
    ``rest``). It checks on the way that PostgreSQL reads the lines as Python's ``csv`` module
    does; when it cannot tell, it stops and says why in ``refused`` (the caller then reads the
    file the slow way):

    * each record must be on one line (``lines`` counts them, to compare with COPY's count:
      a quoted line break would shift the line numbers of the rejects);
    * a quote must open and close a whole field (``"a, b"``): ``csv`` takes ``a"b`` or ``x "y"``
      as they are, COPY reads quotes anywhere in a field, or fails.
    """

    TRAILER = b'#TRAILER'

    def __init__(self, handle, delimiter=',', chunk_size=1 << 20):
        self.handle = handle
        self.chunk_size = chunk_size
        self.lines = 0
        self.trailer_line = None
        self.rest = b''
        self.refused = None
        self._pending = b''
        self._done = False
        sep = re.escape(delimiter.encode())
        field = rb'(?:[^"' + sep + rb'\r\n]*|"(?:[^"]|"")*")'
        self._line_re = re.compile(field + rb'(?:' + sep + field + rb')*\r?')

    def read(self, size=-1):
        while not self._done:
            data = self.handle.read(self.chunk_size)
            buffer = self._pending + data
            if data:
                cut = buffer.rfind(b'\n') + 1
                body, self._pending = buffer[:cut], buffer[cut:]
            else:
                body, self._pending = buffer, b''
                self._done = True
            trailer = 0 if body.startswith(self.TRAILER) else body.find(b'\n' + self.TRAILER) + 1
            if trailer > 0 or body.startswith(self.TRAILER):
                end = body.find(b'\n', trailer)
                self.trailer_line = body[trailer:] if end < 0 else body[trailer:end]
                self.rest = (b'' if end < 0 else body[end + 1:]) + self._pending + self.handle.read()
                body = body[:trailer]
                self._done = True
            if body and not body.endswith(b'\n'):
                self.refused = "the last line has no line end"
            elif b'"' in body and not all(self._line_re.fullmatch(line) for line in body.split(b'\n')[:-1]
                                          if b'"' in line):
                self.refused = "quotes inside fields"
            if self.refused:
                self._done = True
                return b''
            if body:
                self.lines += body.count(b'\n')
                return body
        return b''
