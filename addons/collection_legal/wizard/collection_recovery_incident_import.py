import base64
import csv
import io

from odoo import fields, models
from odoo.exceptions import UserError

from ..models.collection_recovery_incident import OPEN_STATES

ACTION_ALIASES = {
    'arrears': 'arrears', 'collect arrears': 'arrears',
    'equipment': 'equipment', 'collect equipment': 'equipment',
    'both': 'both', 'arrears and equipment': 'both',
}


class CollectionRecoveryIncidentImport(models.TransientModel):
    """Register recovery incidents in bulk from a CSV file: one row per account.

    Columns: ``account`` (the account number), ``action`` (arrears, equipment or both) and an
    optional ``note``. Each row is validated like an incident registered by hand; the valid ones
    are created (and placed with the agency when one is chosen), the others are reported with
    their line number and reason.
    """
    _name = 'collection.recovery.incident.import'
    _description = 'Import Recovery Incidents'

    file = fields.Binary(string="CSV File", required=True)
    filename = fields.Char()
    agency_id = fields.Many2one('collection.agency', string="Place With",
                                help="Place the valid incidents with this agency at once.")
    state = fields.Selection([('draft', 'Draft'), ('done', 'Done')], default='draft')
    incident_ids = fields.Many2many(
        'collection.recovery.incident', 'collection_incident_import_rel', 'import_id', 'incident_id',
        string="Incidents Created")
    created_count = fields.Integer(readonly=True)
    error_count = fields.Integer(readonly=True)
    report = fields.Text(readonly=True)

    def _read_rows(self):
        try:
            text = base64.b64decode(self.file).decode('utf-8-sig')
        except UnicodeDecodeError as error:
            raise UserError(self.env._("%(file)s is not a UTF-8 CSV file.", file=self.filename or "The file")) from error
        reader = csv.DictReader(io.StringIO(text), skipinitialspace=True)
        columns = {(name or '').strip().lower() for name in reader.fieldnames or []}
        if not {'account', 'action'} <= columns:
            raise UserError(self.env._("%(file)s needs the columns account and action (note is optional).",
                                       file=self.filename or "The file"))
        return [
            (line, {(key or '').strip().lower(): (value or '').strip() for key, value in row.items()})
            for line, row in enumerate(reader, start=2)
        ]

    def action_import(self):
        self.ensure_one()
        rows = self._read_rows()
        Loan = self.env['collection.loan']
        Incident = self.env['collection.recovery.incident']
        accounts = {row['account'] for _line, row in rows if row.get('account')}
        loans_by_account = {}
        for loan in Loan.search([('name', 'in', list(accounts)), ('company_id', 'in', self.env.companies.ids)]):
            loans_by_account.setdefault(loan.name, Loan)
            loans_by_account[loan.name] |= loan
        open_partners = set(Incident.search([
            ('state', 'in', OPEN_STATES),
            ('partner_id', 'in', [loan.partner_id.id for loans in loans_by_account.values() for loan in loans]),
        ]).partner_id.ids)
        labels = dict(Incident._fields['required_action']._description_selection(self.env))
        errors, vals_list, created_lines, seen = [], [], [], set()
        for line, row in rows:
            account = row.get('account')
            action = ACTION_ALIASES.get((row.get('action') or '').lower())
            loans = loans_by_account.get(account, Loan)
            reason = None
            if not account:
                reason = self.env._("no account number")
            elif not loans:
                reason = self.env._("account %(account)s does not exist", account=account)
            elif len(loans) > 1:
                reason = self.env._("account %(account)s exists in several source systems", account=account)
            elif not action:
                reason = self.env._("action %(action)s is not one of %(actions)s", action=row.get('action') or '',
                                    actions=", ".join(ACTION_ALIASES))
            elif loans.partner_id.id in seen:
                reason = self.env._("the customer of %(account)s is already in the file", account=account)
            elif loans.partner_id.id in open_partners:
                reason = self.env._("the customer of %(account)s already has an open incident", account=account)
            elif loans.state != 'active':
                reason = self.env._("account %(account)s is not active", account=account)
            if reason:
                errors.append((line, reason))
                continue
            seen.add(loans.partner_id.id)
            vals_list.append({'loan_id': loans.id, 'required_action': action, 'note': row.get('note') or False,
                              'source': 'import'})
            created_lines.append(line)
        incidents = Incident.create(vals_list)
        valid = Incident
        for line, incident in zip(created_lines, incidents):
            problems = incident._get_validation_errors()
            if problems:
                errors.append((line, self.env._("account %(account)s: %(reason)s", account=incident.loan_id.name,
                                                reason="; ".join(problems))))
            else:
                valid |= incident
        errors = [self.env._("line %(line)s: %(reason)s", line=line, reason=reason) for line, reason in sorted(errors)]
        (incidents - valid).sudo().unlink()  # drafts created above, never shown
        valid._write_step({'state': 'validated'})
        if self.agency_id and valid:
            valid._place_with(self.agency_id)
        summary = [self.env._("%(count)s incidents registered and validated (%(actions)s).", count=len(valid),
                              actions=", ".join(f"{labels[key]}: {len(valid.filtered(lambda i, k=key: i.required_action == k))}"
                                                for key in labels))]
        if errors:
            summary.append(self.env._("%(count)s rows rejected:", count=len(errors)))
            summary.extend(errors)
        self.write({
            'state': 'done',
            'incident_ids': [(6, 0, valid.ids)],
            'created_count': len(valid),
            'error_count': len(errors),
            'report': "\n".join(summary),
        })
        return {
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
        }
