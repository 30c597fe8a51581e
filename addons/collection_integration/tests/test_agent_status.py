import json
import time
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .gateway_common import CollectionGatewayHttpCommon

INBOUND_LOGGER = 'odoo.addons.collection_integration.controllers.inbound'


@tagged('post_install', '-at_install')
class TestAgentStatus(CollectionGatewayHttpCommon):
    """The call centre reports its agents' status over real HTTP: the current status on the user,
    the history, out-of-order and repeated events, refusals, stale statuses and who sees what."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call_center = cls._create_connector('call_center', 'CC')
        cls.path = f'/collection/agent/status/{cls.call_center.id}'
        cls.agent.collection_dialer_extension = '2041'
        cls._create_other_team()
        cls.Status = cls.env['collection.agent.status']
        cls.History = cls.env['collection.agent.status.history']
        # an hour ago, whole seconds: what the call centre's clock says
        cls.t0 = datetime.now().replace(microsecond=0) - timedelta(hours=1)

    def at(self, minutes):
        return self.t0 + timedelta(minutes=minutes)

    def _event(self, status, minutes, agent='2041', **values):
        return dict({'agent': agent, 'status': status,
                     'timestamp': self.at(minutes).strftime('%Y-%m-%dT%H:%M:%SZ')}, **values)

    def _report(self, *args, **kwargs):
        response = self._post(self.path, self._event(*args, **kwargs))
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def _history(self, user):
        return [(row.status, row.reason or False, row.date_start, row.date_end)
                for row in self.History.search([('user_id', '=', user.id)], order='date_start, id')]

    def test_status_changes(self):
        answer = self._report('available', 0)
        self.assertEqual(answer, {
            'status': 'updated', 'agent': '2041', 'user_id': self.agent.id,
            'current': {'status': 'available', 'since': fields.Datetime.to_string(self.at(0))}})
        self.assertEqual(self._report('on_call', 5, call_id='CDR-9')['status'], 'updated')
        # the same status again: the agent is still there, nothing new in the history
        self.assertEqual(self._report('on_call', 8)['status'], 'unchanged')
        self.assertEqual(self._report('wrap_up', 9)['status'], 'updated')
        # by login rather than extension, with the reason of the pause
        self.assertEqual(self._report('paused', 10, agent='col_agent', reason='Lunch')['status'], 'updated')

        current = self.Status.search([('user_id', '=', self.agent.id)])
        self.assertRecordValues(current, [{'status': 'paused', 'reason': 'Lunch', 'date': self.at(10),
                                           'connector_id': self.call_center.id, 'agent_ref': 'col_agent',
                                           'company_id': self.company.id}])
        self.assertTrue(current.last_seen >= self.at(60) - timedelta(minutes=5))
        self.assertEqual(self._history(self.agent), [
            ('available', False, self.at(0), self.at(5)),
            ('on_call', False, self.at(5), self.at(9)),
            ('wrap_up', False, self.at(9), self.at(10)),
            ('paused', 'Lunch', self.at(10), False),
        ])
        on_call = self.History.search([('user_id', '=', self.agent.id), ('status', '=', 'on_call')])
        self.assertEqual((on_call.call_ref, on_call.duration), ('CDR-9', 4 / 60))
        # the supervisor sees it on the user
        agent_as_supervisor = self.agent.with_user(self.supervisor)
        self.assertEqual((agent_as_supervisor.collection_agent_status, agent_as_supervisor.collection_agent_status_since),
                         ('paused', self.at(10)))
        # each request is kept in the received messages, with the agent as reference
        message = self.env['collection.inbound.message'].search([('kind', '=', 'agent_status')], limit=1)
        self.assertEqual((message.state, message.reference, message.res_model), ('done', 'col_agent', 'collection.agent.status'))
        # the supervisors' boards were told
        notifications = self.env['bus.bus'].search([('channel', 'like', '"res.groups"')]).filtered(
            lambda n: json.loads(n.message)['type'] == 'collection.agent_status/updated')
        self.assertTrue(notifications)
        self.assertEqual(json.loads(notifications[0].channel)[1:],
                         ['res.groups', self.env.ref('collection_base.collection_base_group_supervisor').id])

    def test_out_of_order_events(self):
        self._report('available', 0)
        self._report('on_call', 20)
        # the pause of minute 10 arrives late: it goes into the history, not over the call
        late = self._report('paused', 10, reason='Break')
        self.assertEqual(late['status'], 'late')
        self.assertEqual(late['current'], {'status': 'on_call', 'since': fields.Datetime.to_string(self.at(20))})
        self.assertEqual(self._history(self.agent), [
            ('available', False, self.at(0), self.at(10)),
            ('paused', 'Break', self.at(10), self.at(20)),
            ('on_call', False, self.at(20), False),
        ])
        # sent again (a retry): nothing changes
        self.assertEqual(self._report('paused', 10, reason='Break')['status'], 'duplicate')
        self.assertEqual(self._report('on_call', 20)['status'], 'duplicate')
        self.assertEqual(len(self._history(self.agent)), 3)
        # a batch in any order ends with its newest status
        response = self._post(self.path, {'events': [
            self._event('offline', 40), self._event('wrap_up', 30), self._event('available', 35, agent='col_agent2')]})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual([(e['status'], e['user_id']) for e in response.json()['events']],
                         [('updated', self.agent.id), ('updated', self.agent.id), ('updated', self.agent_2.id)])
        self.assertEqual(self.Status.search([('user_id', '=', self.agent.id)]).status, 'offline')
        self.assertEqual(self._history(self.agent)[-2:], [('wrap_up', False, self.at(30), self.at(40)),
                                                          ('offline', False, self.at(40), False)])

    def test_refused_requests(self):
        with mute_logger(INBOUND_LOGGER):
            forged = self._post(self.path, self._event('available', 0), secret='guess')
            replayed = self._post(self.path, self._event('available', 0), timestamp=time.time() - 3600)
        self.assertEqual((forged.status_code, forged.json()['error']['code']), (401, 'bad_signature'))
        self.assertEqual((replayed.status_code, replayed.json()['error']['code']), (401, 'timestamp_outside_window'))
        future = (datetime.now() + timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
        for values, code, field in [
            ({'status': 'sleeping'}, 'invalid_field', 'status'),
            ({'status': None}, 'missing_field', 'status'),
            ({'agent': ''}, 'missing_field', 'agent'),
            ({'timestamp': None}, 'missing_field', 'timestamp'),
            ({'timestamp': 'yesterday'}, 'invalid_field', 'timestamp'),
            ({'timestamp': future}, 'invalid_field', 'timestamp'),
            ({'reason': 'x' * 101}, 'invalid_field', 'reason'),
        ]:
            with self.subTest(field=field, values=values):
                response = self._post(self.path, dict(self._event('paused', 0), **values))
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual((response.json()['error']['code'], response.json()['error']['field']), (code, field))
        self.assertEqual(self._post(self.path, {'events': []}).status_code, 400)
        self.assertEqual(self._post(self.path, b'[1, 2]').json()['error']['code'], 'invalid_body')
        # an agent the call centre knows and Odoo does not: named in the answer, nothing applied
        # (not even the known agent of the same batch), kept for "Apply again"
        unknown = self._post(self.path, {'events': [self._event('available', 0), self._event('available', 0, agent='9999')]})
        self.assertEqual(unknown.status_code, 400)
        self.assertEqual(unknown.json()['error'], {
            'code': 'unknown_agent', 'field': 'agent',
            'message': f"No user of {self.company.name} has the login or dialer extension '9999'."})
        self.assertFalse(self.Status.search([]))
        self.assertFalse(self.History.search([]))
        message = self.env['collection.inbound.message'].search([('error_code', '=', 'unknown_agent')])
        self.agent_2.collection_dialer_extension = '9999'
        message.action_apply_again()
        self.assertEqual(message.state, 'done')
        self.assertEqual(self.Status.search([]).user_id, self.agent | self.agent_2)
        # two users with the same extension
        self.other_agent.collection_dialer_extension = '9999'
        ambiguous = self._post(self.path, self._event('paused', 3, agent='9999'))
        self.assertEqual((ambiguous.status_code, ambiguous.json()['error']['code']), (400, 'ambiguous_agent'))
        # the users of another company are not this call centre's agents
        other_company = self.env['res.company'].create({'name': "Other Lender"})
        self.env['res.users'].create({
            'name': "Olga Other", 'login': 'col_other_company', 'collection_dialer_extension': '7777',
            'company_id': other_company.id, 'company_ids': [(6, 0, other_company.ids)]})
        foreign = self._post(self.path, self._event('available', 0, agent='7777'))
        self.assertEqual((foreign.status_code, foreign.json()['error']['code']), (400, 'unknown_agent'))
        # a call-centre connector only: the payment processor's id is not an agent-status endpoint
        payment = self._create_connector('payment', 'PSP')
        self.assertEqual(self._post(f'/collection/agent/status/{payment.id}', self._event('available', 0)).status_code, 404)

    def test_stale_statuses_turn_unknown(self):
        self._report('available', 0)
        self._report('on_call', 0, agent='col_agent2')
        self._report('offline', 0, agent='col_agent_late')
        self.call_center.agent_stale_minutes = 15
        Status = self.Status.search([])
        Status.filtered(lambda s: s.user_id != self.agent_2).write({'last_seen': self.at(10)})
        Status.filtered(lambda s: s.user_id == self.agent_2).write({'last_seen': fields.Datetime.now()})
        self.assertEqual(self.Status._cron_mark_stale(), 1, "offline agents report nothing: never stale")
        agnes = Status.filtered(lambda s: s.user_id == self.agent)
        self.assertRecordValues(agnes, [{'status': 'unknown', 'date': self.at(10), 'reason': False}])
        self.assertEqual(self._history(self.agent), [('available', False, self.at(0), self.at(10)),
                                                     ('unknown', False, self.at(10), False)])
        self.assertEqual(Status.filtered(lambda s: s.user_id == self.agent_2).status, 'on_call')
        # the call centre speaks again
        self.assertEqual(self._report('available', 55)['status'], 'updated')
        self.assertEqual(self._history(self.agent)[-1], ('available', False, self.at(55), False))
        # 0: statuses never go stale
        self.call_center.agent_stale_minutes = 0
        agnes.last_seen = self.at(-600)
        self.assertEqual(self.Status._cron_mark_stale(), 0)

    def test_who_sees_what(self):
        self._report('available', 0)
        self._report('paused', 0, agent='col_agent2', reason='Training')
        self._report('on_call', 0, agent='col_agent_late')
        everyone = self.agent | self.agent_2 | self.other_agent
        for user, visible in [(self.agent, self.agent), (self.supervisor, self.agent | self.agent_2),
                              (self.other_supervisor, self.other_agent), (self.manager, everyone)]:
            with self.subTest(user=user.login):
                for model in ('collection.agent.status', 'collection.agent.status.history',
                              'collection.agent.status.report'):
                    self.assertEqual(self.env[model].with_user(user).search([]).user_id, visible, model)
        with self.assertRaises(AccessError):
            self.Status.search([('user_id', '=', self.agent.id)]).with_user(self.manager).write({'status': 'offline'})
        with self.assertRaises(AccessError):
            self.agent.with_user(self.agent_2).read(['collection_agent_status'])
        # a supervisor's board lists every agent of the team, reported or not
        silent = self.env['res.users'].create({'name': "Sid Silent", 'login': 'col_silent', 'group_ids': [
            (4, self.env.ref('collection_base.collection_base_group_agent').id)]})
        self.team.member_ids = [(4, silent.id)]
        action = self.Status.with_user(self.supervisor).action_open_board()
        self.assertEqual(action['res_model'], 'collection.agent.status')
        board = self.Status.with_user(self.supervisor).search([])
        self.assertEqual(board.user_id, self.agent | self.agent_2 | silent)
        self.assertEqual(board.filtered(lambda s: s.user_id == silent).status, 'unknown')
        self.assertFalse(self.History.search([('user_id', '=', silent.id)]))

    def test_time_per_status_and_day(self):
        """The report cuts the stretches at midnight in the agent's time zone and counts the
        current status up to now."""
        self.agent.tz = 'Asia/Colombo'  # UTC+05:30
        History = self.History.sudo()
        values = {'user_id': self.agent.id, 'company_id': self.company.id, 'connector_id': self.call_center.id}
        # 2030-03-05 22:00 to 2030-03-06 02:00 in Colombo
        History.create(dict(values, status='available', date_start=datetime(2030, 3, 5, 16, 30),
                            date_end=datetime(2030, 3, 5, 20, 30)))
        History.create(dict(values, status='paused', reason='Break', date_start=datetime(2030, 3, 5, 20, 30),
                            date_end=datetime(2030, 3, 5, 21, 0)))
        rows = self.env['collection.agent.status.report'].search_read(
            [('user_id', '=', self.agent.id)], ['date', 'status', 'duration'], order='date, status')
        self.assertEqual([(str(r['date']), r['status'], round(r['duration'], 2)) for r in rows], [
            ('2030-03-05', 'available', 2.0), ('2030-03-06', 'available', 2.0), ('2030-03-06', 'paused', 0.5)])
        self.assertEqual(sum(r['duration'] for r in rows), 4.5)
        # the current status counts up to now
        self._report('available', 0)
        current = self.env['collection.agent.status.report'].search([('user_id', '=', self.agent.id), ('is_current', '=', True)])
        self.assertAlmostEqual(sum(current.mapped('duration')), 1.0, delta=0.1)
