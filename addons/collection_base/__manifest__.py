{
    'name': 'Collection',
    'version': '19.0.0.1.0',
    'category': 'Accounting/Collection',
    'summary': 'Debt collection: loans, cases, actions, promises to pay, strategies, letters',
    'author': 'Collection Suite contributors',
    'license': 'LGPL-3',
    'depends': ['mail', 'sms', 'phone_validation', 'contacts'],
    'data': [],
    'installable': True,
    'application': True,
}
