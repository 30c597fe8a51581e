"""What the core-banking sync loads: targets, their fields and the default mappings per source.

No ORM here. A *target* is what a record becomes in Odoo (a customer, a loan, a co-borrower or
guarantor of a loan, an instalment due, a collateral item). A *record type* is what the source calls its records (``ARRANGEMENT``,
``CARD_ACCOUNT``, ...); a connector's mapping says which targets each record type feeds and
which source column gives each target field. The engine stages, validates and upserts per
target, in the order of ``TARGET_ORDER`` so that customers exist before their loans, and loans
before their parties, dues and collateral.
"""

# Field kinds drive the validation done in SQL on the staging table:
#   char      trimmed text, empty means NULL
#   int       whole number
#   amount    decimal number, never negative
#   number    decimal number, may be negative (rates, coordinates)
#   date      YYYY-MM-DD or YYYYMMDD, a real calendar day
#   bool      1/0, true/false, yes/no, company/person
#   currency  ISO 4217 code of an active currency
#   country   ISO 3166 alpha-2 code (unknown codes are dropped with a warning)
#   phone     checked with phonenumbers (an invalid number rejects the record, or is dropped with a
#             warning: the connector's invalid_phone_policy)
#   email     user@domain.tld (invalid addresses are dropped with a warning)
#   state     code of a state (region, province) of the record's country, else the connector's
#             default country (unknown codes are dropped with a warning)
#   loan_state, collateral_type, party_role   a value from a fixed vocabulary, see NORMALISED_VALUES
#   customer_ref  CIF of a customer of the connector's company (loaded before)
#   loan_ref      account number of a loan of the connector's source and company
#   product_ref   code of a loan product of the connector's company
TARGET_ORDER = ('customer', 'loan', 'party', 'due', 'collateral')

TARGETS = {
    'customer': {
        'label': "Customer",
        'key': ('cif',),
        'fields': {
            'cif': ('char', True, "CIF"),
            'name': ('char', True, "Name"),
            'is_company': ('bool', False, "Is a company"),
            'national_id': ('char', False, "National ID"),
            'mobile': ('phone', False, "Mobile"),
            'phone': ('phone', False, "Phone"),
            'email': ('email', False, "Email"),
            'street': ('char', False, "Street"),
            'street2': ('char', False, "Street 2"),
            'city': ('char', False, "City"),
            'zip': ('char', False, "ZIP"),
            'country': ('country', False, "Country"),
            'state': ('state', False, "Region"),
            'latitude': ('number', False, "Latitude"),
            'longitude': ('number', False, "Longitude"),
        },
    },
    'loan': {
        'label': "Loan",
        'key': ('account',),
        'fields': {
            'account': ('char', True, "Account number"),
            'cif': ('customer_ref', True, "Customer CIF"),
            'product': ('product_ref', True, "Product code"),
            'currency': ('currency', True, "Currency"),
            'principal': ('amount', False, "Principal"),
            'outstanding': ('amount', True, "Outstanding"),
            'installment': ('amount', False, "Instalment"),
            'interest_rate': ('number', False, "Interest rate"),
            'disbursement_date': ('date', False, "Disbursement date"),
            'maturity_date': ('date', False, "Maturity date"),
            'term_months': ('int', False, "Term (months)"),
            'branch': ('char', False, "Branch"),
            'state': ('loan_state', False, "Status"),
        },
        'control': ('outstanding', 'currency'),
    },
    'party': {
        'label': "Co-borrower or guarantor",
        'key': ('account', 'cif', 'role'),
        'fields': {
            'account': ('loan_ref', True, "Account number"),
            'cif': ('customer_ref', True, "Customer CIF"),
            'role': ('party_role', True, "Role"),
            'relation': ('char', False, "Relation"),
        },
    },
    'due': {
        'label': "Instalment due",
        'key': ('account', 'sequence'),
        'fields': {
            'account': ('loan_ref', True, "Account number"),
            'sequence': ('int', True, "Instalment number"),
            'due_date': ('date', True, "Due date"),
            'amount_due': ('amount', True, "Amount due"),
            'amount_paid': ('amount', False, "Amount paid"),
        },
        'control': ('amount_due', None),
    },
    'collateral': {
        'label': "Collateral",
        'key': ('ref',),
        'fields': {
            'ref': ('char', True, "Collateral reference"),
            'account': ('loan_ref', True, "Account number"),
            'type': ('collateral_type', False, "Type"),
            'name': ('char', False, "Description"),
            'identifier': ('char', False, "Identifier"),
            'make': ('char', False, "Make"),
            'model': ('char', False, "Model"),
            'year': ('int', False, "Year"),
            'value': ('amount', False, "Value"),
            'valuation_date': ('date', False, "Valuation date"),
            'location': ('char', False, "Location"),
            'latitude': ('number', False, "Latitude"),
            'longitude': ('number', False, "Longitude"),
        },
        'control': ('value', None),
    },
}

