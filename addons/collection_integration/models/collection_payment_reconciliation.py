import base64
import csv
import io
import logging
import os
import shutil
import time
from collections import Counter
from decimal import Decimal, InvalidOperation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

_logger = logging.getLogger(__name__)

RECON_COLUMNS = ('reference', 'account', 'amount', 'date', 'status')
FILE_STATES = {'posted': 'posted', 'succeeded': 'posted', 'paid': 'posted', 'failed': 'failed',
               'reversed': 'reversed', 'refunded': 'reversed', 'chargeback': 'reversed'}
DISCREPANCY_KINDS = [
    ('missing_in_odoo', 'Missing in Odoo'),
    ('missing_in_file', 'Missing in the file'),
    ('amount', 'Amount differs'),
    ('state', 'Status differs'),
    ('account', 'Loan differs'),
    ('invalid', 'Unreadable line'),
]


class CollectionPaymentReconciliation(models.Model):
    """The daily reconciliation of a payment processor's settlement file against the payments
    recorded from its notifications.

    The file is a CSV with a header line and the columns ``reference, account, amount, date,
    status`` (``currency`` optional); status is ``posted`` (or ``succeeded``, ``paid``),
    ``failed`` or ``reversed`` (or ``refunded``, ``chargeback``). The reconciliation compares, by
    reference, the file with the processor's payments in Odoo of the file's dates and lists each
    discrepancy; matching lines are only counted.
    """

    _name = 'collection.payment.reconciliation'
    _description = 'Payment Reconciliation'
    _inherit = ['mail.thread']
    _order = 'date desc, id desc'
    _check_company_auto = True

    name = fields.Char(required=True, default=lambda self: self.env._("New reconciliation"))
    connector_id = fields.Many2one(
        'collection.connector', string="Payment Processor", required=True, check_company=True,
        domain=[('system', '=', 'payment')], index=True)
    company_id = fields.Many2one(related='connector_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    date = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self),
        help="The day the file covers; payments of the file's own dates are compared as well.")
    file = fields.Binary(string="Settlement File", attachment=True)
    file_name = fields.Char()
    state = fields.Selection([
        ('draft', 'Draft'),
        ('done', 'Reconciled'),
    ], required=True, default='draft', tracking=True)
    line_ids = fields.One2many('collection.payment.reconciliation.line', 'reconciliation_id', string="Discrepancy Lines")
    file_count = fields.Integer(string="Lines in File", readonly=True)
    matched_count = fields.Integer(string="Matched", readonly=True)
    discrepancy_count = fields.Integer(string="Discrepancies", readonly=True)
    file_total = fields.Monetary(string="File Total", readonly=True, help="Sum of the file's posted payments.")
    odoo_total = fields.Monetary(string="Odoo Total", readonly=True, help="Sum of the processor's posted payments in Odoo.")

    def action_reconcile(self):
        for recon in self:
            if not recon.file:
                raise UserError(self.env._("Reconciliation %(name)s has no file.", name=recon.name))
            recon._reconcile(base64.b64decode(recon.file))
        return True

    def action_view_missing(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Discrepancies"),
            'res_model': 'collection.payment.reconciliation.line',
            'view_mode': 'list,form',
            'domain': [('reconciliation_id', '=', self.id)],
        }

    def _reconcile(self, content):
        """Compare ``content`` (the CSV file's bytes) with Odoo and record the discrepancies."""
        self.ensure_one()
        self.line_ids.unlink()
        rows, lines = self._read_file(content)
        source = self.connector_id.code
        Payment = self.env['collection.payment']
        references = list(rows)
        dates = {row['date'] for row in rows.values()} | {self.date}
        payments = {}
        fields_ = ['name', 'amount', 'state', 'loan_id', 'date']
        for chunk in split_every(5000, references, list):
            for values in Payment.search_read([('source_system', '=', source), ('company_id', '=', self.company_id.id),
                                              ('name', 'in', chunk)], fields_, load=None):
                payments[values['name']] = values
        for values in Payment.search_read([('source_system', '=', source), ('company_id', '=', self.company_id.id),
                                           ('date', 'in', list(dates)), ('name', 'not in', references)], fields_, load=None):
            payments[values['name']] = values
        loan_ids = list({p['loan_id'] for p in payments.values()})
        loan_names = {loan['id']: loan['name'] for loan in self.env['collection.loan'].browse(loan_ids).read(['name'])}
        currency = self.currency_id
        matched = 0
        for reference, row in rows.items():
            payment = payments.get(reference)
            base = {'reference': reference, 'account': row['account'], 'file_amount': row['amount'],
                    'file_state': row['state'], 'file_date': row['date']}
            if not payment:
                lines.append(dict(base, kind='missing_in_odoo'))
                continue
            base.update(payment_id=payment['id'], odoo_amount=payment['amount'], odoo_state=payment['state'])
            if currency.compare_amounts(payment['amount'], row['amount']) != 0:
                lines.append(dict(base, kind='amount'))
            elif payment['state'] != row['state']:
                lines.append(dict(base, kind='state'))
            elif loan_names.get(payment['loan_id']) != row['account']:
                lines.append(dict(base, kind='account', note=self.env._(
                    "Odoo has it on %(account)s.", account=loan_names.get(payment['loan_id']))))
            else:
                matched += 1
        for reference, payment in payments.items():
            if reference not in rows:
                lines.append({'reference': reference, 'account': loan_names.get(payment['loan_id']),
                              'kind': 'missing_in_file', 'payment_id': payment['id'], 'odoo_amount': payment['amount'],
                              'odoo_state': payment['state']})
        Line = self.env['collection.payment.reconciliation.line']
        for chunk in split_every(1000, lines, list):
            Line.create([dict(line, reconciliation_id=self.id) for line in chunk])
        self.write({
            'state': 'done',
            'file_count': len(rows) + sum(1 for line in lines if line['kind'] == 'invalid'),
            'matched_count': matched,
            'discrepancy_count': len(lines),
            'file_total': sum(row['amount'] for row in rows.values() if row['state'] == 'posted'),
            'odoo_total': sum(p['amount'] for p in payments.values() if p['state'] == 'posted'),
        })
        counts = Counter(line['kind'] for line in lines)
        labels = dict(DISCREPANCY_KINDS)
        self.message_post(body=self.env._(
            "%(matched)s of %(total)s lines matched; %(discrepancies)s.",
            matched=matched, total=self.file_count,
            discrepancies=", ".join(f"{count} {labels[kind].lower()}" for kind, count in sorted(counts.items()))
            or self.env._("no discrepancy")))

    def _read_file(self, content):
        """``({reference: row}, [invalid line values])`` from the CSV bytes."""
        try:
            text = content.decode('utf-8-sig')
        except UnicodeDecodeError as error:
            raise UserError(self.env._("The file %(file)s is not UTF-8 text: %(error)s",
                                       file=self.file_name or '-', error=error)) from None
        reader = csv.DictReader(io.StringIO(text))
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [column for column in RECON_COLUMNS if column not in header]
        if missing:
            raise UserError(self.env._("The file %(file)s lacks the columns %(columns)s.",
                                       file=self.file_name or '-', columns=", ".join(missing)))
        reader.fieldnames = header
        rows, invalid = {}, []
        for number, raw in enumerate(reader, start=2):
            row = {key: (value or '').strip() for key, value in raw.items() if key}
            problem = None
            try:
                amount = float(Decimal(row['amount']))
            except (InvalidOperation, ValueError):
                amount, problem = 0.0, self.env._("amount %(amount)s is not a number", amount=row['amount'])
            state = FILE_STATES.get(row['status'].lower())
            date = False
            try:
                date = fields.Date.to_date(row['date'])
            except ValueError:
                problem = problem or self.env._("date %(date)s is not YYYY-MM-DD", date=row['date'])
            if not row['reference']:
                problem = problem or self.env._("no reference")
            elif not state:
                problem = problem or self.env._("unknown status %(status)s", status=row['status'])
            elif row['reference'] in rows:
                problem = self.env._("reference listed twice")
            if problem:
                invalid.append({'kind': 'invalid', 'reference': row['reference'] or False, 'account': row['account'],
                                'note': self.env._("Line %(line)s: %(problem)s.", line=number, problem=problem)})
                continue
            rows[row['reference']] = {'account': row['account'], 'amount': amount, 'state': state, 'date': date}
        return rows, invalid

    @api.model
    def _cron_reconcile_inbound(self):
        """Reconcile the settlement files dropped in the inbound folder of each payment processor
        (``*.csv``); reconciled files move to ``done/``, refused ones to ``error/``."""
        for connector in self.env['collection.connector'].search([('system', '=', 'payment'), ('inbound_path', '!=', False)]):
            folder = connector.inbound_path
            if not os.path.isdir(folder):
                _logger.warning("Reconciliation folder %s of %s does not exist", folder, connector.code)
                continue
            for name in sorted(os.listdir(folder)):
                path = os.path.join(folder, name)
                if not name.lower().endswith('.csv') or not os.path.isfile(path):
                    continue
                with open(path, 'rb') as handle:
                    content = handle.read()
                recon = self.create({
                    'name': f"{connector.code} {name}", 'connector_id': connector.id, 'file_name': name,
                    'file': base64.b64encode(content),
                })
                try:
                    with self.env.cr.savepoint():
                        recon._reconcile(content)
                    target = 'done'
                except UserError as error:
                    recon.message_post(body=str(error))
                    target = 'error'
                self.env.cr.postcommit.add(lambda path=path, target=os.path.join(folder, target): _move(path, target))
                if self.env.context.get('cron_id'):
                    self.env['ir.cron']._commit_progress(1)


def _move(path, folder):
    try:
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, os.path.basename(path))
        if os.path.exists(target):
            stem, suffix = os.path.splitext(target)
            target = f"{stem}.{int(time.time())}{suffix}"
        shutil.move(path, target)
    except OSError:
        _logger.exception("Could not move the settlement file %s to %s", path, folder)
