from odoo.tests import HttpCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestAgentTour(HttpCase):

    def test_agent_records_call_with_ptp(self):
        agent = new_test_user(
            self.env, 'tour_agent', groups='collection_base.collection_base_group_agent', name="Tom Tour-Agent")
        product = self.env['collection.product'].create({'name': "Card", 'code': 'TOURCARD', 'product_type': 'card'})
        customer = self.env['res.partner'].create({'name': "Tara Tour", 'cif': 'TOUR-1'})
        self.env['collection.contact.point'].create({
            'partner_id': customer.id, 'kind': 'mobile', 'value': '+1 202 555 0177', 'is_primary': True,
            'country_id': self.env.ref('base.us').id})
        loan = self.env['collection.loan'].create({
            'name': 'TOUR-ACC-1', 'partner_id': customer.id, 'product_id': product.id,
            'principal': 1000, 'outstanding_amount': 1000, 'installment_amount': 100,
            'due_ids': [(0, 0, {'due_date': '2020-01-01', 'amount_due': 300})],
        })
        loan.case_id.user_id = agent

        self.start_tour('/odoo', 'collection_agent_ptp_tour', login='tour_agent')

        case = loan.case_id
        self.assertEqual(case.stage, 'promise')
        self.assertEqual(case.ptp_ids.amount, 150.0)
        self.assertEqual(case.ptp_ids.user_id, agent)
        self.assertEqual(case.action_ids.result_code_id, self.env.ref('collection_base.collection_result_code_ptp'))
        self.assertEqual(case.action_ids.note, "Will pay on Friday after salary")
