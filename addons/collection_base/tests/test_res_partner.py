from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestPartnerCif(CollectionTestCommon):

    def _assert_cif_refused(self, vals):
        """Creating a partner with ``vals`` breaks a CIF uniqueness index, whose message names the CIF."""
        with self.assertRaises(IntegrityError) as caught, mute_logger('odoo.sql_db'), self.cr.savepoint():
            self.env['res.partner'].create(vals)
            self.env.flush_all()
        message = self.env['res.partner']._sql_error_to_message(caught.exception)
        self.assertIn(f"CIF {vals['cif']} is already the CIF of another customer", message)

    def test_cif_unique_without_company(self):
        """Contacts created by hand have no company: two of them may not share a CIF."""
        Partner = self.env['res.partner']
        first = Partner.create({'name': "Walk-in One", 'cif': 'CIF-NC-1'})
        self.assertFalse(first.company_id)
        self._assert_cif_refused({'name': "Walk-in Two", 'cif': 'CIF-NC-1'})

    def test_cif_unique_per_company(self):
        self._assert_cif_refused({'name': "Clone", 'cif': 'CIF001', 'company_id': self.company.id})

    def test_same_cif_in_another_company_or_none(self):
        """The CIF is unique per company: another company, or no company, may reuse it."""
        other = self.env['res.company'].create({'name': "Other Bank"})
        Partner = self.env['res.partner']
        Partner.create([
            {'name': "Carla at the other bank", 'cif': 'CIF001', 'company_id': other.id},
            {'name': "Carla, no company", 'cif': 'CIF001'},
            {'name': "No CIF 1"}, {'name': "No CIF 2"},
        ])
        self.env.flush_all()
