import os
import shutil
import sys
import tempfile
from datetime import date, datetime, timedelta

import odoo
from odoo.tests import TransactionCase
from odoo.tools import config

from odoo.addons.collection_integration.tools.extract_writer import write_extract
from odoo.addons.collection_integration.tools.sync_schema import DEFAULT_MAPPINGS, TARGETS

# control amount and currency columns of the T24 record types (as in the default mapping)
T24_CONTROL = {
    'ARRANGEMENT': ('OUTSTANDING', 'CURRENCY'),
    'BILL': ('AMOUNT_DUE', None),
    'COLLATERAL': ('VALUE', None),
}


def odoo_bin_command(*args):
    """The command line running ``odoo-bin`` with this test run's addons path: ``args`` (a
    command and its arguments), then the database connection options."""
    odoo_bin = next(path for path in (os.path.join(os.path.dirname(p), 'odoo-bin') for p in odoo.__path__)
                    if os.path.exists(path))
    addons_path = config['addons_path']
    if isinstance(addons_path, (list, tuple)):
        addons_path = ','.join(addons_path)
    command = [sys.executable, odoo_bin, f'--addons-path={addons_path}', *args]
    for option in ('db_host', 'db_port', 'db_user', 'db_password'):
        if config[option]:
            command.append(f'--{option}={config[option]}')
    return command


