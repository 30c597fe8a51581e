from odoo.tests import HttpCase, new_test_user, tagged

from ..models.collection_letter_template import wkhtmltopdf_has_patched_qt


@tagged('post_install', '-at_install')
class TestLetterTour(HttpCase):

    def test_admin_previews_and_prints_a_letter(self):
        if not wkhtmltopdf_has_patched_qt():
            # see TestLetter: without patched Qt the letters are printed without the web assets
            self.env['ir.config_parameter'].set_param('report.url', 'http://127.0.0.1:9')
        new_test_user(self.env, 'letter_admin', groups='collection_base.collection_base_group_admin',
                      name="Lou Letter-Admin")
        product = self.env['collection.product'].create({'name': "Card", 'code': 'LTRCARD', 'product_type': 'card'})
        customer = self.env['res.partner'].create({'name': "Lena Letter", 'cif': 'LTR-1'})
        loan = self.env['collection.loan'].create({
            'name': 'LTR-ACC-1', 'partner_id': customer.id, 'product_id': product.id,
            'principal': 1000, 'outstanding_amount': 1000, 'installment_amount': 100,
            'due_ids': [(0, 0, {'due_date': '2020-01-01', 'amount_due': 300})],
        })

        self.start_tour('/odoo', 'collection_letter_tour', login='letter_admin')

        action = loan.case_id.action_ids
        self.assertEqual(action.action_type_id, self.env.ref('collection_base.collection_action_type_letter'))
        self.assertEqual(action.attachment_id.res_id, loan.case_id.id)
        self.assertEqual(action.attachment_id.raw[:5], b'%PDF-')
