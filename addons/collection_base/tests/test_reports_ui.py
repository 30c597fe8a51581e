from odoo.tests import HttpCase, new_test_user, tagged

# One browser session: the dashboard shows its four boxes, then each report action renders.
CHECK_REPORTS = """
    const actions = %(actions)s;
    const wait = async (predicate, what) => {
        const deadline = Date.now() + 60000;
        while (!predicate()) {
            if (document.querySelector('.o-dashboard-action .text-warning')) {
                throw new Error('A dashboard box says: invalid action');
            }
            if (Date.now() > deadline) {
                throw new Error(`Timeout waiting for ${what}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    };
    (async () => {
        try {
            await wait(() => document.querySelectorAll(
                '.o-dashboard-action .o_graph_renderer, .o-dashboard-action .o_pivot').length >= 4,
                'the four boxes of the dashboard');
            const actionService = odoo.__WOWL_DEBUG__.root.env.services.action;
            for (const [xmlid, selector] of actions) {
                const previous = document.querySelector('.o_action_manager > .o_action');
                await actionService.doAction(xmlid, {clearBreadcrumbs: true});
                await wait(() => {
                    const current = document.querySelector('.o_action_manager > .o_action');
                    return current && current !== previous && current.querySelector(selector);
                }, xmlid);
            }
            console.log('test successful');
        } catch (error) {
            console.error(error.message);
        }
    })();
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

    def test_dashboard_and_reports_render(self):
        actions = [
            [f'collection_base.{xmlid}', selector] for xmlid, selector in (
                ('collection_roll_rate_report_action', '.o_pivot'),
                ('collection_cure_rate_action', '.o_pivot'),
                ('collection_ptp_report_action', '.o_pivot'),
                ('collection_payment_report_action', '.o_graph_renderer'),
                ('collection_workload_report_action', '.o_list_renderer'),
                ('collection_loan_snapshot_action', '.o_pivot'),
            )
        ]
        self.browser_js('/odoo/action-collection_base.collection_dashboard_action',
                        CHECK_REPORTS % {'actions': actions}, login='col_ui_manager', timeout=180)
