from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
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

    def _assert_refused(self, records, vals, *expected):
        """Writing ``vals`` on ``records`` raises a UserError whose message contains ``expected``."""
        with self.subTest(vals=vals), self.assertRaises(UserError) as caught:
            records.write(vals)
        for text in expected:
            self.assertIn(text, str(caught.exception))

    def test_agent_adds_contact_without_touching_bank_data(self):
        self.customer.phone = '+1 202 555 0199'
        bank = self.customer.contact_point_ids
        added = self.env['collection.contact.point'].with_user(self.agent).create({
            'partner_id': self.customer.id, 'kind': 'mobile', 'value': '+1 202 555 0144', 'source': 'bank'})
        self.assertEqual(self.customer.phone, '+1 202 555 0199')
        sources = self.customer.contact_point_ids.mapped('source')
        self.assertEqual(sorted(sources), ['agent', 'bank'], "what an agent adds is the agent's")
        # the bank's number: the agent neither corrects, moves, relabels nor archives it
        as_agent = bank.with_user(self.agent)
        for vals in ({'value': '+1 202 555 0177'}, {'kind': 'phone'}, {'source': 'agent'}, {'active': False},
                     {'partner_id': self._create_customer("Olga Other", 'CIF098').id}):
            self._assert_refused(as_agent, vals, "+1 202 555 0101", "Carla Customer")
        as_agent.write({'is_primary': True, 'note': "Answers after 6 pm", 'state': 'verified'})
        self.assertEqual(bank.value, '+1 202 555 0101')
        # the agent's own number stays theirs to correct, but it stays the agent's
        added.with_user(self.agent).write({'value': '+1 202 555 0145'})
        self.assertEqual(added.phone_e164, '+12025550145')
        self._assert_refused(added.with_user(self.agent), {'source': 'bank'}, "+1 202 555 0145")
        # a supervisor corrects the bank's number
        bank.with_user(self.supervisor).write({'value': '+1 202 555 0177'})
        self.assertEqual(bank.phone_e164, '+12025550177')

    def test_agent_adds_blocks_only_a_supervisor_lifts_them(self):
        Tag = self.env['collection.tag']
        deceased = Tag.create({'name': "Deceased", 'is_contact_blocked': True})
        fraud = Tag.create({'name': "Fraud", 'applies_to': 'account', 'is_strategy_excluded': True})
        vip = Tag.create({'name': "VIP"})
        point = self.customer.contact_point_ids.with_user(self.agent)
        # blocks go on: the customer asks not to be called, the number is someone else's
        point.action_mark_do_not_call()
        point.write({'tag_ids': [Command.link(deceased.id), Command.link(vip.id)]})
        point.action_mark_wrong_number()
        for vals in ({'is_do_not_call': False}, {'state': 'verified'}, {'tag_ids': [Command.unlink(deceased.id)]},
                     {'tag_ids': [Command.clear()]}):
            self._assert_refused(point, vals, "supervisor", "+1 202 555 0101")
        point.write({'tag_ids': [Command.unlink(vip.id)], 'state': 'invalid'})
        self.assertEqual((point.is_do_not_call, point.state, point.tag_ids), (True, 'invalid', deceased))
        case = self.case.with_user(self.agent)
        case.write({'tag_ids': [Command.link(fraud.id), Command.link(vip.id)]})
        self._assert_refused(case, {'tag_ids': [Command.set(vip.ids)]}, "Fraud", self.case.name)
        case.write({'tag_ids': [Command.unlink(vip.id)]})
        # an agent allowed to edit contacts still does not lift the customer's own blocks
        self.agent.group_ids += self.env.ref('base.group_partner_manager')
        customer = self.customer.with_user(self.agent)
        customer.write({'is_do_not_contact': True, 'consent_sms': False, 'collection_tag_ids': [Command.link(deceased.id)]})
        for vals in ({'is_do_not_contact': False}, {'consent_sms': True}, {'collection_tag_ids': [Command.clear()]}):
            self._assert_refused(customer, vals, "supervisor", "Carla Customer")
        # the supervisor lifts them all
        point.with_user(self.supervisor).write({'is_do_not_call': False, 'state': 'verified', 'tag_ids': [Command.clear()]})
        self.case.with_user(self.supervisor).write({'tag_ids': [Command.clear()]})
        self.assertTrue(self.case.partner_id.contact_point_ids._is_contactable())
        self.assertFalse(self.case.tag_ids)

    def test_cif_unique_per_company(self):
        with self.assertRaises(IntegrityError), mute_logger('odoo.sql_db'):
            with self.cr.savepoint():
                self.env['res.partner'].create({'name': "Clone", 'cif': 'CIF001', 'company_id': self.company.id})
                self.env.flush_all()
