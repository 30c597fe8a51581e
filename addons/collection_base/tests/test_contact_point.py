from odoo.exceptions import ValidationError
from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestContactPoint(CollectionTestCommon):

    def test_phone_normalised_to_e164(self):
        point = self.customer.contact_point_ids
        self.assertEqual(point.phone_e164, '+12025550101')

    def test_invalid_phone_names_it(self):
        with self.assertRaisesRegex(ValidationError, r"12345.*Carla Customer"):
            self.env['collection.contact.point'].create({
                'partner_id': self.customer.id, 'kind': 'mobile', 'value': '12345'})

    def test_agent_adds_contact_without_touching_bank_data(self):
        self.customer.phone = '+1 202 555 0199'
        self.env['collection.contact.point'].with_user(self.agent).create({
            'partner_id': self.customer.id, 'kind': 'mobile', 'value': '+1 202 555 0144'})
        self.assertEqual(self.customer.phone, '+1 202 555 0199')
        sources = self.customer.contact_point_ids.mapped('source')
        self.assertEqual(sorted(sources), ['agent', 'bank'])

    def test_cif_unique_per_company(self):
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'):
            with self.cr.savepoint():
                self.env['res.partner'].create({'name': "Clone", 'cif': 'CIF001', 'company_id': self.company.id})
                self.env.flush_all()
