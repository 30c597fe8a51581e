"""Write extract files in the documented format (no ORM here).

Used by the tests and the benchmark generator, and handy to produce sample files for a bank:
``write_extract(path, 'csv', 'T24', 'ARRANGEMENT', columns, rows, control=('OUTSTANDING', 'CURRENCY'))``
streams ``rows`` (an iterable of sequences aligned with ``columns``) to the file and ends it
with the trailer of control totals computed on the way.
"""
import csv
import json
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape, quoteattr

from .extract_reader import HEADER_MARK, TRAILER_MARK


def write_extract(path, fmt, source, record_type, columns, rows, extract='FULL', as_of='2025-01-31T22:00:00Z',
                  sequence=None, control=None, trailer=True, count=None, totals=None, encoding='utf-8'):
    """Write the file and return (record count, totals).

    :param control: (amount column, currency column or None) summed into the trailer.
    :param trailer: False writes no trailer (a truncated file, for tests).
    :param count, totals: override the trailer's figures (a wrong trailer, for tests).
    """
    amount_index = currency_index = None
    if control:
        amount_index = columns.index(control[0])
        currency_index = columns.index(control[1]) if control[1] else None
    sums = {}
    written = 0

    def account(row):
        nonlocal written
        written += 1
        if amount_index is None:
            return
        try:
            amount = Decimal(str(row[amount_index]))
        except (InvalidOperation, TypeError):
            return
        key = str(row[currency_index]).upper() if currency_index is not None else '*'
        sums[key] = sums.get(key, Decimal(0)) + amount

    header = {'source': source, 'record_type': record_type, 'extract': extract, 'as_of': as_of}
    if sequence is not None:
        header['sequence'] = sequence
    writer = {'csv': _write_csv, 'json': _write_json, 'xml': _write_xml}[fmt]
    with open(path, 'w', encoding=encoding, newline='') as handle:
        writer(handle, header, columns, rows, account, trailer,
               lambda: (written if count is None else count, sums if totals is None else totals))
    return written, sums


def _write_csv(handle, header, columns, rows, account, trailer, figures):
    out = csv.writer(handle, lineterminator='\n')
    out.writerow([HEADER_MARK] + [f'{key}={value}' for key, value in header.items()])
    out.writerow(columns)
    for row in rows:
        account(row)
        out.writerow(['' if value is None else value for value in row])
    if trailer:
        count, totals = figures()
        cells = [TRAILER_MARK, f'record_count={count}']
        cells += [f'total={amount}' if key == '*' else f'total_{key}={amount}' for key, amount in sorted(totals.items())]
        out.writerow(cells)


def _write_json(handle, header, columns, rows, account, trailer, figures):
    handle.write(json.dumps({'header': header}, ensure_ascii=False) + '\n')
    for row in rows:
        account(row)
        handle.write(json.dumps({col: value for col, value in zip(columns, row) if value is not None},
                                ensure_ascii=False) + '\n')
    if trailer:
        count, totals = figures()
        body = {'record_count': count}
        if '*' in totals:
            body['total'] = str(totals['*'])
        others = {key: str(amount) for key, amount in totals.items() if key != '*'}
        if others:
            body['totals'] = others
        handle.write(json.dumps({'trailer': body}) + '\n')


def _write_xml(handle, header, columns, rows, account, trailer, figures):
    attrs = {'source': header['source'], 'recordType': header['record_type'],
             'extract': header['extract'], 'asOf': header['as_of']}
    if 'sequence' in header:
        attrs['sequence'] = header['sequence']
    handle.write(f'<?xml version="1.0" encoding="{handle.encoding.upper()}"?>\n<extract')
    handle.write(''.join(f' {key}={quoteattr(str(value))}' for key, value in attrs.items()) + '>\n')
    for row in rows:
        account(row)
        handle.write('  <record>' + ''.join(
            f'<{col}>{escape(str(value))}</{col}>' for col, value in zip(columns, row) if value is not None)
            + '</record>\n')
    if trailer:
        count, totals = figures()
        handle.write(f'  <trailer recordCount="{count}">')
        for key, amount in sorted(totals.items()):
            currency = '' if key == '*' else f' currency={quoteattr(key)}'
            handle.write(f'<total{currency}>{amount}</total>')
        handle.write('</trailer>\n')
    handle.write('</extract>\n')