# Source spellings accepted for the vocabularies (compared lower-case, trimmed).
NORMALISED_VALUES = {
    'bool': {
        '1': True, 'true': True, 't': True, 'y': True, 'yes': True,
        'c': True, 'company': True, 'corporate': True, 'business': True,
        '0': False, 'false': False, 'f': False, 'n': False, 'no': False,
        'p': False, 'i': False, 'person': False, 'individual': False, 'retail': False,
    },
    'loan_state': {
        'active': 'active', 'a': 'active', 'current': 'active', 'open': 'active',
        'disbursed': 'active', 'overdue': 'active', 'delinquent': 'active', 'blocked': 'active',
        'closed': 'closed', 'c': 'closed', 'close': 'closed', 'matured': 'closed',
        'settled': 'closed', 'paid': 'closed', 'cancelled': 'closed', 'expired': 'closed',
        'written_off': 'written_off', 'written-off': 'written_off', 'writtenoff': 'written_off',
        'write_off': 'written_off', 'wof': 'written_off', 'w': 'written_off',
    },
    'collateral_type': {
        'vehicle': 'vehicle', 'car': 'vehicle', 'auto': 'vehicle', 'motor': 'vehicle',
        'property': 'property', 'real_estate': 'property', 'land': 'property',
        'house': 'property', 'building': 'property',
        'equipment': 'equipment', 'cpe': 'equipment', 'device': 'equipment', 'machinery': 'equipment',
        'deposit': 'deposit', 'cash': 'deposit', 'fixed_deposit': 'deposit', 'fd': 'deposit',
        'other': 'other',
    },
    'party_role': {
        'co_borrower': 'co_borrower', 'co-borrower': 'co_borrower', 'coborrower': 'co_borrower',
        'joint': 'co_borrower', 'joint_borrower': 'co_borrower', 'co_applicant': 'co_borrower',
        'co-applicant': 'co_borrower',
        'guarantor': 'guarantor', 'surety': 'guarantor', 'co_signer': 'guarantor', 'co-signer': 'guarantor',
        'cosigner': 'guarantor',
    },
}

FIELD_SELECTION = [
    (f'{target}.{name}', f"{spec['label']}: {label}")
    for target, spec in TARGETS.items()
    for name, (_kind, _required, label) in spec['fields'].items()
]

