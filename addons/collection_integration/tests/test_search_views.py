from datetime import timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.safe_eval import datetime, safe_eval, time

from .gateway_common import CollectionGatewayCommon


@tagged('post_install', '-at_install')
class TestSearchViews(CollectionGatewayCommon):
    """The search views of payment links and voice blasts: each filter's domain runs as the user
    who clicks it and finds what its label says; each group-by groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        team = {'team_id': cls.team.id}
        cls.case.write(team)
        cls.case_b = cls._create_loan(cls._create_customer("Erin Early", 'CIF004', '+1 202 555 0104'), 'ACC-004',
                                      overdue_instalments=1).case_id
        cls.case_b.write(dict(team, user_id=cls.agent_2.id))
        cls.case_c = cls._create_loan(cls._create_customer("Fay Fine", 'CIF006', '+1 202 555 0106'), 'ACC-006',
                                      overdue_instalments=1).case_id
        cls.case_c.write(dict(team, user_id=cls.supervisor.id))
        Link = cls.env['collection.payment.link']
        cls.link_old = Link.with_user(cls.agent).create({'case_id': cls.case.id, 'loan_id': cls.loan.id})
        cls.link_new = Link.with_user(cls.agent).create({'case_id': cls.case.id, 'loan_id': cls.loan.id})
        cls.link_expired = Link.with_user(cls.supervisor).create({
            'case_id': cls.case_b.id, 'loan_id': cls.case_b.loan_ids.id, 'purpose': 'instalment'})
        cls.link_expired.expiry_date = cls.today - timedelta(days=1)
        cls.link_paid = Link.create({'case_id': cls.case_c.id, 'loan_id': cls.case_c.loan_ids.id})
        cls.link_paid.state = 'paid'
        cls._age(cls.link_old, 'create_date')

        gateway = cls._create_connector('voice', 'IVR', endpoint_url='http://127.0.0.1:9/v2')
        Blast = cls.env['collection.voice.blast']
        cls.blast_draft = Blast.with_user(cls.supervisor).create({
            'name': "Early arrears", 'connector_id': gateway.id, 'case_ids': [(6, 0, (cls.case | cls.case_b).ids)]})
        cls.blast_done = Blast.create({'name': "Last month", 'connector_id': gateway.id, 'case_ids': [(6, 0, cls.case_c.ids)],
                                       'state': 'done', 'sent_date': fields.Datetime.now()})
        cls.blast_sent = Blast.create({'name': "Older", 'connector_id': gateway.id, 'state': 'sent',
                                       'sent_date': fields.Datetime.now()})
        cls._age(cls.blast_sent, 'sent_date')

    @classmethod
    def _age(cls, record, column):
        """Move a date 40 days back: always before the current month."""
        cls.env.execute_query(SQL("UPDATE %s SET %s = %s - interval '40 days' WHERE id = %s",
                                  SQL.identifier(record._table), SQL.identifier(column), SQL.identifier(column),
                                  record.id))
        record.invalidate_recordset()

    def _check_views(self, action_xmlid, user):
        """Load the action's views as ``user``; return ``{filter name: records}`` for the domain
        filters and ``{filter name: {group value: count}}`` for the group-bys, after checking that
        date filters name a date field."""
        action = self.env.ref(action_xmlid)
        self.assertTrue(action.search_view_id, "the action names its search view")
        Model = self.env[action.res_model].with_user(user)
        views = Model.get_views([(False, 'list'), (False, 'form'), (action.search_view_id.id, 'search')])['views']
        form = etree.fromstring(views['form']['arch'])
        self.assertTrue(form.xpath('//header/field[@name="state"][@widget="statusbar"]'), "statusbar")
        self.assertTrue(form.xpath('//chatter'), "a mail.thread form has the chatter")
        self.assertTrue(etree.fromstring(views['list']['arch']).xpath('//field[@name="state"]'))
        search = etree.fromstring(views['search']['arch'])
        eval_context = {
            'uid': user.id, 'context_today': lambda: fields.Date.context_today(Model), 'relativedelta': relativedelta,
            'datetime': datetime, 'time': time,
        }
        found, groups = {}, {}
        for node in search.iter('filter'):
            name = node.get('name')
            with self.subTest(filter=name):
                if node.get('domain'):
                    found[name] = Model.search(safe_eval(node.get('domain'), eval_context))
                if node.get('date'):
                    self.assertIn(Model._fields[node.get('date')].type, ('date', 'datetime'))
                if node.get('context'):
                    spec = safe_eval(node.get('context'))['group_by']
                    groups[name] = {value: count for value, count in Model._read_group([], [spec], ['__count'])}
        for node in search.iter('field'):
            with self.subTest(field=node.get('name'), string=node.get('string')):
                self.assertIn(node.get('name'), Model._fields)
                if node.get('filter_domain'):
                    Model.search(safe_eval(node.get('filter_domain'), {'self': "early"}))
        return found, groups

    def test_payment_link_search(self):
        found, groups = self._check_views('collection_integration.collection_payment_link_action', self.supervisor)
        self.assertEqual(found.pop('my_cases'), self.link_paid)
        self.assertEqual(found.pop('sent_by_me'), self.link_expired)
        self.assertEqual(found.pop('active_links'), self.link_new | self.link_expired)
        self.assertEqual(found.pop('paid'), self.link_paid)
        self.assertEqual(found.pop('cancelled'), self.link_old)
        self.assertEqual(found.pop('expired'), self.link_expired)
        self.assertEqual(found.pop('sent_this_month'), self.link_new | self.link_expired | self.link_paid)
        self.assertFalse(found, "every filter checked")
        self.assertEqual(groups['group_state'], {'active': 2, 'paid': 1, 'cancelled': 1})
        self.assertEqual(groups['group_user'], {self.agent: 2, self.agent_2: 1, self.supervisor: 1})
        self.assertEqual(groups['group_team'], {self.team: 4})
        self.assertEqual(groups['group_purpose'], {'overdue': 3, 'instalment': 1})
        self.assertEqual(sum(groups['group_create_date'].values()), 4)
        self.assertEqual(len(groups['group_create_date']), 2, "this month and the aged link's month")
        # an agent's "My Cases" are all the links they may see
        agent_found, _groups = self._check_views('collection_integration.collection_payment_link_action', self.agent)
        self.assertEqual(agent_found['my_cases'], self.link_old | self.link_new)

    def test_voice_blast_search(self):
        found, groups = self._check_views('collection_integration.collection_voice_blast_action', self.supervisor)
        self.assertEqual(found.pop('my_blasts'), self.blast_draft)
        self.assertEqual(found.pop('draft'), self.blast_draft)
        self.assertEqual(found.pop('sent'), self.blast_sent)
        self.assertEqual(found.pop('done'), self.blast_done)
        self.assertEqual(found.pop('sent_this_month'), self.blast_done)
        self.assertFalse(found, "every filter checked")
        self.assertEqual(groups['group_state'], {'draft': 1, 'sent': 1, 'done': 1})
        self.assertEqual(groups['group_create_uid'][self.supervisor], 1)
        self.assertEqual(len(groups['group_sent_date']), 3, "unsent, this month, the aged blast's month")
        # the "Team" search field: blasts calling cases of that team
        Blast = self.env['collection.voice.blast'].with_user(self.supervisor)
        self.assertEqual(Blast.search([('case_ids.team_id', 'ilike', "early coll")]), self.blast_draft | self.blast_done)