class CollectionSyncCommon(TransactionCase):
    """A T24 connector reading extract files from a temporary inbound folder, products and
    currencies, and helpers that write extract files in the documented format."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = date.today()
        cls.company = cls.env.company
        cls.company.country_id = cls.env.ref('base.us')
        cls.usd = cls.env.ref('base.USD')
        cls.eur = cls.env.ref('base.EUR')
        (cls.usd | cls.eur).active = True
        Product = cls.env['collection.product']
        # products shared by the companies
        cls.product_pl = Product.create({'name': "Personal loan", 'code': 'PL', 'product_type': 'personal',
                                         'company_id': False})
        cls.product_auto = Product.create({'name': "Auto loan", 'code': 'AUTO', 'product_type': 'auto',
                                           'company_id': False})
        cls.product_card = Product.create({'name': "Credit card", 'code': 'CARD', 'product_type': 'card',
                                           'company_id': False})
        cls.inbound = tempfile.mkdtemp(prefix='collection_sync_')
        cls.addClassCleanup(shutil.rmtree, cls.inbound, True)
        cls.connector = cls.env['collection.connector'].create({
            'name': "Core banking",
            'code': 't24',
            'system': 't24',
            'transport': 'files',
            'inbound_path': cls.inbound,
            'default_country_id': cls.env.ref('base.us').id,
        })
        cls.admin = cls.env.ref('base.user_admin')

    def setUp(self):
        super().setUp()
        for name in os.listdir(self.inbound):
            path = os.path.join(self.inbound, name)
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        self.file_counter = 0

    # ------------------------------------------------------------------
    # data
    # ------------------------------------------------------------------

    def day(self, offset):
        return (self.today + timedelta(days=offset)).isoformat()

    def customers(self):
        return [
            {'CUSTOMER_ID': 'C100', 'NAME': "Alice Ames", 'CUSTOMER_TYPE': 'PERSON', 'LEGAL_ID': 'ID-100',
             'MOBILE': '+12025550111', 'EMAIL': 'alice@example.com', 'STREET': '1 Main Street',
             'TOWN': 'Springfield', 'POST_CODE': '12345', 'COUNTRY': 'US'},
            {'CUSTOMER_ID': 'C200', 'NAME': "Bruno Brown", 'CUSTOMER_TYPE': 'PERSON', 'LEGAL_ID': 'ID-200',
             'MOBILE': '(202) 555-0122', 'PHONE': '+1 202 555 0133', 'COUNTRY': 'US'},
            {'CUSTOMER_ID': 'C300', 'NAME': "Carmen Trading Ltd", 'CUSTOMER_TYPE': 'COMPANY',
             'EMAIL': 'accounts@carmen.example', 'TOWN': 'Shelbyville', 'COUNTRY': 'US'},
        ]

    def loans(self):
        return [
            {'ARRANGEMENT_ID': 'AA1', 'CUSTOMER_ID': 'C100', 'PRODUCT': 'PL', 'CURRENCY': 'USD', 'AMOUNT': '1200',
             'OUTSTANDING': '900.50', 'INSTALMENT': '100', 'INTEREST_RATE': '12.5', 'START_DATE': '2024-01-15',
             'MATURITY_DATE': '20260115', 'TERM': '24', 'BRANCH': 'HQ', 'STATUS': 'CURRENT'},
            {'ARRANGEMENT_ID': 'AA2', 'CUSTOMER_ID': 'C100', 'PRODUCT': 'AUTO', 'CURRENCY': 'EUR', 'AMOUNT': '5000',
             'OUTSTANDING': '4000', 'INSTALMENT': '250', 'STATUS': 'CURRENT'},
            {'ARRANGEMENT_ID': 'AA3', 'CUSTOMER_ID': 'C200', 'PRODUCT': 'PL', 'CURRENCY': 'USD', 'AMOUNT': '800',
             'OUTSTANDING': '800', 'INSTALMENT': '80', 'STATUS': 'CURRENT'},
        ]

    def bills(self):
        return [
            {'ARRANGEMENT_ID': 'AA1', 'BILL_SEQ': '1', 'DUE_DATE': self.day(-45), 'AMOUNT_DUE': '100', 'AMOUNT_PAID': '0'},
            {'ARRANGEMENT_ID': 'AA1', 'BILL_SEQ': '2', 'DUE_DATE': self.day(-15), 'AMOUNT_DUE': '100', 'AMOUNT_PAID': '40'},
            {'ARRANGEMENT_ID': 'AA1', 'BILL_SEQ': '3', 'DUE_DATE': self.day(15), 'AMOUNT_DUE': '100', 'AMOUNT_PAID': '0'},
            {'ARRANGEMENT_ID': 'AA3', 'BILL_SEQ': '1', 'DUE_DATE': self.day(-5), 'AMOUNT_DUE': '80', 'AMOUNT_PAID': '0'},
        ]

    def collaterals(self):
        return [
            {'COLLATERAL_ID': 'COL-1', 'ARRANGEMENT_ID': 'AA2', 'COLLATERAL_TYPE': 'CAR', 'DESCRIPTION': "Toyota Corolla",
             'IDENTIFIER': 'KDA 123A', 'MAKE': 'Toyota', 'MODEL': 'Corolla', 'YEAR': '2019', 'VALUE': '7000',
             'VALUATION_DATE': '2024-06-30'},
        ]

    # ------------------------------------------------------------------
    # files
    # ------------------------------------------------------------------

    @staticmethod
    def columns(record_type, system='t24'):
        columns = []
        for fields_map in DEFAULT_MAPPINGS[system][record_type].values():
            columns += [column for column in fields_map.values() if column not in columns]
        return columns

    def extract(self, record_type, records, fmt='csv', extract='FULL', as_of=None, name=None, folder=None,
                columns=None, source='T24', control=None, **kwargs):
        """Write an extract file of ``records`` (dicts) into the inbound folder; return its path."""
        self.file_counter += 1
        columns = columns or self.columns(record_type)
        suffix = {'csv': 'csv', 'json': 'jsonl', 'xml': 'xml'}[fmt]
        path = os.path.join(folder or self.inbound, name or f"{self.file_counter:03d}_{record_type}.{suffix}")
        as_of = as_of or datetime(2025, 1, 31, 22, 0) + timedelta(minutes=self.file_counter)
        write_extract(path, fmt, source, record_type, columns,
                      ([record.get(column) for column in columns] for record in records),
                      extract=extract, as_of=as_of.strftime('%Y-%m-%dT%H:%M:%SZ'),
                      control=control if control is not None else T24_CONTROL.get(record_type), **kwargs)
        return path

    def extract_all(self, fmt='csv', extract='FULL'):
        return [
            self.extract('CUSTOMER', self.customers(), fmt=fmt, extract=extract),
            self.extract('ARRANGEMENT', self.loans(), fmt=fmt, extract=extract),
            self.extract('BILL', self.bills(), fmt=fmt, extract=extract),
            self.extract('COLLATERAL', self.collaterals(), fmt=fmt, extract=extract),
        ]

    def sync(self, connector=None, **kwargs):
        return (connector or self.connector)._run_sync(**kwargs)

    # ------------------------------------------------------------------
    # lookups
    # ------------------------------------------------------------------

    def loan(self, account, source='T24'):
        return self.env['collection.loan'].search([('name', '=', account), ('source_system', '=', source)])

    def partner(self, cif):
        return self.env['res.partner'].search([('cif', '=', cif), ('company_id', '=', self.company.id)])

    def rejects(self, run, severity='error'):
        return {(r.line_no, r.reason) for r in run.reject_ids if r.severity == severity}

    @staticmethod
    def fields_of(target):
        return TARGETS[target]['fields']
