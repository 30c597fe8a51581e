"""The server the tests start answers over real HTTP: web client, XML-RPC, Chromium."""
from odoo.tests import HttpCase, tagged

ADDONS = ('collection_base', 'collection_field', 'collection_legal', 'collection_integration')


@tagged('post_install', '-at_install')
class TestSmoke(HttpCase):

    def test_login_page(self):
        response = self.url_open('/web/login')
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="login"', response.text)

    def test_xmlrpc(self):
        version = self.xmlrpc_common.version()
        self.assertEqual(version['server_version_info'][0], 19)
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, 'admin', 'admin', {})
        self.assertTrue(uid)
        installed = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, 'admin', 'ir.module.module', 'search_read',
            [[('name', 'in', ADDONS)]], {'fields': ['name', 'state']})
        self.assertEqual({m['name']: m['state'] for m in installed},
                         dict.fromkeys(ADDONS, 'installed'))

    def test_browser(self):
        # Chromium and websocket-client work: tours will run, not be skipped.
        self.browser_js('/web/login', "console.log('test successful')", login=None)
