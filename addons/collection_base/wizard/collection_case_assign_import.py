import base64
import codecs
import csv
import io
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import escape_psql

from ..tools.chatter import log_notes

# Header names accepted for each column (compared lower-cased, spaces and dashes as "_").
COLUMN_ALIASES = {
    'case': ('case', 'case_ref', 'case_reference', 'case_number'),
    'account': ('account', 'account_number', 'account_no', 'loan'),
    'cif': ('cif', 'customer_cif'),
    'agent': ('agent', 'agent_login', 'login', 'user'),
    'team': ('team', 'team_name'),
}
IDENTIFIER_COLUMNS = ('case', 'account', 'cif')
DELIMITERS = (',', ';', '\t')
REPORT_HEADER = [
    'line', 'reference', 'agent', 'team', 'case', 'previous_agent', 'previous_team', 'status', 'reason']


class CollectionCaseAssignImport(models.TransientModel):
    """Reassign cases from a CSV file and report, row by row, what was done and why not.

    Valid rows are applied even when others are rejected; one summary message goes to the
    chatter of each team whose cases changed, with the row report attached.
    """
    _name = 'collection.case.assign.import'
    _description = 'Reassign Cases from a CSV File'

    file = fields.Binary(string="CSV File", attachment=False)
    filename = fields.Char()
    state = fields.Selection([('upload', 'Upload'), ('done', 'Done')], default='upload', required=True)
    line_ids = fields.One2many('collection.case.assign.import.line', 'import_id', string="Rows", readonly=True)
    assigned_count = fields.Integer(compute='_compute_counts')
    unchanged_count = fields.Integer(compute='_compute_counts')
    skipped_count = fields.Integer(compute='_compute_counts')
    report_file = fields.Binary(string="Row Report", readonly=True, attachment=False)
    report_filename = fields.Char(readonly=True)

    @api.depends('line_ids.status')
    def _compute_counts(self):
        for wizard in self:
            statuses = wizard.line_ids.mapped('status')
            wizard.assigned_count = statuses.count('assigned')
            wizard.unchanged_count = statuses.count('unchanged')
            wizard.skipped_count = statuses.count('skipped')

    def action_import(self):
        self.ensure_one()
        if self.state != 'upload':
            raise UserError(self.env._("This file was imported already; start a new import."))
        if not self.env.user.has_group('collection_base.collection_base_group_supervisor'):
            raise UserError(self.env._("Only supervisors and managers can reassign cases."))
        columns, width, rows = self._read_csv()
        lines = self._parse_rows(columns, width, rows)
        self._resolve_lines(lines)
        self._apply_lines(lines)
        self.write({
            'line_ids': [Command.create(self._prepare_line_vals(line)) for line in lines],
            'state': 'done',
            'report_file': base64.b64encode(self._render_report(lines)),
            'report_filename': self._report_filename(),
        })
        self._post_summary(lines)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Reassignment Report"),
            'res_model': self._name,
            'res_id': self.id,
            'view_mode': 'form',
            'target': 'new',
        }

    # ------------------------------------------------------------------
    # Reading the file
    # ------------------------------------------------------------------

    def _display_filename(self):
        return self.filename or self.env._("the uploaded file")

    def _read_csv(self):
        """Decode the file; return ``({column: index}, header width, [(line number, cells), ...])``.

        Raises a UserError for what makes the whole file unusable: empty, not UTF-8, no header.
        """
        name = self._display_filename()
        raw = base64.b64decode(self.file or b'')
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if not raw.strip():
            raise UserError(self.env._("The file %(name)s is empty.", name=name))
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError as error:
            raise UserError(self.env._(
                "The file %(name)s is not UTF-8 text (unreadable byte at position %(position)s). "
                "Save it as \"CSV UTF-8\" and upload it again.",
                name=name, position=error.start)) from None
        first_line = next((line for line in text.splitlines() if line.strip()), '')
        delimiter = max(DELIMITERS, key=first_line.count)
        reader = csv.reader(io.StringIO(text, newline=''), delimiter=delimiter)
        rows = []
        try:
            for cells in reader:
                rows.append((reader.line_num, [cell.strip() for cell in cells]))
        except csv.Error as error:
            raise UserError(self.env._(
                "The file %(name)s cannot be read as CSV at line %(line)s: %(error)s",
                name=name, line=reader.line_num, error=error)) from None
        rows = [(number, cells) for number, cells in rows if any(cells)]
        if not rows:
            raise UserError(self.env._("The file %(name)s is empty.", name=name))
        header = rows[0][1]
        columns = self._map_header(header)
        if not any(key in columns for key in IDENTIFIER_COLUMNS) or not {'agent', 'team'} & columns.keys():
            raise UserError(self.env._(
                "The first line of %(name)s must name the columns: a case reference (case, account "
                "or cif) and an agent login (agent) and/or a team name (team). It reads: %(line)s",
                name=name, line=delimiter.join(header)))
        if len(rows) == 1:
            raise UserError(self.env._("The file %(name)s has no row under its header line.", name=name))
        return columns, len(header), rows[1:]

    @api.model
    def _map_header(self, header):
        aliases = {alias: key for key, names in COLUMN_ALIASES.items() for alias in names}
        columns = {}
        for index, title in enumerate(header):
            key = aliases.get(title.lower().replace(' ', '_').replace('-', '_'))
            if key and key not in columns:
                columns[key] = index
        return columns

    def _parse_rows(self, columns, width, rows):
        """Turn rows into line dicts; rows that cannot be read are skipped as malformed."""
        lines = []
        for number, cells in rows:
            line = {'line_number': number, 'status': 'skipped'}
            lines.append(line)
            if len(cells) != width:
                line['reference'] = ' '.join(cells)[:100]
                self._skip(line, 'malformed', self.env._(
                    "Malformed row: %(expected)s fields expected, %(found)s found.",
                    expected=width, found=len(cells)))
                continue
            for key in IDENTIFIER_COLUMNS:
                if key in columns and cells[columns[key]]:
                    line['kind'], line['reference'] = key, cells[columns[key]]
                    break
            line['agent_login'] = cells[columns['agent']] if 'agent' in columns else ''
            line['team_name'] = cells[columns['team']] if 'team' in columns else ''
            if not line.get('reference'):
                self._skip(line, 'malformed', self.env._("Malformed row: no case, account number or CIF."))
            elif not line['agent_login'] and not line['team_name']:
                self._skip(line, 'malformed', self.env._("Malformed row: neither an agent nor a team."))
        return lines

    @api.model
    def _skip(self, line, code, reason):
        line.update(status='skipped', reason_code=code, reason=reason)

    # ------------------------------------------------------------------
    # Resolving cases, agents and teams (a few queries for the whole file)
    # ------------------------------------------------------------------

    def _lookup_cases(self, lines):
        """Return ``{(kind, lower-cased reference): case ids}`` over the allowed companies."""
        refs = defaultdict(set)
        for line in lines:
            if 'reason_code' not in line:
                refs[line['kind']].add(line['reference'])
        company_domain = Domain('company_id', 'in', self.env.companies.ids)
        Case = self.env['collection.case'].sudo()
        found = defaultdict(set)
        if refs['case']:
            for case in Case.search(company_domain & Domain('name', 'in', [r.upper() for r in refs['case']])):
                found['case', case.name.lower()].add(case.id)
        if refs['account']:
            groups = self.env['collection.loan'].sudo()._read_group(
                company_domain & Domain('name', 'in', list(refs['account'])) & Domain('case_id', '!=', False),
                ['name', 'case_id'])
            for account, case in groups:
                found['account', account.lower()].add(case.id)
        if refs['cif']:
            cases = Case.search(company_domain & Domain('partner_id.cif', 'in', list(refs['cif'])))
            for case in cases:
                found['cif', case.partner_id.cif.lower()].add(case.id)
        return found

    def _lookup_by_name(self, model, field, values, domain=None):
        """Return ``{lower-cased value: records}`` matching ``values`` case-insensitively."""
        values = {value for value in values if value}
        if not values:
            return {}
        records = self.env[model].sudo().search(Domain.AND([
            domain or Domain.TRUE,
            Domain.OR(Domain(field, '=ilike', escape_psql(value)) for value in values),
        ]))
        result = defaultdict(lambda: self.env[model])
        for record in records:
            result[record[field].lower()] |= record
        return result

    def _resolve_lines(self, lines):
        """Fill case, agent and team of each line, or skip it with the reason."""
        env = self.env
        case_ids = self._lookup_cases(lines)
        users = self._lookup_by_name('res.users', 'login', [line.get('agent_login') for line in lines],
                                     Domain('share', '=', False))
        teams = self._lookup_by_name('collection.team', 'name', [line.get('team_name') for line in lines],
                                     Domain('company_id', 'in', env.companies.ids))
        agent_group = env.ref('collection_base.collection_base_group_agent')
        all_cases = env['collection.case'].browse({cid for ids in case_ids.values() for cid in ids})
        # the cases were looked up as superuser: a case the user may not read is unknown to them
        all_cases = all_cases._filtered_access('read')
        case_by_id = {case.id: case for case in all_cases}  # records sharing one prefetch set
        writable = all_cases._filtered_access('write')
        reassignable = {}
        seen = {}
        kinds = {'case': env._("case"), 'account': env._("account number"), 'cif': env._("CIF")}
        for line in lines:
            if 'reason_code' in line:
                continue
            ids = case_ids.get((line['kind'], line['reference'].lower()), set()) & case_by_id.keys()
            if not ids:
                self._skip(line, 'unknown_case', env._("Unknown case: no case matches %(kind)s %(ref)s.",
                                                       kind=kinds[line['kind']], ref=line['reference']))
                continue
            if len(ids) > 1:
                self._skip(line, 'unknown_case', env._("Ambiguous: %(count)s cases match %(ref)s.",
                                                       count=len(ids), ref=line['reference']))
                continue
            case = case_by_id[next(iter(ids))]
            if case.id in seen:
                self._skip(line, 'duplicate', env._("Duplicate: the case is already reassigned by line %(line)s.",
                                                    line=seen[case.id]))
                continue
            user = env['res.users']
            if line['agent_login']:
                user = users.get(line['agent_login'].lower(), env['res.users'])
                if len(user) != 1 or agent_group not in user.all_group_ids:
                    self._skip(line, 'unknown_agent', env._("Unknown agent: %(login)s is not a collection agent's login.",
                                                            login=line['agent_login']))
                    continue
            team = env['collection.team']
            if line['team_name']:
                team = teams.get(line['team_name'].lower(), env['collection.team'])
                if not team:
                    self._skip(line, 'unknown_team', env._("Unknown team: no team is named %(name)s.",
                                                           name=line['team_name']))
                    continue
                if len(team) > 1:
                    self._skip(line, 'unknown_team', env._("Ambiguous: %(count)s teams are named %(name)s.",
                                                           count=len(team), name=line['team_name']))
                    continue
            if team.id not in reassignable:
                reassignable[team.id] = writable._filter_reassignable(team or None)
            if case not in reassignable[team.id]:
                self._skip(line, 'no_access', env._(
                    "No access: you may not reassign this case into team %(team)s.", team=team.name,
                ) if team else env._("No access: you may not reassign this case."))
                continue
            target_team = team or case.team_id
            if user and target_team and user not in target_team.sudo().member_ids:
                self._skip(line, 'agent_not_in_team', env._("%(agent)s is not a member of team %(team)s.",
                                                            agent=user.name, team=target_team.sudo().name))
                continue
            line.update(case=case, user=user, team=team, previous_user=case.user_id, previous_team=case.team_id)
            if (not user or case.user_id == user) and (not team or case.team_id == team):
                line.update(status='unchanged', reason=env._("Already assigned so."))
            else:
                line.update(status='assigned')
            seen[case.id] = line['line_number']

    def _apply_lines(self, lines):
        """Write the new agent/team, one ORM write per distinct target, then log the changes on
        each case as the tracking of a single reassignment shows them, in batches
        (``tools.chatter.log_notes``: a few creates for the whole file, not a few queries per case).
        The new agents follow their cases but get no email per case (a file may hold thousands)."""
        targets = defaultdict(lambda: self.env['collection.case'])
        notes = []
        body = self.env._("Reassigned from the file %(file)s.", file=self._display_filename())
        for line in lines:
            if line['status'] != 'assigned':
                continue
            targets[line['user'], line['team']] |= line['case']
            tracking = {}
            if line['user'] and line['user'] != line['previous_user']:
                tracking['user_id'] = (line['previous_user'], line['user'])
            if line['team'] and line['team'] != line['previous_team']:
                tracking['team_id'] = (line['previous_team'], line['team'])
            notes.append((line['case'].id, body, tracking))
        for (user, team), cases in targets.items():
            vals = {}
            if user:
                vals['user_id'] = user.id
            if team:
                vals['team_id'] = team.id
            # the new agents follow their cases, without an "assigned to you" email per row of the file
            cases.with_context(mail_notrack=True, mail_auto_subscribe_no_notify=True).write(vals)
        log_notes(self.env['collection.case'], notes)

    # ------------------------------------------------------------------
    # Report
    # ------------------------------------------------------------------

    @api.model
    def _prepare_line_vals(self, line):
        return {
            'line_number': line['line_number'],
            'reference': line.get('reference'),
            'agent_login': line.get('agent_login'),
            'team_name': line.get('team_name'),
            'case_id': line['case'].id if line.get('case') else False,  # set only when accessible
            'user_id': line['user'].id if line.get('user') else False,
            'team_id': line['team'].id if line.get('team') else False,
            'previous_user_id': line['previous_user'].id if line.get('previous_user') else False,
            'previous_team_id': line['previous_team'].id if line.get('previous_team') else False,
            'status': line['status'],
            'reason_code': line.get('reason_code'),
            'reason': line.get('reason'),
        }

    def _report_filename(self):
        base = (self.filename or 'assignment').rsplit('.', 1)[0]
        return f"{base}_report.csv"

    def _render_report(self, lines):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(REPORT_HEADER)
        for line in lines:
            writer.writerow([
                line['line_number'],
                line.get('reference') or '',
                line.get('agent_login') or '',
                line.get('team_name') or '',
                line['case'].name if line.get('case') else '',
                line['previous_user'].login if line.get('previous_user') else '',
                line['previous_team'].sudo().name if line.get('previous_team') else '',
                line['status'],
                line.get('reason') or '',
            ])
        return buffer.getvalue().encode('utf-8')

    def _post_summary(self, lines):
        """One message per team whose cases changed, with the counts and the row report."""
        teams = self.env['collection.team']
        for line in lines:
            if line['status'] == 'assigned':
                teams |= line['team'] or line['case'].team_id
        if not teams:
            return
        counts = {status: sum(1 for line in lines if line['status'] == status)
                  for status in ('assigned', 'unchanged', 'skipped')}
        body = self.env._(
            "Cases reassigned from %(file)s by %(user)s: %(assigned)s assigned, %(unchanged)s unchanged, "
            "%(skipped)s skipped (see the attached row report).",
            file=self._display_filename(), user=self.env.user.name, **counts)
        for team in teams.sudo():
            team.message_post(
                body=body,
                attachments=[(self.report_filename, base64.b64decode(self.report_file))],
                subtype_xmlid='mail.mt_note')
