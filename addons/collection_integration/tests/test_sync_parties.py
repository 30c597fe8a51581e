from odoo.tests import tagged

from .common import CollectionSyncCommon


@tagged('post_install', '-at_install')
class TestSyncPartiesAndAddresses(CollectionSyncCommon):
    """What the extract format carries besides customers, loans, dues and collateral: the
    address's second line, region and coordinates, and the loans' co-borrowers and guarantors."""

    def test_region_and_coordinates(self):
        california = self.env['res.country.state'].search([('country_id.code', '=', 'US'), ('code', '=', 'CA')])
        customers = self.customers()
        customers[0].update({'ADDRESS_2': "Suite 4", 'REGION': 'CA', 'LATITUDE': '37.774929',
                             'LONGITUDE': '-122.419416'})
        customers[1]['REGION'] = 'ZZ'  # no such state
        customers[2]['LATITUDE'] = '37.1234567'  # 7 decimals
        run = self.sync(paths=[self.extract('CUSTOMER', customers), self.extract('ARRANGEMENT', self.loans())])
        self.assertEqual(self.rejects(run, 'warning'), {(4, 'unknown_state')})
        self.assertEqual(self.rejects(run), {(5, 'bad_number')})
        alice = self.partner('C100')
        self.assertEqual((alice.street2, alice.state_id), ("Suite 4", california))
        self.assertAlmostEqual(alice.partner_latitude, 37.774929, places=6)
        self.assertAlmostEqual(alice.partner_longitude, -122.419416, places=6)
        address = alice.contact_point_ids.filtered(lambda p: p.kind == 'address')
        self.assertEqual(address.value, "1 Main Street, Suite 4, 12345 Springfield")
        self.assertAlmostEqual(address.latitude, 37.774929, places=6)
        self.assertAlmostEqual(address.longitude, -122.419416, places=6)
        self.assertEqual(self.loan('AA1').case_id.region_id, california, "the case's region is the customer's")
        self.assertFalse(self.partner('C200').state_id, "an unknown region is left out")
        self.assertFalse(self.partner('C300'), "a coordinate beyond 6 decimals rejects the record")
        # the same file again changes nothing
        run = self.sync(paths=[self.extract('CUSTOMER', customers[:1])])
        self.assertEqual((run.inserted_count, run.updated_count, run.unchanged_count), (0, 0, 1))
        # the bank places the same address elsewhere: the address point follows, and says so
        moved = dict(customers[0], LATITUDE='37.8', LONGITUDE='-122.4')
        run = self.sync(paths=[self.extract('CUSTOMER', [moved])])
        self.assertEqual((address.latitude, address.longitude), (37.8, -122.4))
        events = self.env['collection.event'].search([('run_id', '=', run.id), ('name', '=', 'contact.updated')])
        self.assertEqual(events.mapped('res_id'), address.ids)
        # a file without the position keeps the one known
        run = self.sync(paths=[self.extract('CUSTOMER', [dict(moved, LATITUDE='', LONGITUDE='')])])
        self.assertEqual((address.latitude, address.longitude), (37.8, -122.4))

    def test_co_borrowers_and_guarantors(self):
        customers = self.customers() + [
            {'CUSTOMER_ID': 'G1', 'NAME': "Gina Grant", 'MOBILE': '+12025550199', 'COUNTRY': 'US'}]
        parties = [
            {'ARRANGEMENT_ID': 'AA1', 'CUSTOMER_ID': 'G1', 'ROLE': 'GUARANTOR', 'RELATION': "Parent"},
            {'ARRANGEMENT_ID': 'AA2', 'CUSTOMER_ID': 'C200', 'ROLE': 'co-borrower', 'RELATION': "Spouse"},
            {'ARRANGEMENT_ID': 'AA9', 'CUSTOMER_ID': 'G1', 'ROLE': 'GUARANTOR'},
            {'ARRANGEMENT_ID': 'AA3', 'CUSTOMER_ID': 'G1', 'ROLE': 'WITNESS'},
            {'ARRANGEMENT_ID': 'AA3', 'CUSTOMER_ID': 'C999', 'ROLE': 'GUARANTOR'},
        ]
        # named so that the parties come first: the sync loads them after the loans all the same
        run = self.sync(paths=[self.extract('ARRANGEMENT_PARTY', parties, name='0_parties.csv'),
                               self.extract('CUSTOMER', customers), self.extract('ARRANGEMENT', self.loans())])
        self.assertEqual(run.state, 'warning')
        self.assertEqual(self.rejects(run), {(5, 'unknown_loan'), (6, 'unknown_value'), (7, 'unknown_customer')})
        batch = run.batch_ids.filtered(lambda b: b.record_type == 'ARRANGEMENT_PARTY')
        self.assertEqual((batch.sequence, batch.inserted_count), (3, 2))
        gina = self.partner('G1')
        self.assertEqual(self.loan('AA1').party_ids.mapped(lambda p: (p.partner_id, p.role, p.relation)),
                         [(gina, 'guarantor', "Parent")])
        self.assertEqual(self.loan('AA2').party_ids.mapped(lambda p: (p.partner_id, p.role, p.relation)),
                         [(self.partner('C200'), 'co_borrower', "Spouse")])
        self.assertFalse(gina.collection_case_ids, "a guarantor without loans of their own has no case")
        # a relation that changes is updated; a full extract that no longer lists a party removes nothing
        parties[0]['RELATION'] = "Mother"
        run = self.sync(paths=[self.extract('ARRANGEMENT_PARTY', parties[:1])])
        self.assertEqual((run.state, run.inserted_count, run.updated_count), ('done', 0, 1))
        self.assertEqual(self.loan('AA1').party_ids.relation, "Mother")
        self.assertTrue(self.loan('AA2').party_ids)
