from odoo.tests import TransactionCase, tagged


@tagged('post_install', '-at_install')
class TestInstall(TransactionCase):

    def test_suite_installed(self):
        modules = self.env['ir.module.module'].search([('name', 'like', 'collection_%')])
        self.assertEqual(
            {m.name: m.state for m in modules},
            dict.fromkeys(
                ['collection_base', 'collection_field', 'collection_legal', 'collection_integration'],
                'installed'),
        )
