from odoo.tests import HttpCase, new_test_user, tagged

# Waits until every box of the page shows a rendered view; fails on "Invalid action" or timeout.
WAIT_FOR_VIEWS = """
    const expected = %(count)s;
    const deadline = Date.now() + 60000;
    const check = () => {
        if (document.querySelector('.o-dashboard-action .text-warning')) {
            console.error('A dashboard box says: invalid action');
            return;
        }
        const views = document.querySelectorAll('%(selector)s');
        if (views.length >= expected) {
            console.log('test successful');
        } else if (Date.now() > deadline) {
            console.error(`Only ${views.length} of ${expected} views rendered`);
        } else {
            setTimeout(check, 250);
        }
    };
    check();
"""


@tagged('post_install', '-at_install')
class TestReportsUi(HttpCase):
    """The managers' dashboard and the report menus open in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = 'collection_base.collection_base_group_'
        cls.manager = new_test_user(cls.env, 'col_ui_manager', groups=group + 'manager', name="Mia Manager")
        product = cls.env['collection.product'].create({'name': "Card", 'code': 'CC'})
        partner = cls.env['res.partner'].create({'name': "Ulla User", 'cif': 'CIF-UI'})
        loan = cls.env['collection.loan'].create({
            'name': 'ACC-UI', 'partner_id': partner.id, 'product_id': product.id,
            'outstanding_amount': 300.0, 'principal': 300.0,
        })
        loan.case_id.user_id = cls.manager
        cls.env['collection.payment'].create({'name': 'PAY-UI', 'loan_id': loan.id, 'amount': 50.0})
        cls.env['collection.loan.snapshot']._take_snapshot()

    def test_dashboard_renders_its_four_reports(self):
        code = WAIT_FOR_VIEWS % {
            'count': 4, 'selector': '.o-dashboard-action .o_graph_renderer, .o-dashboard-action .o_pivot'}
        self.browser_js('/odoo/action-collection_base.collection_dashboard_action', code,
                        login='col_ui_manager', timeout=120)

    def test_report_actions_render(self):
        for xmlid, selector in (
            ('collection_roll_rate_report_action', '.o_pivot'),
            ('collection_cure_rate_action', '.o_pivot'),
            ('collection_ptp_report_action', '.o_pivot'),
            ('collection_payment_report_action', '.o_graph_renderer'),
            ('collection_workload_report_action', '.o_list_renderer'),
            ('collection_loan_snapshot_action', '.o_pivot'),
        ):
            with self.subTest(action=xmlid):
                self.browser_js(f'/odoo/action-collection_base.{xmlid}',
                                WAIT_FOR_VIEWS % {'count': 1, 'selector': selector},
                                login='col_ui_manager', timeout=120)
