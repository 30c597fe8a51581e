{
    'name': 'Collection: Integration',
    'version': '19.0.0.1.0',
    'category': 'Accounting/Collection',
    'summary': 'Core-banking sync, payments in, gateways, outbound events and the external API',
    'author': 'Collection Suite contributors',
    'license': 'LGPL-3',
    'depends': ['collection_base'],
    'data': [],
    'installable': True,
}
