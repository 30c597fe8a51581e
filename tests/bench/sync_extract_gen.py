#!/usr/bin/env python3
"""Seeded generator of T24 extract files for the core-banking sync benchmark.

Writes, in the documented extract format (docs/extract-format.md), a full extract of customers,
arrangements (loans), bills (instalments, optional) and collateral, and an incremental extract of
changed arrangements. The same seed gives the same files, byte for byte.

    python3 tests/bench/sync_extract_gen.py --out /tmp/t24 --loans 1000000 --customers 400000 \
        --collateral 300000 [--bills-per-loan 0] [--changed 50000] [--format csv]

Run it with the Odoo source importable (it reuses the addon's extract writer) and
``--addons-path`` pointing at the repository's addons.
"""
import argparse
import os
import random
import sys
from datetime import date, timedelta

AREA_CODES = ('202', '206', '212', '213', '305', '312', '404', '415', '503', '617', '702', '713', '718', '801')
FIRST = ('Ama', 'Bruno', 'Carla', 'Dawit', 'Eun', 'Farah', 'Goran', 'Hana', 'Ivan', 'Jia', 'Kofi', 'Lena',
         'Mateo', 'Nia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wen', 'Yara')
LAST = ('Abebe', 'Baker', 'Chen', 'Diaz', 'Eze', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jensen', 'Kim',
        'Lopez', 'Mensah', 'Nguyen', 'Okafor', 'Patel', 'Quispe', 'Rossi', 'Singh', 'Tanaka', 'Usman', 'Vargas')
TOWNS = ('Springfield', 'Riverside', 'Franklin', 'Greenville', 'Bristol', 'Clinton', 'Fairview', 'Salem')
PRODUCTS = (('PL', 0.45), ('AUTO', 0.2), ('MORT', 0.1), ('CARD', 0.15), ('SME', 0.1))
CUSTOMER_COLUMNS = ['CUSTOMER_ID', 'NAME', 'CUSTOMER_TYPE', 'LEGAL_ID', 'MOBILE', 'PHONE', 'EMAIL', 'STREET',
                    'TOWN', 'POST_CODE', 'COUNTRY']
LOAN_COLUMNS = ['ARRANGEMENT_ID', 'CUSTOMER_ID', 'PRODUCT', 'CURRENCY', 'AMOUNT', 'OUTSTANDING', 'INSTALMENT',
                'INTEREST_RATE', 'START_DATE', 'MATURITY_DATE', 'TERM', 'BRANCH', 'STATUS']
BILL_COLUMNS = ['ARRANGEMENT_ID', 'BILL_SEQ', 'DUE_DATE', 'AMOUNT_DUE', 'AMOUNT_PAID']
COLLATERAL_COLUMNS = ['COLLATERAL_ID', 'ARRANGEMENT_ID', 'COLLATERAL_TYPE', 'DESCRIPTION', 'IDENTIFIER', 'MAKE',
                      'MODEL', 'YEAR', 'VALUE', 'VALUATION_DATE', 'LOCATION']
PRODUCT_CODES = [code for code, _weight in PRODUCTS]


def customer_rows(count, seed):
    rnd = random.Random(seed)
    for n in range(1, count + 1):
        company = rnd.random() < 0.05
        name = f"{rnd.choice(LAST)} Trading {n}" if company else f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        mobile = f"+1{rnd.choice(AREA_CODES)}{rnd.randint(200, 999)}{rnd.randint(0, 9999):04d}"
        phone = f"+1{rnd.choice(AREA_CODES)}{rnd.randint(200, 999)}{rnd.randint(0, 9999):04d}" if rnd.random() < 0.3 else None
        email = f"customer{n}@example.com" if rnd.random() < 0.6 else None
        yield [f"C{n:08d}", name, 'COMPANY' if company else 'PERSON', f"ID{n:09d}", mobile, phone, email,
               f"{rnd.randint(1, 999)} {rnd.choice(LAST)} Street", rnd.choice(TOWNS), f"{rnd.randint(10000, 99999)}", 'US']


def loan_row(n, customers, rnd, today):
    customer = n if n <= customers else rnd.randint(1, customers)
    product = rnd.choices(PRODUCT_CODES, weights=[weight for _code, weight in PRODUCTS])[0]
    amount = rnd.randint(5, 500) * 100
    outstanding = round(amount * rnd.uniform(0.05, 1.0), 2)
    term = rnd.choice((12, 24, 36, 48, 60))
    start = today - timedelta(days=rnd.randint(30, 1500))
    return [f"AA{n:09d}", f"C{customer:08d}", product, 'EUR' if rnd.random() < 0.1 else 'USD', f"{amount}.00",
            f"{outstanding:.2f}", f"{amount / term:.2f}", f"{rnd.uniform(3, 25):.3f}", start.isoformat(),
            (start + timedelta(days=30 * term)).strftime('%Y%m%d'), str(term), f"B{rnd.randint(1, 200):03d}", 'CURRENT']


