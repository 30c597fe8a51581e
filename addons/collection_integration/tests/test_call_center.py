from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .gateway_common import CollectionGatewayHttpCommon


@tagged('post_install', '-at_install')
class TestCallCenter(CollectionGatewayHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call_center = cls._create_connector('call_center', 'CC')
        cls.path = f'/collection/call/{cls.call_center.id}'
        cls.agent.collection_dialer_extension = '2041'
        cls.Record = cls.env['collection.call.record']

    def _call(self, call_id='CDR-1', **values):
        return dict({
            'call_id': call_id, 'number': '+1 (202) 555-0101', 'direction': 'outbound', 'agent': '2041',
            'started_at': '2030-03-06T10:15:00Z', 'duration': 95, 'disposition': 'no_answer',
            'recording_url': 'https://cc.example.com/rec/CDR-1.mp3',
        }, **values)

    def test_matched_call_becomes_action(self):
        response = self._post(self.path, self._call())
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual((answer['status'], answer['case_id']), ('matched', self.case.id))
        action = self.env['collection.action'].browse(answer['action_id'])
        self.assertRecordValues(action, [{
            'case_id': self.case.id, 'state': 'posted', 'result_code_id': self.code_no_answer.id,
            'action_type_id': self.call.id, 'user_id': self.agent.id, 'duration': 1.58, 'external_ref': 'CDR-1',
            'contact_point_id': self.customer.contact_point_ids.id,
            'recording_url': 'https://cc.example.com/rec/CDR-1.mp3',
        }])
        self.assertEqual(str(action.date), '2030-03-06 10:15:00')
        record = self.Record.browse(answer['call_record_id'])
        self.assertRecordValues(record, [{'state': 'matched', 'number_e164': '+12025550101', 'user_id': self.agent.id}])
        again = self._post(self.path, self._call())
        self.assertEqual(again.json()['status'], 'duplicate')
        self.assertEqual(self.env['collection.action'].search_count([('external_ref', '=', 'CDR-1')]), 1)

    def test_answered_calls(self):
        promised = str(self.today + timedelta(days=4))
        response = self._post(self.path, self._call('CDR-2', disposition='answered', result='PTP', duration=300,
                                                    ptp={'amount': '80', 'date': promised}, note="Pays Friday"))
        action = self.env['collection.action'].browse(response.json()['action_id'])
        self.assertEqual(action.state, 'posted')
        self.assertRecordValues(action.ptp_id, [{'amount': 80.0, 'case_id': self.case.id}])
        self.assertEqual(str(action.ptp_id.date), promised)
        self.assertEqual(self.case.stage, 'promise')
        # answered without a result: a draft the agent completes
        response = self._post(self.path, self._call('CDR-3', disposition='answered', direction='inbound'))
        draft = self.env['collection.action'].browse(response.json()['action_id'])
        self.assertRecordValues(draft, [{'state': 'draft', 'result_code_id': False,
                                         'action_type_id': self.env.ref('collection_base.collection_action_type_inbound_call').id}])
        # wrong number: the contact point is marked
        self._post(self.path, self._call('CDR-4', disposition='wrong_number'))
        self.assertEqual(self.customer.contact_point_ids.state, 'wrong_number')

    def test_unmatched_calls_wait_for_review(self):
        unknown = self._post(self.path, self._call('CDR-5', number='+1 202 555 0144'))
        self.assertEqual(unknown.status_code, 200)
        self.assertEqual(unknown.json()['status'], 'unmatched')
        self.assertEqual(unknown.json()['reason'], "no customer has +12025550144")
        record = self.Record.browse(unknown.json()['call_record_id'])
        self.assertFalse(record.action_id)
        # shared by two customers
        twin = self._create_customer("Tom Twin", 'CIF003', '+1 202 555 0101')
        self._create_loan(twin, 'ACC-003', overdue_instalments=1)
        shared = self._post(self.path, self._call('CDR-6'))
        self.assertEqual(shared.json()['reason'], "+12025550101 belongs to 2 customers")
        # but the call centre may say whose call it was
        by_cif = self._post(self.path, self._call('CDR-7', cif='CIF003'))
        self.assertEqual(by_cif.json()['case_id'], twin.collection_case_ids.id)

        # the supervisor finds the unknown number's case and assigns it
        review = self.Record.with_user(self.supervisor).search([('state', '=', 'unmatched')])
        self.assertEqual(review.mapped('call_id'), ['CDR-6', 'CDR-5'])
        record = record.with_user(self.supervisor)
        with self.assertRaisesRegex(UserError, "Choose the case"):
            record.action_assign_to_case()
        record.case_id = self.case
        record.action_assign_to_case()
        self.assertEqual(record.state, 'matched')
        self.assertEqual(record.action_id.case_id, self.case)
        self.assertEqual(record.contact_point_id.phone_e164, '+12025550144')
        self.assertEqual(record.contact_point_id.partner_id, self.customer)

    def test_bad_call_records(self):
        for values, field in [
            ({'disposition': 'exploded'}, 'disposition'), ({'started_at': None}, 'started_at'),
            ({'recording_url': 'javascript:alert(1)'}, 'recording_url'), ({'duration': -3}, 'duration'),
            ({'result': 'NOPE'}, 'result'), ({'call_id': ''}, 'call_id'), ({'ptp': 'tomorrow'}, 'ptp'),
        ]:
            with self.subTest(field=field):
                response = self._post(self.path, dict(self._call('CDR-BAD'), **values))
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual(response.json()['error']['field'], field)
        self.assertFalse(self.Record.search([]))
        with mute_logger('odoo.addons.collection_integration.controllers.inbound'):
            self.assertEqual(self._post(self.path, self._call(), secret='guess').status_code, 401)

    def test_click_to_dial(self):
        server = self._start_recorder()
        self._create_connector('dialer', 'PBX', endpoint_url=server.url + '/api').api_token = 'pbx-token'
        case = self.case.with_user(self.agent)
        self.assertTrue(case.has_dialer)
        result = case.action_dial()
        self.assertEqual(result['tag'], 'display_notification')
        request = server.requests[0]
        self.assertEqual(request.path, '/api/calls')
        self.assertEqual(request.headers['Authorization'], 'Bearer pbx-token')
        self.assertEqual(request.json['extension'], '2041')
        self.assertEqual(request.json['number'], '+12025550101')
        # the contact policy decides first
        self.customer.is_do_not_contact = True
        with self.assertRaisesRegex(UserError, "blocked"):
            case.action_dial()
        self.assertEqual(len(server.requests), 1)
        self.customer.is_do_not_contact = False
        server.respond(500, {'error': 'extension offline'})
        with self.assertRaisesRegex(UserError, "did not place the call"):
            case.action_dial()
        self.agent.collection_dialer_extension = False
        with self.assertRaisesRegex(UserError, "dialer extension"):
            case.action_dial()
