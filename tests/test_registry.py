"""Plain pytest tests with an Odoo environment (conftest.py's odoo_env fixture)."""


def test_suite_installed(odoo_env):
    modules = odoo_env['ir.module.module'].search([('name', 'like', 'collection_%')])
    assert {m.name: m.state for m in modules} == dict.fromkeys(
        ['collection_base', 'collection_field', 'collection_legal', 'collection_integration'],
        'installed')
