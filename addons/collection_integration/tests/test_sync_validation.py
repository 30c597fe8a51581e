import os
import random
from decimal import Decimal

import phonenumbers

from odoo.tests import TransactionCase, tagged

from odoo.addons.collection_base.tools.phone import format_e164
from odoo.addons.collection_integration.tools.phone_batch import format_e164_fast

from .common import CollectionSyncCommon


@tagged('post_install', '-at_install')
class TestSyncValidation(CollectionSyncCommon):
    """Bad input: every rejected row is logged with its line and reason, valid rows still load,
    and a file that cannot be trusted as a whole is refused as a whole."""

    def setUp(self):
        super().setUp()
        self.sync(paths=[self.extract('CUSTOMER', self.customers())])

    def loan_row(self, account, **values):
        row = dict(self.loans()[0], ARRANGEMENT_ID=account)
        row.update(values)
        return row

    def test_reject_reasons_with_line_numbers(self):
        rows = [
            self.loan_row('AA1'),                                    # line 3: valid
            self.loan_row('AA4', START_DATE='2024-02-30'),           # 4: no such day
            self.loan_row('AA5', OUTSTANDING='-5.00'),               # 5: negative amount
            self.loan_row('AA6', CURRENCY='XXX'),                    # 6: unknown currency
            self.loan_row('AA7', CUSTOMER_ID='C999'),                # 7: unknown customer
            self.loan_row('AA8'),                                    # 8: duplicate key ...
            self.loan_row('AA8', OUTSTANDING='10'),                  # 9: ... both lines
            self.loan_row('AA10', PRODUCT='ZZ'),                     # 10: unknown product
            self.loan_row('AA11', STATUS='FROZEN?'),                 # 11: unknown status
            self.loan_row('AA12', CUSTOMER_ID=''),                   # 12: missing customer
            self.loan_row('AA13', MATURITY_DATE='31/12/2026'),       # 13: not a date
            self.loan_row('AA14', TERM='twelve'),                    # 14: not a number
            self.loan_row('AA15', STATUS='closed', MATURITY_DATE='20241301'),  # 15: month 13
            self.loan_row('AA16', START_DATE='20240229'),            # 16: valid leap day
        ]
        run = self.sync(paths=[self.extract('ARRANGEMENT', rows)])
        self.assertEqual(self.rejects(run), {
            (4, 'bad_date'), (5, 'negative_amount'), (6, 'unknown_currency'), (7, 'unknown_customer'),
            (8, 'duplicate_key'), (9, 'duplicate_key'), (10, 'unknown_product'), (11, 'unknown_value'),
            (12, 'missing_value'), (13, 'bad_date'), (14, 'bad_number'), (15, 'bad_date'),
        })
        by_line = {r.line_no: r for r in run.reject_ids}
        self.assertEqual((by_line[4].column_name, by_line[4].value, by_line[4].record_key),
                         ('START_DATE', '2024-02-30', 'AA4'))
        self.assertEqual((by_line[6].column_name, by_line[6].value), ('CURRENCY', 'XXX'))
        self.assertEqual((by_line[8].value, by_line[8].detail, by_line[8].column_name), ('AA8', '8, 9', 'ARRANGEMENT_ID'))
        self.assertEqual(by_line[12].column_name, 'CUSTOMER_ID')
        # valid rows load even when others are rejected
        self.assertTrue(self.loan('AA1'))
        self.assertEqual(self.loan('AA16').disbursement_date.isoformat(), '2024-02-29')
        self.assertFalse(self.env['collection.loan'].search([('name', 'in', [
            'AA4', 'AA5', 'AA6', 'AA7', 'AA8', 'AA10', 'AA11', 'AA12', 'AA13', 'AA14', 'AA15'])]))
        batch = run.batch_ids
        self.assertEqual((batch.record_count, batch.inserted_count, batch.rejected_count), (14, 2, 12))
        self.assertEqual(batch.verdict, 'balanced_rejects')
        self.assertEqual(run.state, 'warning')

    def test_orphans(self):
        self.sync(paths=[self.extract('ARRANGEMENT', self.loans())])
        bills = self.bills() + [{'ARRANGEMENT_ID': 'NOPE', 'BILL_SEQ': '1', 'DUE_DATE': self.day(-3),
                                 'AMOUNT_DUE': '10', 'AMOUNT_PAID': '0'}]
        collateral = self.collaterals() + [{'COLLATERAL_ID': 'COL-9', 'ARRANGEMENT_ID': 'GONE', 'VALUE': '1'}]
        run = self.sync(paths=[self.extract('BILL', bills), self.extract('COLLATERAL', collateral)])
        self.assertEqual(self.rejects(run), {(7, 'unknown_loan'), (4, 'unknown_loan')})
        self.assertEqual(run.batch_ids.mapped('inserted_count'), [4, 1])

    def test_phone_and_email_warnings(self):
        """A connector set to load records with an invalid phone: the number is dropped, with a
        warning, as invalid emails and unknown countries are."""
        self.connector.invalid_phone_policy = 'warn'
        customers = self.customers()
        customers[1]['MOBILE'] = '12345'
        customers[2]['EMAIL'] = 'not-an-email'
        customers.append({'CUSTOMER_ID': 'C400', 'NAME': "Dora", 'MOBILE': '0722 000 000', 'COUNTRY': 'KE'})
        customers.append({'CUSTOMER_ID': 'C500', 'NAME': "Emil", 'COUNTRY': 'ZZ'})
        run = self.sync(paths=[self.extract('CUSTOMER', customers, extract='DELTA')])
        self.assertEqual(self.rejects(run, 'warning'), {(4, 'invalid_phone'), (5, 'invalid_email'),
                                                         (7, 'unknown_country')})
        self.assertFalse(self.rejects(run))
        # the customers are loaded without the bad values
        bruno = self.partner('C200')
        self.assertEqual(bruno.contact_point_ids.filtered(lambda p: p.kind == 'mobile' and p.state != 'invalid').mapped('value'), [])
        self.assertEqual(bruno.phone, '+12025550133')
        self.assertFalse(self.partner('C300').email)
        # a national number is read with the record's country
        self.assertEqual(self.partner('C400').phone, '+254722000000')
        self.assertEqual(self.partner('C400').country_id, self.env.ref('base.ke'))
        self.assertEqual(run.state, 'warning')

    def test_invalid_phone_rejects_the_record(self):
        """By default an invalid phone (either column) rejects its record with its line, column
        and value; the other records of the file load, an invalid email stays a warning, and the
        loans of a customer rejected so are rejected as of an unknown customer."""
        self.assertEqual(self.connector.invalid_phone_policy, 'reject')
        customers = self.customers()
        customers[1].update(MOBILE='12345', NAME="Bruno B. Brown")           # line 4: an existing customer
        customers[2]['EMAIL'] = 'not-an-email'                              # 5: a warning only
        customers += [
            {'CUSTOMER_ID': 'C400', 'NAME': "Dora", 'MOBILE': '0722 000 000', 'COUNTRY': 'KE'},  # 6: valid
            {'CUSTOMER_ID': 'C600', 'NAME': "Femi", 'MOBILE': '+12025550160', 'PHONE': '+1 555'},  # 7: phone
            {'CUSTOMER_ID': 'C700', 'NAME': "Gita", 'PHONE': ' '},                                # 8: no phone
        ]
        run = self.sync(paths=[self.extract('CUSTOMER', customers, extract='DELTA')])
        self.assertEqual(self.rejects(run), {(4, 'invalid_phone'), (7, 'invalid_phone')})
        self.assertEqual(self.rejects(run, 'warning'), {(5, 'invalid_email')})
        by_line = {r.line_no: r for r in run.reject_ids.filtered(lambda r: r.severity == 'error')}
        self.assertEqual((by_line[4].target, by_line[4].record_key, by_line[4].column_name, by_line[4].value),
                         ('customer', 'C200', 'MOBILE', '12345'))
        self.assertEqual((by_line[7].record_key, by_line[7].column_name, by_line[7].value), ('C600', 'PHONE', '+1 555'))
        batch = run.batch_ids
        self.assertEqual((batch.record_count, batch.inserted_count, batch.rejected_count, batch.warning_count),
                         (6, 2, 2, 1))
        self.assertEqual((batch.verdict, run.state), ('balanced_rejects', 'warning'))
        # the valid records loaded, the rejected new customer did not, the rejected existing one
        # kept what it had
        self.assertEqual(self.partner('C400').phone, '+254722000000')
        self.assertTrue(self.partner('C700'))
        self.assertFalse(self.partner('C300').email)
        self.assertFalse(self.partner('C600'))
        bruno = self.partner('C200')
        self.assertEqual((bruno.name, bruno.phone), ("Bruno Brown", '+12025550122'))
        self.assertEqual(set(bruno.contact_point_ids.filtered(lambda p: p.state != 'invalid').mapped('value')),
                         {'+12025550122', '+12025550133'})
        # a loan of the customer rejected on its first load is rejected, a loan of the existing
        # customer whose line was rejected loads with the customer as it was
        run = self.sync(paths=[self.extract('ARRANGEMENT', [
            self.loan_row('AA1', CUSTOMER_ID='C600'), self.loan_row('AA2', CUSTOMER_ID='C200'),
            self.loan_row('AA3', CUSTOMER_ID='C700')], extract='DELTA')])
        self.assertEqual(self.rejects(run), {(3, 'unknown_customer')})
        self.assertFalse(self.loan('AA1'))
        self.assertEqual(self.loan('AA2').partner_id, bruno)
        self.assertEqual(self.loan('AA3').partner_id, self.partner('C700'))

    def test_malformed_rows_unverified(self):
        """A record that cannot be read (wrong field count, unreadable amount) is rejected; the
        totals cannot be verified then, but the readable rows load."""
        # the source's totals count what it meant: 900.50 + 12.50 + 900.50 + 100 (the cut line)
        path = self.extract('ARRANGEMENT', [self.loan_row('AA1'), self.loan_row('AA2', OUTSTANDING='12,50'),
                                            self.loan_row('AA3')], totals={'USD': Decimal('1913.50')})
        with open(path) as handle:
            lines = handle.readlines()
        lines.insert(4, 'AA9,C100,PL\n')  # line 5: three fields instead of thirteen
        trailer = lines[-1].replace('record_count=3', 'record_count=4')
        lines[-1] = trailer
        with open(path, 'w') as handle:
            handle.writelines(lines)
        run = self.sync(paths=[path])
        self.assertEqual(self.rejects(run), {(4, 'bad_number'), (5, 'malformed')})
        malformed = run.reject_ids.filtered(lambda r: r.reason == 'malformed')
        self.assertEqual(malformed.value, 'expected 13 fields, found 3')
        batch = run.batch_ids
        self.assertEqual(batch.verdict, 'unverified')
        self.assertIn("2 records have no readable amount", batch.control_summary)
        self.assertTrue(self.loan('AA1') and self.loan('AA3'))
        self.assertEqual(run.state, 'warning')

    def test_csv_quotes_and_line_breaks(self):
        """Quoted fields, a field over two lines and a quote inside an unquoted field are read as
        Python's csv module reads them, with the line numbers of the file (the fast way of
        staging a CSV file steps aside when it cannot be sure of that)."""
        quoted = self.extract('CUSTOMER', [
            {'CUSTOMER_ID': 'C400', 'NAME': "Ames, Alice"},
            {'CUSTOMER_ID': 'C500', 'NAME': 'Carmen "C" Trading'},
            {'CUSTOMER_ID': '', 'NAME': "No CIF"},
        ], extract='DELTA')
        broken = self.extract('CUSTOMER', [
            {'CUSTOMER_ID': 'C600', 'NAME': "Bruno\nBrown"},
            {'CUSTOMER_ID': 'C700', 'NAME': "Placeholder"},
            {'CUSTOMER_ID': '', 'NAME': "No CIF"},
        ], extract='DELTA')
        with open(broken) as handle:
            lines = handle.readlines()
        lines[4] = lines[4].replace('Placeholder', 'Dan O"Neil')  # a quote inside an unquoted field
        with open(broken, 'w') as handle:
            handle.writelines(lines)
        run = self.sync(paths=[quoted, broken])
        self.assertEqual(run.batch_ids.mapped('state'), ['done', 'done'])
        self.assertEqual([self.partner(cif).name for cif in ('C400', 'C500', 'C600', 'C700')],
                         ["Ames, Alice", 'Carmen "C" Trading', "Bruno\nBrown", 'Dan O"Neil'])
        self.assertEqual({(r.batch_id.name, r.line_no, r.reason) for r in run.reject_ids if r.severity == 'error'},
                         {(os.path.basename(quoted), 5, 'missing_value'), (os.path.basename(broken), 6, 'missing_value')})

    def test_json_invalid_line(self):
        path = self.extract('ARRANGEMENT', [self.loan_row('AA1'), self.loan_row('AA2')], fmt='json')
        with open(path) as handle:
            lines = handle.readlines()
        lines.insert(2, '{"ARRANGEMENT_ID": "AA9", "OUTSTANDING": \n')
        lines[-1] = lines[-1].replace('"record_count": 2', '"record_count": 3')
        with open(path, 'w') as handle:
            handle.writelines(lines)
        run = self.sync(paths=[path])
        self.assertEqual(self.rejects(run), {(3, 'malformed')})
        self.assertTrue(self.loan('AA1') and self.loan('AA2'))

    def test_control_totals_mismatch_refuses_the_file(self):
        path = self.extract('ARRANGEMENT', self.loans(), totals={'USD': Decimal('1700.40'), 'EUR': Decimal(4000)})
        run = self.sync(paths=[path])
        batch = run.batch_ids
        self.assertEqual((batch.state, batch.verdict), ('rejected', 'mismatch'))
        self.assertIn("USD: announced 1700.40, found 1700.50", batch.message)
        self.assertFalse(self.loan('AA1'))
        self.assertEqual(run.state, 'failed')
        self.assertEqual(run.verdict, 'mismatch')
        # the administrators are told
        self.assertTrue(run.activity_ids.filtered(lambda a: a.user_id == self.admin))
        message = run.message_ids.filtered(lambda m: self.admin.partner_id in m.partner_ids)
        self.assertTrue(message)
        self.assertTrue(self.env['mail.mail'].sudo().search([('mail_message_id', 'in', message.ids)]))

    def test_record_count_mismatch_refuses_the_file(self):
        run = self.sync(paths=[self.extract('ARRANGEMENT', self.loans(), count=4)])
        self.assertEqual((run.batch_ids.state, run.batch_ids.verdict), ('rejected', 'mismatch'))
        self.assertIn("announces 4 records but the batch holds 3", run.batch_ids.message)
        self.assertFalse(self.loan('AA1'))

    def test_json_and_xml_mismatches_refuse_the_file_as_csv(self):
        """The trailer of a JSON Lines or XML extract is checked as a CSV one's: a wrong count or
        wrong totals refuse the whole file, with the same verdict and the same message."""
        cases = [
            ('ARRANGEMENT', {'count': 2}, "The trailer announces 2 records but the batch holds 3."),
            ('ARRANGEMENT', {'totals': {'USD': Decimal('1700.40'), 'EUR': Decimal(4000)}},
             "USD: announced 1700.40, found 1700.50."),
            # one total without currency (the instalments' amounts due)
            ('BILL', {'totals': {'*': Decimal(379)}}, "Total: announced 379, found 380."),
        ]
        for record_type, trailer, expected in cases:
            messages = {}
            records = self.loans() if record_type == 'ARRANGEMENT' else self.bills()
            for fmt in ('csv', 'json', 'xml'):
                with self.subTest(fmt=fmt, record_type=record_type, trailer=trailer):
                    run = self.sync(paths=[self.extract(record_type, records, fmt=fmt, **trailer)])
                    batch = run.batch_ids
                    self.assertEqual((batch.state, batch.verdict, batch.record_count),
                                     ('rejected', 'mismatch', len(records)))
                    self.assertIn(expected, batch.message)
                    self.assertEqual((run.state, run.verdict), ('failed', 'mismatch'))
                    self.assertFalse(run.reject_ids)
                    self.assertFalse(self.env['collection.loan'].search_count([('source_system', '=', 'T24')]))
                    self.assertFalse(self.env['collection.loan.due'].search_count([]))
                    messages[fmt] = (batch.message, batch.control_summary)
            self.assertEqual(messages['json'], messages['csv'])
            self.assertEqual(messages['xml'], messages['csv'])

    def test_truncated_files(self):
        for fmt in ('csv', 'json', 'xml'):
            path = self.extract('ARRANGEMENT', self.loans(), fmt=fmt, trailer=False)
            run = self.sync(paths=[path])
            self.assertEqual(run.batch_ids.state, 'rejected', fmt)
            if fmt == 'xml':
                # a well-formed XML file without trailer
                self.assertEqual(run.batch_ids.verdict, 'no_trailer')
            else:
                self.assertEqual(run.batch_ids.verdict, 'no_trailer')
                self.assertIn("No trailer", run.batch_ids.message)
            self.assertFalse(self.loan('AA1'), fmt)
        # an XML file cut in the middle is not even well-formed
        path = self.extract('ARRANGEMENT', self.loans(), fmt='xml')
        with open(path) as handle:
            text = handle.read()
        with open(path, 'w') as handle:
            handle.write(text[:len(text) // 2])
        run = self.sync(paths=[path])
        self.assertEqual(run.batch_ids.state, 'rejected')
        self.assertIn("malformed XML", run.batch_ids.message)
        self.assertFalse(self.loan('AA1'))

    def test_wrong_encoding(self):
        for fmt in ('csv', 'json', 'xml'):
            rows = [self.loan_row('AA1', BRANCH='Gen\u00e8ve'), self.loan_row('AA2')]
            path = self.extract('ARRANGEMENT', rows, fmt=fmt, name=f'latin1.{fmt}', encoding='latin-1')
            if fmt == 'xml':
                # declared UTF-8 while written in Latin-1
                with open(path, 'rb') as handle:
                    data = handle.read().replace(b'encoding="LATIN-1"', b'encoding="UTF-8"')
                with open(path, 'wb') as handle:
                    handle.write(data)
            run = self.sync(paths=[path])
            batch = run.batch_ids
            self.assertEqual(batch.state, 'rejected', fmt)
            self.assertIn("not valid", batch.message)
            if fmt != 'xml':
                self.assertIn("line 3" if fmt == 'csv' else "line 2", batch.message)
                self.assertIn("0xe8", batch.message)
            self.assertFalse(self.loan('AA2'), fmt)
        # the same file loads once the connector is told the encoding
        self.connector.file_encoding = 'latin-1'
        run = self.sync(paths=[os.path.join(self.inbound, 'latin1.csv')])
        self.assertEqual(run.state, 'done')
        self.assertEqual(self.loan('AA1').branch, 'Gen\u00e8ve')

    def test_file_level_problems(self):
        loans = self.loans()
        wrong_source = self.extract('ARRANGEMENT', loans, source='W4')
        unknown_type = self.extract('PAYMENT', loans, columns=self.columns('ARRANGEMENT'))
        no_header = os.path.join(self.inbound, 'no_header.csv')
        with open(no_header, 'w') as handle:
            handle.write('ARRANGEMENT_ID,CUSTOMER_ID\nAA1,C100\n')
        after_trailer = self.extract('ARRANGEMENT', loans)
        with open(after_trailer, 'a') as handle:
            handle.write('AA9,C100\n')
        unknown_suffix = os.path.join(self.inbound, 'loans.txt')
        with open(unknown_suffix, 'w') as handle:
            handle.write('hello')
        missing = os.path.join(self.inbound, 'gone.csv')
        run = self.sync(paths=[wrong_source, unknown_type, no_header, after_trailer, unknown_suffix, missing])
        messages = {os.path.basename(b.name): (b.state, b.message) for b in run.batch_ids}
        self.assertEqual(messages[os.path.basename(wrong_source)],
                         ('rejected', "The file comes from W4 but this connector loads T24."))
        self.assertIn("No mapping for record type PAYMENT", messages[os.path.basename(unknown_type)][1])
        self.assertIn("line 1: the first line must be the #HEADER record", messages['no_header.csv'][1])
        self.assertIn("data after the trailer", messages[os.path.basename(after_trailer)][1])
        self.assertIn("unknown file type", messages['loans.txt'][1])
        self.assertIn("The file cannot be read", messages['gone.csv'][1])
        self.assertEqual(set(run.batch_ids.mapped('state')), {'rejected'})
        self.assertFalse(self.loan('AA1'))

    def test_stale_file_is_skipped(self):
        from datetime import datetime
        self.sync(paths=[self.extract('ARRANGEMENT', self.loans(), as_of=datetime(2025, 2, 1))])
        older = [dict(self.loans()[0], OUTSTANDING='1.00')]
        run = self.sync(paths=[self.extract('ARRANGEMENT', older, extract='DELTA', as_of=datetime(2025, 1, 1))])
        self.assertEqual(run.batch_ids.state, 'skipped')
        self.assertIn("older than the ARRANGEMENT data loaded already", run.batch_ids.message)
        self.assertEqual(self.loan('AA1').outstanding_amount, 900.5)
        self.assertEqual(run.state, 'warning')

    def test_mapping_without_required_field(self):
        self.connector.mapping_ids.filtered(lambda m: m.field_key == 'loan.outstanding').unlink()
        run = self.sync(paths=[self.extract('ARRANGEMENT', self.loans())])
        self.assertEqual(run.batch_ids.state, 'rejected')
        self.assertIn("lacks required fields: Loan: Outstanding", run.batch_ids.message)


@tagged('post_install', '-at_install')
class TestOtherSources(CollectionSyncCommon):
    """Way4 card accounts and case tracking, LOS applications (customer and loan in one row)."""

    def test_way4_cards(self):
        self.sync(paths=[self.extract('CUSTOMER', self.customers())])
        way4 = self.env['collection.connector'].create({
            'name': "Cards", 'code': 'W4', 'system': 'way4', 'transport': 'files', 'inbound_path': self.inbound})
        # the card system does not send the product: a default value on the mapping gives it
        way4.mapping_ids.filtered(lambda m: m.field_key == 'loan.product').write(
            {'source_column': False, 'default_value': 'CARD'})
        cards = [{'CONTRACT_NUMBER': '4000-01', 'CLIENT_CIF': 'C200', 'CURRENCY': 'USD', 'CREDIT_LIMIT': '3000',
                  'TOTAL_BALANCE': '1250.75', 'MIN_PAYMENT': '60', 'OPEN_DATE': '2023-03-01', 'STATUS': 'A'}]
        tracking = [{'CONTRACT_NUMBER': '4000-01', 'CYCLE_NO': '14', 'PAYMENT_DUE_DATE': self.day(-33),
                     'MIN_AMOUNT_DUE': '60', 'AMOUNT_PAID': '0'}]
        columns = ['CONTRACT_NUMBER', 'CLIENT_CIF', 'CURRENCY', 'CREDIT_LIMIT', 'TOTAL_BALANCE', 'MIN_PAYMENT',
                   'OPEN_DATE', 'STATUS']
        run = self.sync(way4, paths=[
            self.extract('CASE_TRACKING', tracking, source='W4', columns=self.columns('CASE_TRACKING', 'way4'),
                         control=('MIN_AMOUNT_DUE', None)),
            self.extract('CARD_ACCOUNT', cards, source='W4', columns=columns, control=('TOTAL_BALANCE', 'CURRENCY')),
        ])
        self.assertEqual(run.state, 'done', run.message)
        card = self.loan('4000-01', source='W4')
        self.assertEqual((card.product_id, card.partner_id, card.outstanding_amount), (self.product_card, self.partner('C200'), 1250.75))
        self.assertEqual(card.dpd, 33)
        # a T24 account with the same number is another loan
        self.assertFalse(self.loan('4000-01'))

    def test_los_applications(self):
        los = self.env['collection.connector'].create({
            'name': "Origination", 'code': 'LOS', 'system': 'los', 'transport': 'files', 'inbound_path': self.inbound})
        rows = [
            {'LOAN_ACCOUNT': 'LN-1', 'APPLICANT_CIF': 'C700', 'APPLICANT_NAME': "Gita", 'APPLICANT_MOBILE': '+12025550170',
             'PRODUCT_CODE': 'PL', 'CURRENCY': 'USD', 'APPROVED_AMOUNT': '1000', 'DISBURSED_AMOUNT': '1000',
             'DISBURSEMENT_DATE': '2025-01-10', 'TENOR_MONTHS': '12', 'STATUS': 'DISBURSED'},
            # a second loan of the same applicant: one customer
            {'LOAN_ACCOUNT': 'LN-2', 'APPLICANT_CIF': 'C700', 'APPLICANT_NAME': "Gita K.", 'PRODUCT_CODE': 'PL',
             'CURRENCY': 'USD', 'APPROVED_AMOUNT': '500', 'DISBURSED_AMOUNT': '500', 'STATUS': 'DISBURSED'},
            # no name: the customer is rejected, and so the loan of this new customer
            {'LOAN_ACCOUNT': 'LN-3', 'APPLICANT_CIF': 'C800', 'PRODUCT_CODE': 'PL', 'CURRENCY': 'USD',
             'DISBURSED_AMOUNT': '10'},
        ]
        run = self.sync(los, paths=[self.extract('APPLICATION', rows, source='LOS', columns=self.columns('APPLICATION', 'los'),
                                                 control=('DISBURSED_AMOUNT', 'CURRENCY'))])
        self.assertEqual(self.rejects(run), {(5, 'missing_value'), (5, 'unknown_customer')})
        gita = self.partner('C700')
        self.assertEqual(gita.name, "Gita K.")  # the last line wins
        self.assertEqual(self.loan('LN-1', source='LOS').partner_id, gita)
        self.assertEqual(self.loan('LN-2', source='LOS').case_id, self.loan('LN-1', source='LOS').case_id)
        self.assertEqual(run.batch_ids.verdict, 'balanced_rejects')

    def test_los_invalid_phone(self):
        """An applicant line whose mobile is invalid: the new applicant is rejected, and so its
        loan on the same line (unknown customer); in 'warn' mode both load, without the number."""
        los = self.env['collection.connector'].create({
            'name': "Origination", 'code': 'LOS', 'system': 'los', 'transport': 'files', 'inbound_path': self.inbound})
        rows = [
            {'LOAN_ACCOUNT': 'LN-1', 'APPLICANT_CIF': 'C700', 'APPLICANT_NAME': "Gita", 'APPLICANT_MOBILE': '+12025550170',
             'PRODUCT_CODE': 'PL', 'CURRENCY': 'USD', 'DISBURSED_AMOUNT': '1000'},
            {'LOAN_ACCOUNT': 'LN-2', 'APPLICANT_CIF': 'C800', 'APPLICANT_NAME': "Hugo", 'APPLICANT_MOBILE': '555',
             'PRODUCT_CODE': 'PL', 'CURRENCY': 'USD', 'DISBURSED_AMOUNT': '500'},
        ]

        def extract():
            return self.extract('APPLICATION', rows, source='LOS', columns=self.columns('APPLICATION', 'los'),
                                control=('DISBURSED_AMOUNT', 'CURRENCY'), extract='DELTA')

        run = self.sync(los, paths=[extract()])
        self.assertEqual({(r.line_no, r.target, r.reason, r.column_name) for r in run.reject_ids}, {
            (4, 'customer', 'invalid_phone', 'APPLICANT_MOBILE'), (4, 'loan', 'unknown_customer', 'APPLICANT_CIF')})
        self.assertTrue(self.loan('LN-1', source='LOS'))
        self.assertFalse(self.loan('LN-2', source='LOS') or self.partner('C800'))
        los.invalid_phone_policy = 'warn'
        run = self.sync(los, paths=[extract()])
        self.assertEqual({(r.line_no, r.severity, r.reason) for r in run.reject_ids}, {(4, 'warning', 'invalid_phone')})
        self.assertEqual(self.loan('LN-2', source='LOS').partner_id, self.partner('C800'))
        self.assertFalse(self.partner('C800').phone)


@tagged('post_install', '-at_install')
class TestPhoneBatch(TransactionCase):

    def test_fast_e164_reads_numbers_as_format_e164(self):
        """The sync's quick reading of E.164 numbers gives format_e164's answer for numbers of
        every region (examples of each type, and the same with a digit changed or added)."""
        rnd = random.Random(7)
        samples = ['+12025550111', '+1 202 555 0111', '(202) 555-0122', '+4407911123456', '+390612345678',
                   '+11234567890', '+999123456', '+1202555011', 'not a number', '+']
        for region in sorted(phonenumbers.SUPPORTED_REGIONS):
            for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
                         phonenumbers.PhoneNumberType.TOLL_FREE):
                example = phonenumbers.example_number_for_type(region, kind)
                if not example:
                    continue
                number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
                digits = list(number[1:])
                digits[rnd.randrange(1, len(digits))] = str(rnd.randint(0, 9))
                samples += [number, '+' + ''.join(digits), number + '1']
        for number in samples:
            for country in ('US', 'GB', None):
                with self.subTest(number=number, country=country):
                    self.assertEqual(format_e164_fast(number, country), format_e164(number, country))