# Default mappings: record type -> {target: {field: source column}}.
# Column names follow the extracts each system produces (see docs/extract-format.md).
DEFAULT_MAPPINGS = {
    't24': {
        'CUSTOMER': {'customer': {
            'cif': 'CUSTOMER_ID', 'name': 'NAME', 'is_company': 'CUSTOMER_TYPE',
            'national_id': 'LEGAL_ID', 'mobile': 'MOBILE', 'phone': 'PHONE', 'email': 'EMAIL',
            'street': 'STREET', 'street2': 'ADDRESS_2', 'city': 'TOWN', 'zip': 'POST_CODE',
            'country': 'COUNTRY', 'state': 'REGION', 'latitude': 'LATITUDE', 'longitude': 'LONGITUDE',
        }},
        'ARRANGEMENT': {'loan': {
            'account': 'ARRANGEMENT_ID', 'cif': 'CUSTOMER_ID', 'product': 'PRODUCT',
            'currency': 'CURRENCY', 'principal': 'AMOUNT', 'outstanding': 'OUTSTANDING',
            'installment': 'INSTALMENT', 'interest_rate': 'INTEREST_RATE',
            'disbursement_date': 'START_DATE', 'maturity_date': 'MATURITY_DATE',
            'term_months': 'TERM', 'branch': 'BRANCH', 'state': 'STATUS',
        }},
        'ARRANGEMENT_PARTY': {'party': {
            'account': 'ARRANGEMENT_ID', 'cif': 'CUSTOMER_ID', 'role': 'ROLE', 'relation': 'RELATION',
        }},
        'BILL': {'due': {
            'account': 'ARRANGEMENT_ID', 'sequence': 'BILL_SEQ', 'due_date': 'DUE_DATE',
            'amount_due': 'AMOUNT_DUE', 'amount_paid': 'AMOUNT_PAID',
        }},
        'COLLATERAL': {'collateral': {
            'ref': 'COLLATERAL_ID', 'account': 'ARRANGEMENT_ID', 'type': 'COLLATERAL_TYPE',
            'name': 'DESCRIPTION', 'identifier': 'IDENTIFIER', 'make': 'MAKE', 'model': 'MODEL',
            'year': 'YEAR', 'value': 'VALUE', 'valuation_date': 'VALUATION_DATE',
            'location': 'LOCATION', 'latitude': 'LATITUDE', 'longitude': 'LONGITUDE',
        }},
    },
    'way4': {
        'CARD_ACCOUNT': {'loan': {
            'account': 'CONTRACT_NUMBER', 'cif': 'CLIENT_CIF', 'product': 'CARD_PRODUCT',
            'currency': 'CURRENCY', 'principal': 'CREDIT_LIMIT', 'outstanding': 'TOTAL_BALANCE',
            'installment': 'MIN_PAYMENT', 'disbursement_date': 'OPEN_DATE',
            'maturity_date': 'EXPIRY_DATE', 'branch': 'BRANCH', 'state': 'STATUS',
        }},
        'CASE_TRACKING': {'due': {
            'account': 'CONTRACT_NUMBER', 'sequence': 'CYCLE_NO', 'due_date': 'PAYMENT_DUE_DATE',
            'amount_due': 'MIN_AMOUNT_DUE', 'amount_paid': 'AMOUNT_PAID',
        }},
    },
    'los': {
        'APPLICATION': {
            'customer': {
                'cif': 'APPLICANT_CIF', 'name': 'APPLICANT_NAME', 'national_id': 'APPLICANT_ID_NO',
                'mobile': 'APPLICANT_MOBILE', 'email': 'APPLICANT_EMAIL', 'street': 'ADDRESS',
                'city': 'CITY', 'country': 'COUNTRY',
            },
            'loan': {
                'account': 'LOAN_ACCOUNT', 'cif': 'APPLICANT_CIF', 'product': 'PRODUCT_CODE',
                'currency': 'CURRENCY', 'principal': 'APPROVED_AMOUNT',
                'outstanding': 'DISBURSED_AMOUNT', 'installment': 'INSTALMENT',
                'interest_rate': 'RATE', 'disbursement_date': 'DISBURSEMENT_DATE',
                'term_months': 'TENOR_MONTHS', 'branch': 'BRANCH', 'state': 'STATUS',
            },
        },
    },
}


def target_rank(target):
    return TARGET_ORDER.index(target)


def primary_target(targets):
    """The target a record type is about (the last one in load order): it owns the key checks
    and the control totals. The other targets of the record type are merged by key."""
    return max(targets, key=target_rank)


def control_spec(target):
    """(amount field, currency field or None) summed for the trailer's control totals."""
    return TARGETS[target].get('control', (None, None))
