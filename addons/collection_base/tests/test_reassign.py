import base64
import csv
import io

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import CollectionTestCommon


@tagged('post_install', '-at_install')
class TestReassign(CollectionTestCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent_3 = new_test_user(
            cls.env, 'col_agent3', groups='collection_base.collection_base_group_agent', name="Cleo Agent")
        cls.team.member_ids = [(4, cls.agent_3.id)]
        cls._create_other_team()
        cls.case_2 = cls._create_loan(cls._create_customer("Dora Debtor", 'CIF002'), 'ACC-002', 1).case_id
        cls.case_3 = cls._create_loan(cls._create_customer("Emil Owing", 'CIF003'), 'ACC-003', 1).case_id
        (cls.case_2 | cls.case_3).write({'user_id': cls.agent.id, 'team_id': cls.team.id})
        cls.case_4 = cls._create_loan(cls._create_customer("Gina Grace", 'CIF005'), 'ACC-005', 1).case_id
        cls.case_4.write({'user_id': cls.agent.id, 'team_id': cls.team.id})
        cls.other_case = cls._create_loan(cls._create_customer("Fritz Far", 'CIF004'), 'ACC-004', 1).case_id
        cls.other_case.write({'user_id': cls.other_agent.id, 'team_id': cls.other_team.id})

    def _flush_tracking(self):
        self.env.flush_all()
        self.env.cr.precommit.run()

    # ------------------------------------------------------------------
    # Single and bulk
    # ------------------------------------------------------------------

    def test_single_reassignment_is_tracked(self):
        self.case.with_user(self.supervisor).write({'user_id': self.agent_2.id})
        self._flush_tracking()
        self.assertEqual(self.case.user_id, self.agent_2)
        tracked = self.case.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == 'user_id').sorted('id')[-1]
        self.assertEqual(tracked.old_value_char, self.agent.name)
        self.assertEqual(tracked.new_value_char, self.agent_2.name)

    def test_agent_cannot_reassign(self):
        with self.assertRaises(AccessError):
            self.case.with_user(self.agent).write({'user_id': self.agent_2.id})
        with self.assertRaises(AccessError):
            self.case.with_user(self.agent).write({'team_id': False})
        with self.assertRaises(AccessError):
            self.env['collection.case.assign'].with_user(self.agent).create({
                'case_ids': [(6, 0, self.case.ids)], 'user_id': self.agent_2.id})
        with self.assertRaises(AccessError):
            self.env['collection.case.assign.import'].with_user(self.agent).create({'file': b''})
        # an agent still edits the rest of the case
        self.case.with_user(self.agent).write({'next_action_date': self.today})
        self.assertEqual(self.case.user_id, self.agent)

    def test_bulk_reassignment_from_the_case_list(self):
        cases = self.case | self.case_2 | self.case_3
        action = self.env.ref('collection_base.collection_case_assign_action')
        self.assertEqual(action.binding_model_id.model, 'collection.case')
        wizard_form = Form(self.env['collection.case.assign'].with_user(self.supervisor).with_context(
            active_model='collection.case', active_ids=cases.ids))
        self.assertEqual(wizard_form.case_count, 3)
        wizard_form.user_id = self.agent_3
        result = wizard_form.save().action_apply()
        self.assertEqual(result['params']['type'], 'success')
        self.assertEqual(cases.user_id, self.agent_3)
        self.assertEqual(cases.team_id, self.team)
        self._flush_tracking()
        for case in cases:
            self.assertIn(self.agent_3.name, case.message_ids.tracking_value_ids.mapped('new_value_char'))

    def test_bulk_reassignment_checks_team_and_rights(self):
        Assign = self.env['collection.case.assign'].with_user(self.supervisor)
        with self.assertRaises(UserError):
            Assign.create({'case_ids': [(6, 0, self.case.ids)]}).action_apply()
        with self.assertRaisesRegex(UserError, "not a member"):
            Assign.create({'case_ids': [(6, 0, self.case.ids)], 'user_id': self.other_agent.id}).action_apply()
        with self.assertRaises(AccessError):
            # into a team the supervisor does not lead
            Assign.create({'case_ids': [(6, 0, self.case.ids)], 'team_id': self.other_team.id,
                           'user_id': self.other_agent.id}).action_apply()
        with self.assertRaises(AccessError):
            # a case of another team
            self.other_case.with_user(self.supervisor).write({'user_id': self.agent.id})
        self.assertEqual(self.case.user_id, self.agent)
        # a manager moves a case across teams
        self.env['collection.case.assign'].with_user(self.manager).create({
            'case_ids': [(6, 0, self.case.ids)], 'team_id': self.other_team.id,
            'user_id': self.other_agent.id}).action_apply()
        self.assertEqual((self.case.user_id, self.case.team_id), (self.other_agent, self.other_team))

    # ------------------------------------------------------------------
    # CSV upload
    # ------------------------------------------------------------------

    def _import(self, content, user=None, filename='assign.csv', encoding='utf-8'):
        data = content.encode(encoding) if isinstance(content, str) else content
        wizard = self.env['collection.case.assign.import'].with_user(user or self.supervisor).create({
            'file': base64.b64encode(data), 'filename': filename})
        wizard.action_import()
        return wizard

    def test_csv_reassignment_reports_each_row(self):
        self._flush_tracking()
        team_messages = len(self.team.message_ids)
        case_messages = {case: len(case.message_ids) for case in (self.case, self.case_2, self.case_3)}
        other_messages = len(self.other_case.message_ids)
        wizard = self._import(
            "case,account,cif,agent,team\n"
            f"{self.case.name},,,col_agent2,\n"                 # 2: by case reference
            ",ACC-002,,col_agent3,Early collections\n"          # 3: by account number, with team
            ",,CIF003,nobody,\n"                                # 4: unknown agent
            ",,CIF003,col_agent_late,\n"                        # 5: agent of another team
            ",,CIF003,COL_AGENT2,\n"                            # 6: by CIF, login in another case
            "CASE-9999999,,,col_agent2,\n"                      # 7: unknown case
            ",ACC-404,,col_agent2,\n"                           # 8: unknown account
            "broken row,col_agent2\n"                           # 9: malformed
            ",ACC-002,,col_agent2,\n"                           # 10: duplicate of line 3
            ",ACC-004,,col_agent2,\n"                           # 11: case of another team: not readable
            ",,CIF005,,Late collections\n"                      # 12: into a team not supervised
            ",,,col_agent2,\n"                                  # 13: no reference
            "\n"                                                # blank line: ignored
        )
        self.assertEqual(wizard.state, 'done')
        outcome = {line.line_number: (line.status, line.reason_code or False) for line in wizard.line_ids}
        self.assertEqual(outcome, {
            2: ('assigned', False),
            3: ('assigned', False),
            4: ('skipped', 'unknown_agent'),
            5: ('skipped', 'agent_not_in_team'),
            6: ('assigned', False),
            7: ('skipped', 'unknown_case'),
            8: ('skipped', 'unknown_case'),
            9: ('skipped', 'malformed'),
            10: ('skipped', 'duplicate'),
            11: ('skipped', 'unknown_case'),
            12: ('skipped', 'no_access'),
            13: ('skipped', 'malformed'),
        })
        self.assertEqual((wizard.assigned_count, wizard.unchanged_count, wizard.skipped_count), (3, 0, 9))
        self.assertEqual(self.case.user_id, self.agent_2)
        self.assertEqual(self.case_2.user_id, self.agent_3)
        self.assertEqual(self.case_3.user_id, self.agent_2)
        self.assertEqual(self.other_case.user_id, self.other_agent, "rejected rows change nothing")
        line_11 = wizard.line_ids.filtered(lambda line: line.line_number == 11)
        self.assertFalse(line_11.case_id, "a case the user may not reassign is not disclosed")
        self.assertEqual(line_11.reason, "Unknown case: no case matches account number ACC-004.",
                         "a case the user may not read is not told apart from one that does not exist")
        line_12 = wizard.line_ids.filtered(lambda line: line.line_number == 12)
        self.assertIn("No access", line_12.reason, "a case the user sees but may not move there")
        self.assertIn("line 3", wizard.line_ids.filtered(lambda line: line.line_number == 10).reason)
        # the report is downloadable and says the same
        report = list(csv.DictReader(io.StringIO(base64.b64decode(wizard.report_file).decode())))
        self.assertEqual(wizard.report_filename, 'assign_report.csv')
        self.assertEqual([row['status'] for row in report], [outcome[n][0] for n in sorted(outcome)])
        self.assertEqual(report[1]['previous_agent'], 'col_agent')
        self.assertTrue(report[5]['reason'].startswith("Unknown case"), report[5])
        self.assertEqual(self.case_4.team_id, self.team)
        # one summary message on the team, and on each case reassigned its tracked changes
        self._flush_tracking()
        self.assertEqual(len(self.team.message_ids), team_messages + 1)
        summary = self.team.message_ids[0]
        self.assertIn("3 assigned", summary.body)
        self.assertEqual(summary.attachment_ids.name, 'assign_report.csv')
        expected = {self.case: (self.agent, self.agent_2), self.case_2: (self.agent, self.agent_3),
                    self.case_3: (self.agent, self.agent_2)}
        for case, count in case_messages.items():
            self.assertEqual(len(case.message_ids), count + 1, f"{case.name}: one message for its row")
            note = case.message_ids[0]
            self.assertIn("Reassigned from the file assign.csv", note.body)
            tracked = note.tracking_value_ids
            self.assertEqual(tracked.field_id.mapped('name'), ['user_id'], "the team did not change")
            self.assertEqual((tracked.old_value_integer, tracked.new_value_integer),
                             tuple(user.id for user in expected[case]))
            self.assertEqual(tracked.new_value_char, expected[case][1].name)
        self.assertEqual(len(self.other_case.message_ids), other_messages, "rejected rows log nothing")
        self.assertIn(self.agent_3.partner_id, self.case_2.message_partner_ids, "the new agent follows the case")

    def test_csv_unchanged_rows_and_semicolons(self):
        wizard = self._import(
            "\ufeffAccount Number;Agent Login\n"
            "ACC-001;col_agent\n"
            "ACC-002;col_agent2\n", filename='semicolons.csv')
        outcome = [(line.line_number, line.status) for line in wizard.line_ids]
        self.assertEqual(outcome, [(2, 'unchanged'), (3, 'assigned')])
        self.assertEqual(self.case_2.user_id, self.agent_2)

    def test_csv_by_manager_across_teams(self):
        wizard = self._import("cif,agent,team\nCIF004,col_agent3,Early collections\n", user=self.manager)
        self.assertEqual(wizard.line_ids.status, 'assigned')
        self.assertEqual((self.other_case.user_id, self.other_case.team_id), (self.agent_3, self.team))

    def test_csv_bad_files(self):
        with self.assertRaisesRegex(UserError, "empty"):
            self._import("")
        with self.assertRaisesRegex(UserError, "empty"):
            self._import("\n  \n")
        with self.assertRaisesRegex(UserError, "UTF-8"):
            self._import("account,agent\nACC-001,Jos\u00e9\n", encoding='latin-1')
        with self.assertRaisesRegex(UserError, "first line"):
            self._import(f"{self.case.name},col_agent2\n")
        with self.assertRaisesRegex(UserError, "first line"):
            self._import("account,note\nACC-001,call back\n")
        with self.assertRaisesRegex(UserError, "no row"):
            self._import("account,agent\n")
        with self.assertRaisesRegex(UserError, "empty"):
            self._import(",,\n,\n")
        self.assertEqual(self.case.user_id, self.agent)
