from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import FIELD_AGENT_GROUP


@tagged('post_install', '-at_install')
class TestTodayTour(HttpCase):
    """The field agent's day on a phone-sized screen (390 x 844, touch), in Chromium."""

    browser_size = '390x844'
    touch_enabled = True

    def test_today_on_a_phone(self):
        self.env.ref('collection_base.collection_contact_policy_visit').write({
            'hour_from': 0.0, 'hour_to': 24.0, 'allow_saturday': True, 'allow_sunday': True})
        agent = new_test_user(self.env, 'tour_field', groups=FIELD_AGENT_GROUP, name="Tom Tour-Field")
        agent.write({'field_start_latitude': 40.7128, 'field_start_longitude': -74.006})
        product = self.env['collection.product'].create({'name': "Card", 'code': 'FTOUR', 'product_type': 'card'})
        visits = self.env['collection.visit']
        for name, cif, phone, lat in (("Tara Field", 'FT-1', '+1 202 555 0177', 40.7228),
                                      ("Uma Later", 'FT-2', '+1 202 555 0178', 40.7528)):
            customer = self.env['res.partner'].create({'name': name, 'cif': cif})
            self.env['collection.contact.point'].create([{
                'partner_id': customer.id, 'kind': 'mobile', 'value': phone, 'is_primary': True,
                'country_id': self.env.ref('base.us').id,
            }, {
                'partner_id': customer.id, 'kind': 'address', 'value': f"{name}'s home", 'street': "5 Canal St",
                'district': "Old Town", 'latitude': lat, 'longitude': -74.006, 'is_primary': True,
            }])
            loan = self.env['collection.loan'].create({
                'name': f'ACC-{cif}', 'partner_id': customer.id, 'product_id': product.id,
                'principal': 1000, 'outstanding_amount': 1000, 'installment_amount': 100,
                'due_ids': [(0, 0, {'due_date': '2020-01-01', 'amount_due': 300})],
            })
            visits |= self.env['collection.visit'].create({'case_id': loan.case_id.id, 'user_id': agent.id})
        # Uma was planned first; the optimised route starts at Tara, who is nearer
        visits.route_id.action_optimize()

        self.start_tour('/odoo/action-collection_field.collection_visit_action_today',
                        'collection_field_today_tour', login='tour_field')

        visit = visits[0]
        self.assertEqual(visit.state, 'done')
        self.assertEqual(visit.geofence_state, 'verified')
        self.assertEqual(visit.checkin_accuracy, 8.0)
        self.assertEqual(visit.result_code_id.code, 'CASH')
        self.assertEqual(visit.note, "Paid 50 in cash at the door")
        self.assertEqual((visit.receipt_id.amount, visit.receipt_id.payment_id.custody_state), (50.0, 'custody'))
        # the promise to pay, with the photo taken at the door
        later = visits[1]
        self.assertEqual((later.state, later.result_code_id.code), ('done', 'PTP'))
        self.assertEqual(later.ptp_id.amount, 120.0)
        # three days after the phone's today (its time zone may be a day off the server's)
        self.assertIn((later.ptp_id.date - fields.Date.today()).days, (2, 3, 4))
        self.assertEqual(later.note, "Promises 120 on Friday")
        self.assertEqual(later.photo_ids.mapped('name'), ['door.jpg'])
        self.assertEqual(later.photo_ids.mimetype, 'image/jpeg')
        self.assertTrue(later.photo_ids.collection_sha256)
        # moved down, then up again: Tara is the first stop
        self.assertEqual(visits[0].route_id._get_ordered_visits(), visits)
        self.assertTrue(self.env['collection.field.event']._verify_chain(agent)['ok'])
