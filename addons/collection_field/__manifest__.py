{
    'name': 'Collection: Field',
    'version': '19.0.0.1.0',
    'category': 'Accounting/Collection',
    'summary': 'Field visits with GPS check-in, routes and cash receipts',
    'author': 'Collection Suite contributors',
    'license': 'LGPL-3',
    'depends': ['collection_base'],
    'data': [],
    'installable': True,
}