def loan_rows(count, customers, seed, today):
    rnd = random.Random(seed)
    for n in range(1, count + 1):
        yield loan_row(n, customers, rnd, today)


def changed_loan_rows(count, loans, customers, seed, today):
    """``count`` distinct arrangements of the full extract, the same but for their outstanding
    amount (10% lower: a repayment)."""
    chosen = set(random.Random(seed + 1).sample(range(1, loans + 1), count))
    for n, row in enumerate(loan_rows(loans, customers, seed, today), 1):
        if n in chosen:
            row[5] = f"{float(row[5]) * 0.9:.2f}"
            yield row


def bill_rows(loans, per_loan, seed, today):
    rnd = random.Random(seed + 2)
    for n in range(1, loans + 1):
        first = today - timedelta(days=30 * rnd.randint(0, per_loan))
        for seq in range(1, per_loan + 1):
            due = first + timedelta(days=30 * (seq - 1))
            amount = rnd.randint(50, 900)
            paid = 0 if due > today or rnd.random() < 0.2 else amount
            yield [f"AA{n:09d}", str(seq), due.isoformat(), f"{amount}.00", f"{paid}.00"]


def collateral_rows(count, loans, seed):
    rnd = random.Random(seed + 3)
    step = max(loans // max(count, 1), 1)
    for n in range(1, count + 1):
        vehicle = rnd.random() < 0.7
        yield [f"COL{n:09d}", f"AA{(n - 1) * step + 1:09d}", 'VEHICLE' if vehicle else 'PROPERTY',
               "Car" if vehicle else "House", f"KD{rnd.randint(100, 999)}{rnd.choice('ABCDEFGH')}",
               rnd.choice(('Toyota', 'Nissan', 'Ford')) if vehicle else None, None,
               str(rnd.randint(2005, 2024)) if vehicle else None, f"{rnd.randint(20, 900) * 100}.00",
               '2024-06-30', rnd.choice(TOWNS)]


def generate(out, loans, customers, collateral, bills_per_loan=0, changed=0, fmt='csv', seed=42,
             as_of='2025-01-31T22:00:00Z', delta_as_of='2025-02-01T22:00:00Z'):
    """Write the files; return {name: path} in load order."""
    from odoo.addons.collection_integration.tools.extract_writer import write_extract  # noqa: PLC0415

    os.makedirs(out, exist_ok=True)
    today = date(2025, 1, 31)
    suffix = {'csv': 'csv', 'json': 'jsonl', 'xml': 'xml'}[fmt]
    files = {}

    def write(name, record_type, columns, rows, control, extract='FULL', stamp=as_of):
        path = os.path.join(out, f"T24_{name}.{suffix}")
        write_extract(path, fmt, 'T24', record_type, columns, rows, extract=extract, as_of=stamp, control=control)
        files[name] = path

    write('CUSTOMER', 'CUSTOMER', CUSTOMER_COLUMNS, customer_rows(customers, seed), None)
    write('ARRANGEMENT', 'ARRANGEMENT', LOAN_COLUMNS, loan_rows(loans, customers, seed, today),
          ('OUTSTANDING', 'CURRENCY'))
    if bills_per_loan:
        write('BILL', 'BILL', BILL_COLUMNS, bill_rows(loans, bills_per_loan, seed, today), ('AMOUNT_DUE', None))
    if collateral:
        write('COLLATERAL', 'COLLATERAL', COLLATERAL_COLUMNS, collateral_rows(collateral, loans, seed), ('VALUE', None))
    if changed:
        write('ARRANGEMENT_DELTA', 'ARRANGEMENT', LOAN_COLUMNS,
              changed_loan_rows(changed, loans, customers, seed, today), ('OUTSTANDING', 'CURRENCY'),
              extract='DELTA', stamp=delta_as_of)
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True)
    parser.add_argument('--loans', type=int, default=1_000_000)
    parser.add_argument('--customers', type=int, default=400_000)
    parser.add_argument('--collateral', type=int, default=300_000)
    parser.add_argument('--bills-per-loan', type=int, default=0)
    parser.add_argument('--changed', type=int, default=50_000)
    parser.add_argument('--format', choices=('csv', 'json', 'xml'), default='csv')
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--addons-path', default=None)
    args = parser.parse_args(argv)
    _init_odoo_path(args.addons_path)
    files = generate(args.out, args.loans, args.customers, args.collateral, args.bills_per_loan, args.changed,
                     args.format, args.seed)
    for name, path in files.items():
        print(f"{name:<18} {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


def _init_odoo_path(addons_path=None):
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from odoo.modules.module import initialize_sys_path  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415
    paths = [p for p in (addons_path or '').split(',') if p] or [os.path.join(repo, 'addons')]
    config['addons_path'] = list(dict.fromkeys(config['addons_path'] + paths)) \
        if isinstance(config['addons_path'], list) else ','.join([config['addons_path'], *paths])
    initialize_sys_path()


if __name__ == '__main__':
    sys.exit(main())
