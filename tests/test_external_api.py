"""The external API guide (docs/integration.md) run for real: every ``# example:`` block of the
guide is executed, in order, against the Odoo server the test starts, as a dedicated
integration user authenticated by an API key, over XML-RPC and over /json/2."""
import re
import xmlrpc.client
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.collection_integration.tests.gateway_common import CollectionGatewayCommon

GUIDE = Path(__file__).resolve().parent.parent / 'docs' / 'integration.md'
BLOCK = re.compile(r"```python\n(# example: ([^\n]+)\n.*?)```", re.DOTALL)


def guide_examples(prefix):
    """``[(name, code)]`` of the guide's example blocks whose name starts with ``prefix``."""
    return [(name, code) for code, name in BLOCK.findall(GUIDE.read_text(encoding='utf-8'))
            if name.startswith(prefix)]


@tagged('post_install', '-at_install')
class TestExternalApiGuide(CollectionGatewayCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_user = new_test_user(
            cls.env, 'call_centre_api', groups='collection_integration.collection_integration_group_api',
            name="Call centre")
        cls.api_key = cls.env(user=cls.api_user)['res.users.apikeys']._generate(
            'rpc', 'call centre', datetime.now() + timedelta(days=1))
        cls.customer.national_id = 'NID-0001'
        # a call with a promise, kept by a payment of 40, and the car securing the loan
        cls.history = cls._create_history()

    def _run_guide(self, prefix):
        examples = guide_examples(prefix)
        self.assertGreaterEqual(len(examples), 6, f"the guide has no {prefix} examples")
        namespace = {'URL': self.base_url(), 'DB': self.env.cr.dbname, 'LOGIN': self.api_user.login,
                     'API_KEY': self.api_key}
        for name, code in examples:
            with self.subTest(example=name), self._external_client():
                exec(compile(code, f'{GUIDE.name}: {name}', 'exec'), namespace)  # noqa: S102 - the guide's own code
        return namespace

    @contextmanager
    def _external_client(self):
        """Let a client that knows nothing of the test (the guide's code) reach the server, and
        read what it changed afterwards."""
        self.env.flush_all()
        self.cr.flush()
        self.cr.clear()
        with self.allow_requests(all_requests=True):
            yield
        self.env.invalidate_all()

    def _check_common_results(self, ns):
        self.assertEqual([c['cif'] for c in ns['customers']], ['CIF001'])
        picture = ns['picture']
        self.assertEqual(picture['customer']['name'], "Carla Customer")
        self.assertNotIn('national_id', picture['customer'])
        self.assertEqual([loan['name'] for loan in picture['loans']], ['ACC-001'])
        self.assertEqual([case['id'] for case in picture['cases']], [self.case.id])
        self._assert_picture_history(picture, self.history)
        action = self.env['collection.action'].browse(ns['posted']['action_id'])
        self.assertRecordValues(action, [{'case_id': self.case.id, 'state': 'posted', 'user_id': self.api_user.id,
                                          'result_code_id': self.code_ptp.id}])
        # the payment posted after the promise covers it
        self.assertRecordValues(action.ptp_id, [{'amount': 120.0, 'state': 'kept', 'case_id': self.case.id}])
        payment = self.env['collection.payment'].browse(ns['paid']['id'])
        self.assertRecordValues(payment, [{'source_system': 'BRANCH', 'amount': 150.0, 'loan_id': self.loan.id,
                                           'state': 'posted', 'create_uid': self.api_user.id}])
        self.assertTrue(ns['paid']['created'])

    def test_xmlrpc_guide(self):
        ns = self._run_guide('xmlrpc')
        self._check_common_results(ns)
        self.assertEqual([c['id'] for c in ns['cases']], [self.case.id], "60 days past due")
        self.assertEqual(ns['overdue'], 160.0, "two instalments of 100 were overdue, 40 paid, before the payment")
        old, new = (self.env['collection.contact.point'].browse(ns[key]['id']) for key in ('added', 'corrected'))
        self.assertEqual(old.state, 'invalid')
        self.assertRecordValues(new, [{'phone_e164': '+12025550188', 'state': 'verified', 'is_primary': True,
                                       'source': 'customer'}])
        self.assertIn("not allowed to modify", ns['refused'])
        self.assertEqual(self.loan.outstanding_amount, 500.0 - 40.0 - 150.0, "the refused write changed nothing")
        # the same action posted again is recorded once
        with self._external_client():
            again = ns['call']('collection.case', 'api_post_action', 'CIF001', result='NOANS',
                               external_ref='CC-2024-000123')
        self.assertEqual((again['action_id'], again['created']), (ns['posted']['action_id'], False))

    def test_json2_guide(self):
        ns = self._run_guide('json2')
        self._check_common_results(ns)
        old, new = (self.env['collection.contact.point'].browse(ns[key]['id']) for key in ('added', 'corrected'))
        self.assertRecordValues(old, [{'kind': 'email', 'value': 'carla@example.com', 'state': 'invalid',
                                       'is_primary': False}])
        self.assertRecordValues(new, [{'kind': 'email', 'value': 'carla.customer@example.com', 'state': 'verified',
                                       'is_primary': True, 'source': 'customer'}])
        self.assertEqual((ns['corrected']['created'], ns['corrected']['replaced_id']), (True, old.id))
        status, message = ns['refused']
        self.assertEqual(status, 403)
        self.assertIn("not allowed to modify", message)
        # what the user may not see does not exist for it
        other_company = self.env['res.company'].create({'name': "Other Lender"})
        self.env['res.partner'].create({'name': "Olga Other", 'cif': 'CIF900', 'company_id': other_company.id})
        for args, kwargs, status in [
            (('res.partner', 'collection_get_picture'), {'cif': 'CIF900'}, 422),
            (('collection.connector', 'search_read'), {'domain': [], 'fields': ['name']}, 403),
            (('res.partner', 'read'), {'ids': [self.customer.id], 'fields': ['national_id']}, 403),
            (('collection.case', 'unlink'), {'ids': [self.case.id]}, 403),
        ]:
            with self.subTest(call=args), self._external_client(), self.assertRaises(ns['OdooError']) as caught:
                ns['call'](*args, **kwargs)
            self.assertEqual(caught.exception.args[0], status)
        self.assertTrue(self.case.exists())

    def test_bad_credentials(self):
        common = xmlrpc.client.ServerProxy(f"{self.base_url()}/xmlrpc/2/common")
        with self._external_client():
            self.assertFalse(common.authenticate(self.env.cr.dbname, self.api_user.login, 'not-the-key', {}))
        response = self.url_open('/json/2/res.partner/search_read', data='{"domain": []}',
                                 headers={'Content-Type': 'application/json', 'Authorization': 'bearer nope'})
        self.assertEqual(response.status_code, 401)
