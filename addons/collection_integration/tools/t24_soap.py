"""A plain SOAP client for the collection enquiries of the core-banking system (no ORM here).

The service is described by ``data/wsdl/t24_collection.wsdl`` (document/literal): one enquiry
per record type, each paged (``page``, ``pageSize``) and optionally incremental
(``modifiedSince``). The client reads the WSDL shipped with the addon by default (or the one the
server publishes) and talks to the connector's endpoint. Connection errors, timeouts and
HTTP 502/503/504 answers are retried with exponential back-off; authentication failures and
SOAP faults are not. The messages of :class:`SoapSyncError` are lazy translations, rendered in
the user's language where they are shown (``error.text(env)``).
"""
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import requests
import zeep
import zeep.helpers
from zeep.exceptions import Fault, TransportError, XMLSyntaxError
from zeep.transports import Transport

from odoo.tools.translate import LazyTranslate

from .extract_reader import ExtractHeader, ExtractTrailer, LazyMessageError

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__, default_lang='en_US')

NAMESPACE = 'urn:collection-suite:t24:enquiry:v1'
BINDING = f'{{{NAMESPACE}}}T24CollectionBinding'
DEFAULT_WSDL = str(Path(__file__).resolve().parent.parent / 'data' / 'wsdl' / 't24_collection.wsdl')

# record type (as in the extract files) -> enquiry operation of the WSDL
OPERATIONS = {
    'CUSTOMER': 'CustomerEnquiry',
    'ARRANGEMENT': 'ArrangementEnquiry',
    'BILL': 'DueScheduleEnquiry',
    'COLLATERAL': 'CollateralEnquiry',
}
RETRY_HTTP_STATUS = (429, 502, 503, 504)


class SoapSyncError(LazyMessageError):
    """The enquiry cannot be completed: authentication, fault, or retries exhausted."""


@dataclass
class EnquiryPage:
    page: int
    total_pages: int
    total_records: int
    as_of: datetime | None
    records: list


