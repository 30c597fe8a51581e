{
    'name': 'Collection: Integration',
    'version': '19.0.0.2.0',
    'category': 'Accounting/Collection',
    'summary': 'Core-banking sync, payments in, gateways, outbound events and the external API',
    'author': 'Collection Suite contributors',
    'license': 'LGPL-3',
    'depends': ['collection_base', 'mail'],
    'external_dependencies': {'python': ['zeep', 'phonenumbers']},
    'data': [
        'security/ir.model.access.csv',
        'security/collection_integration_security.xml',
        'views/collection_connector_views.xml',
        'views/collection_sync_run_views.xml',
        'views/collection_event_views.xml',
        'views/collection_integration_menus.xml',
    ],
    'installable': True,
}
