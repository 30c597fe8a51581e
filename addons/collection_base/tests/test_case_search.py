from lxml import etree

from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .common import CollectionTestCommon


class TestCaseSearch(CollectionTestCommon):
    """The case search box: customer by name or CIF, phone as typed, account number, national id."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls._create_customer("Olga Other", 'CIF777', '+1 312 555 0199')
        cls.other_case = cls._create_loan(cls.other, 'ACC-777', overdue_instalments=1).case_id
        cls.customer.sudo().national_id = '851234567V'

    def _search(self, field, label, term, user=None):
        """Cases found by the case search view's field ``field`` (``label``) for ``term``."""
        Case = self.env['collection.case'].with_user(user or self.manager)
        arch = etree.fromstring(Case.get_views([(False, 'search')])['views']['search']['arch'])
        node = next(n for n in arch.iter('field') if n.get('name') == field and n.get('string') in (label, None))
        domain = safe_eval(node.get('filter_domain'), {'self': term}) if node.get('filter_domain') \
            else [(field, 'ilike', term)]
        return Case.search(domain)

    def test_customer_by_name_or_cif(self):
        label = "Customer (name or CIF)"
        self.assertEqual(self._search('partner_id', label, "carla cust"), self.case)
        self.assertEqual(self._search('partner_id', label, "CIF001"), self.case)
        self.assertEqual(self._search('partner_id', label, "cif77"), self.other_case)
        self.assertFalse(self._search('partner_id', label, "nobody"))

    def test_phone_as_typed_or_e164(self):
        Case = self.env['collection.case']
        for typed in ('+12025550101', '(202) 555-0101', '202 555 0101', '2025550101', '555-0101'):
            self.assertEqual(Case.search([('contact_phone', 'ilike', typed)]), self.case, typed)
        self.assertEqual(Case.search([('contact_phone', 'ilike', '312-555-0199')]), self.other_case)
        self.assertFalse(Case.search([('contact_phone', 'ilike', '(202) 555-0199')]))
        self.assertFalse(Case.search([('contact_phone', 'ilike', 'no digits')]))
        self.assertEqual(self.case.contact_phone, '+1 202 555 0101')

    def test_phone_search_follows_record_rules(self):
        found = self.env['collection.case'].with_user(self.agent).search([('contact_phone', 'ilike', '3125550199')])
        self.assertFalse(found, "the other customer's case is not the agent's")
        found = self.env['collection.case'].with_user(self.agent).search([('contact_phone', 'ilike', '2025550101')])
        self.assertEqual(found, self.case)

    def test_account_number(self):
        self.assertEqual(self._search('account_number', None, "acc-00"), self.case)
        self.assertEqual(self._search('account_number', None, "ACC-001"), self.case)
        self.assertEqual(self._search('account_number', None, " acc-001 "), self.case)
        self.assertEqual(self._search('account_number', None, "777"), self.other_case)
        self.assertFalse(self._search('account_number', None, "ACC-999"))
        self.assertEqual(self.case.account_number, 'ACC-001')
        # an agent finds only the cases the record rules show them
        self.assertFalse(self._search('account_number', None, "ACC-777", user=self.agent))

    def test_national_id_for_managers_only(self):
        self.assertEqual(self._search('partner_id', "National ID", "1234567"), self.case)
        arch = self.env['collection.case'].with_user(self.agent).get_views([(False, 'search')])['views']['search']['arch']
        self.assertNotIn("National ID", arch)

    def test_search_columns_trigram_indexed(self):
        """The columns the search box filters on have a trigram index (ilike anywhere in the text)."""
        loan_name_btree = self.env.execute_query(SQL(
            "SELECT 1 FROM pg_indexes WHERE indexname = 'collection_loan_name_idx' AND indexdef LIKE '%%btree (name)'"))
        self.assertTrue(loan_name_btree)
        for table, column in (('res_partner', 'complete_name'), ('res_partner', 'cif'),
                              ('collection_contact_point', 'phone_e164'), ('collection_loan', 'name'),
                              ('collection_case', 'name')):
            rows = self.env.execute_query(SQL("""
                SELECT indexdef FROM pg_indexes
                 WHERE tablename = %s AND indexdef LIKE %s AND indexdef LIKE '%%gin_trgm_ops%%'
            """, table, f'%{column}%'))
            self.assertTrue(rows, f"{table}.{column}")

    def test_daily_updated_tables_keep_room_for_updates(self):
        rows = dict(self.env.execute_query(SQL("""
            SELECT relname, array_to_string(reloptions, ',') FROM pg_class
             WHERE relname IN ('collection_loan', 'collection_case')
        """)))
        self.assertIn('fillfactor=80', rows['collection_loan'])
        self.assertIn('fillfactor=70', rows['collection_case'])
