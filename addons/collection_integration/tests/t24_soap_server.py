"""A small SOAP responder for ``data/wsdl/t24_collection.wsdl``, run by the tests on 127.0.0.1.

It serves the WSDL (``GET ...?wsdl``) and answers the four paged enquiries (document/literal,
SOAP 1.1) from records the test gives it, filtered by ``modifiedSince``. To exercise the client's
retries it can start without listening (connections refused), answer HTTP 503 a number of times,
or drop connections without answering.
"""
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

WSDL_PATH = Path(__file__).resolve().parent.parent / 'data' / 'wsdl' / 't24_collection.wsdl'
NS = 'urn:collection-suite:t24:enquiry:v1'
SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/'
OPERATIONS = {
    'CustomerEnquiry': 'CUSTOMER',
    'ArrangementEnquiry': 'ARRANGEMENT',
    'DueScheduleEnquiry': 'BILL',
    'CollateralEnquiry': 'COLLATERAL',
}
RECORD_FIELDS = {}  # record type -> element names in WSDL order, read from the WSDL itself


def _load_record_fields():
    tree = etree.parse(str(WSDL_PATH))
    xsd = {'xsd': 'http://www.w3.org/2001/XMLSchema'}
    names = {'CUSTOMER': 'CustomerRecord', 'ARRANGEMENT': 'ArrangementRecord', 'BILL': 'BillRecord',
             'COLLATERAL': 'CollateralRecord'}
    for record_type, type_name in names.items():
        elements = tree.xpath(f"//xsd:complexType[@name='{type_name}']//xsd:element/@name", namespaces=xsd)
        RECORD_FIELDS[record_type] = list(elements)


_load_record_fields()


class T24SoapServer:
    """``records[record type]`` holds (last modified, {element: value}) pairs."""

    def __init__(self, username='collector', password='s3cret', listen=True):
        self.username = username
        self.password = password
        self.records = {record_type: [] for record_type in OPERATIONS.values()}
        self.as_of = datetime(2025, 2, 1, 6, 0)
        self.fail_statuses = []   # HTTP statuses to answer with, one per request, before serving
        self.drop_connections = 0  # requests answered by closing the connection
        self.calls = []           # (operation, page, page size, modifiedSince) of the served enquiries
        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), self._handler_class(), bind_and_activate=False)
        self._httpd.daemon_threads = True
        self._httpd.allow_reuse_address = True
        self._httpd.server_bind()
        self._thread = None
        if listen:
            self.listen()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def url(self):
        return f'http://127.0.0.1:{self.port}/t24/collection'

    def listen(self):
        """Start accepting connections (until then, they are refused)."""
        if self._thread:
            return
        self._httpd.server_activate()
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        if self._thread:
            self._httpd.shutdown()
        self._httpd.server_close()

    def add(self, record_type, records, modified):
        self.records[record_type] += [(modified, record) for record in records]

    # ------------------------------------------------------------------

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if 'wsdl' not in self.path.lower():
                    self.send_error(404)
                    return
                text = WSDL_PATH.read_text().replace('http://localhost:8080/t24/collection', server.url)
                self._send(200, text.encode(), 'text/xml; charset=utf-8')

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                if server.drop_connections:
                    server.drop_connections -= 1
                    self.close_connection = True
                    return
                if server.fail_statuses:
                    status = server.fail_statuses.pop(0)
                    self._send(status, b'Service temporarily unavailable', 'text/plain')
                    return
                self._send(200, server._answer(body), 'text/xml; charset=utf-8')

            def _send(self, status, payload, content_type):
                self.send_response(status)
                self.send_header('Content-Type', content_type)
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def _answer(self, body):
        request = etree.fromstring(body)
        call = request.find(f'{{{SOAP_ENV}}}Body')[0]
        operation = etree.QName(call).localname
        record_type = OPERATIONS[operation]
        common = call.find(f'{{{NS}}}WebRequestCommon')
        enquiry = call.find(f'{{{NS}}}enquiryInput')
        user = common.findtext(f'{{{NS}}}userName')
        password = common.findtext(f'{{{NS}}}password')
        page = int(enquiry.findtext(f'{{{NS}}}page'))
        page_size = int(enquiry.findtext(f'{{{NS}}}pageSize'))
        since_text = enquiry.findtext(f'{{{NS}}}modifiedSince')
        since = None
        if since_text:
            since = datetime.fromisoformat(since_text.replace('Z', '+00:00'))
            if since.tzinfo:
                since = since.astimezone(timezone.utc).replace(tzinfo=None)
        self.calls.append((operation, page, page_size, since))

        envelope = etree.Element(f'{{{SOAP_ENV}}}Envelope', nsmap={'soapenv': SOAP_ENV, 't24': NS})
        answer = etree.SubElement(etree.SubElement(envelope, f'{{{SOAP_ENV}}}Body'), f'{{{NS}}}{operation}Response')
        status = etree.SubElement(answer, f'{{{NS}}}Status')
        if (user, password) != (self.username, self.password):
            etree.SubElement(status, f'{{{NS}}}successIndicator').text = 'Failure'
            etree.SubElement(status, f'{{{NS}}}message').text = 'SECURITY VIOLATION: user or password rejected'
            return etree.tostring(envelope, xml_declaration=True, encoding='utf-8')
        etree.SubElement(status, f'{{{NS}}}successIndicator').text = 'Success'
        records = [record for modified, record in self.records[record_type] if since is None or modified > since]
        total_pages = max((len(records) + page_size - 1) // page_size, 1)
        paging = etree.SubElement(answer, f'{{{NS}}}paging')
        for name, value in (('page', page), ('pageSize', page_size), ('totalPages', total_pages),
                            ('totalRecords', len(records)), ('asOf', self.as_of.isoformat() + 'Z')):
            etree.SubElement(paging, f'{{{NS}}}{name}').text = str(value)
        for record in records[(page - 1) * page_size:page * page_size]:
            element = etree.SubElement(answer, f'{{{NS}}}record')
            for name in RECORD_FIELDS[record_type]:
                if record.get(name) is not None:
                    etree.SubElement(element, f'{{{NS}}}{name}').text = str(record[name])
        return etree.tostring(envelope, xml_declaration=True, encoding='utf-8')
