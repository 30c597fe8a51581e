{
    'name': 'Collection: Legal',
    'version': '19.0.0.1.0',
    'category': 'Accounting/Collection',
    'summary': 'Repossession, mediation, settlements, litigation and recovery agencies',
    'author': 'Collection Suite contributors',
    'license': 'LGPL-3',
    'depends': ['collection_base'],
    'data': [],
    'installable': True,
}