class T24EnquiryClient:
    """Calls the paged enquiries; ``retries`` counts the retried calls for the run log."""

    def __init__(self, endpoint, username, password, company=None, wsdl=None,
                 timeout=30, max_retries=4, backoff=1.0, sleep=time.sleep):
        self.endpoint = endpoint
        self.credentials = {'company': company or None, 'userName': username or '', 'password': password or ''}
        self.max_retries = max_retries
        self.backoff = backoff
        self.retries = 0
        self._sleep = sleep
        self._transport = Transport(session=requests.Session(), timeout=timeout, operation_timeout=timeout)
        self._wsdl = wsdl or DEFAULT_WSDL
        self._service = None

    @property
    def service(self):
        if self._service is None:
            client = self._with_retries("WSDL", lambda: zeep.Client(self._wsdl, transport=self._transport))
            self._service = client.create_service(BINDING, self.endpoint)
        return self._service

    def pages(self, record_type, modified_since=None, page_size=500):
        """Yield the pages of the enquiry of ``record_type``, each with its records as dicts."""
        operation = OPERATIONS.get(record_type)
        if not operation:
            raise SoapSyncError(_lt("The SOAP service has no enquiry for record type %(record_type)s.",
                                    record_type=record_type))
        page = 1
        while True:
            enquiry_input = {'page': page, 'pageSize': page_size}
            if modified_since:
                enquiry_input['modifiedSince'] = modified_since.replace(tzinfo=timezone.utc)
            response = self._with_retries(operation, lambda: getattr(self.service, operation)(
                WebRequestCommon=self.credentials, enquiryInput=enquiry_input))
            status = response.Status
            if (status.successIndicator or '').lower() != 'success':
                messages = '; '.join(status.message or []) or status.successIndicator
                raise SoapSyncError(_lt("%(operation)s refused by the server: %(messages)s",
                                        operation=operation, messages=messages))
            paging = response.paging
            as_of = paging.asOf if paging is not None else None
            if as_of is not None and as_of.tzinfo:
                as_of = as_of.astimezone(timezone.utc).replace(tzinfo=None)
            records = [zeep.helpers.serialize_object(record, dict) for record in response.record or []]
            total_pages = paging.totalPages if paging is not None else 1
            yield EnquiryPage(
                page=page,
                total_pages=total_pages,
                total_records=paging.totalRecords if paging is not None else len(records),
                as_of=as_of,
                records=records,
            )
            if page >= total_pages or not records:
                return
            page += 1

    def _with_retries(self, what, call):
        attempt = 0
        while True:
            try:
                return call()
            except Fault as fault:
                raise SoapSyncError(_lt("%(what)s: SOAP fault from the server: %(fault)s",
                                        what=what, fault=fault.message)) from fault
            except XMLSyntaxError as error:
                raise SoapSyncError(_lt("%(what)s: the server's answer is not valid XML: %(error)s",
                                        what=what, error=str(error))) from error
            except (requests.ConnectionError, requests.Timeout, TransportError) as error:
                status = getattr(error, 'status_code', None)
                if isinstance(error, TransportError) and status not in RETRY_HTTP_STATUS:
                    raise SoapSyncError(_lt("%(what)s: HTTP error %(status)s from %(endpoint)s",
                                            what=what, status=status, endpoint=self.endpoint)) from error
                if attempt >= self.max_retries:
                    reason = f"HTTP {status}" if status else type(error).__name__
                    raise SoapSyncError(_lt(
                        "%(what)s: %(endpoint)s still unreachable after %(attempts)s attempts (%(reason)s).",
                        what=what, endpoint=self.endpoint, attempts=attempt + 1, reason=reason)) from error
                delay = self.backoff * (2 ** attempt)
                _logger.info("%s failed (%s), retry %d in %.1fs", what, status or error, attempt + 1, delay)
                self.retries += 1
                attempt += 1
                self._sleep(delay)


class SoapEnquirySource:
    """One enquiry read as a batch, with the interface of the extract readers: ``open()``,
    ``header``, ``records(columns)``, ``record_count``, ``trailer`` (the announced
    ``totalRecords``; counts only, SOAP has no control amounts) and ``close()``.
    Record numbers run across pages (1, 2, ...) and stand for the line numbers of a file."""

    def __init__(self, client, record_type, modified_since=None, page_size=500, source='T24'):
        self.client = client
        self.record_type = record_type
        self.modified_since = modified_since
        self.page_size = page_size
        self.source = source
        extract = 'DELTA' if modified_since else 'FULL'
        since = f" since {modified_since:%Y-%m-%d %H:%M}" if modified_since else ""
        self.name = f"{OPERATIONS.get(record_type, record_type)} ({extract.lower()}{since})"
        self.header = None
        self.trailer = None
        self.record_count = 0
        self.pages_read = 0
        self._pages = None
        self._first = None

    def open(self):
        self._pages = self.client.pages(self.record_type, self.modified_since, self.page_size)
        self._first = next(self._pages)
        self.header = ExtractHeader(
            source=self.source, record_type=self.record_type,
            extract_type='DELTA' if self.modified_since else 'FULL',
            as_of=self._first.as_of or datetime.now(timezone.utc).replace(tzinfo=None),
        )

    def records(self, columns):
        announced = self._first.total_records
        page = self._first
        while page is not None:
            self.pages_read += 1
            if page.total_records != announced:
                announced = -1  # the data moved between pages: the count cannot be trusted
            for record in page.records:
                self.record_count += 1
                upper = {str(key).upper(): value for key, value in record.items()}
                yield self.record_count, None, tuple(
                    None if upper.get(column) is None else str(upper[column]) for column in columns)
            page = next(self._pages, None)
        self.trailer = ExtractTrailer(record_count=announced)

    def close(self):
        self._pages = None
