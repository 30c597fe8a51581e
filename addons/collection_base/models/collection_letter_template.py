import functools
import logging
import subprocess
from datetime import timedelta

from lxml import html
from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import split_every
from odoo.tools.pdf import merge_pdf

_logger = logging.getLogger(__name__)

LETTER_TYPES = [
    ('warning', 'Warning'),
    ('demand', 'Demand'),
    ('final_notice', 'Final Notice'),
    ('other', 'Other'),
]

LETTER_REPORT = 'collection_base.collection_letter_report'
LETTER_CHUNK_SIZE = 100  # cases per wkhtmltopdf call: bounds memory on large strategy runs


@functools.lru_cache(1)
def wkhtmltopdf_has_patched_qt():
    """Whether wkhtmltopdf is the build with patched Qt that Odoo recommends.

    Only that build converts several documents in one call (and prints headers, footers and
    searchable text); with another build each letter needs its own call.
    """
    try:
        process = subprocess.run([_wkhtml().bin, '--version'], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return b'patched qt' in process.stdout.lower()


class CollectionLetterTemplate(models.Model):
    _name = 'collection.letter.template'
    _description = 'Collection Letter Template'
    _inherit = ['mail.thread', 'mail.render.mixin']
    _order = 'sequence, letter_type, name, id'
    _check_company_auto = True
    # Only collection administrators write templates (ACL), and the mixin asks template
    # editors for dynamic code on create/write: agents may then render them for their cases.
    _unrestricted_rendering = True

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True, help="Short code used by strategies and integrations.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        'res.company', index=True, tracking=True,
        help="Leave empty to use the template in every company.")
    letter_type = fields.Selection(LETTER_TYPES, required=True, default='warning', tracking=True)
    payment_days = fields.Integer(
        string="Days to Pay", default=14, tracking=True,
        help="The pay-by date offered in the letter (placeholder pay_by_date) is the print date plus this "
             "number of days.")
    subject = fields.Char(
        translate=True, required=True, tracking=True, render_engine='inline_template',
        help="Title of the letter. Placeholders: {{ object.name }}, {{ object.partner_id.name }} ...")
    body = fields.Html(
        translate=True, render_engine='qweb', render_options={'post_process': True},
        sanitize='email_outgoing',
        help="Letter text. Placeholders are QWeb expressions on the case, e.g. "
             "<t t-out=\"object.partner_id.name\"/>.")
    description = fields.Text(translate=True, help="When to use this letter (internal note).")

    _code_company_uniq = models.UniqueIndex(
        '(code, COALESCE(company_id, 0))', "A letter template code must be unique per company.")

    def _compute_render_model(self):
        self.render_model = 'collection.case'

    @api.constrains('body')
    def _check_body_syntax(self):
        """Refuse a body whose QWeb placeholders do not even compile (unknown fields show at print)."""
        for template in self.filtered('body'):
            try:
                node = html.fragment_fromstring(template.body, create_parent='div')
                self.env['ir.qweb']._generate_code(node)
            except Exception as error:  # noqa: BLE001 - any compile error is reported to the user
                raise ValidationError(self.env._(
                    "The text of letter template %(template)s has an invalid placeholder: %(error)s",
                    template=template.display_name, error=self._describe_error(error))) from error

    @api.model
    def _describe_error(self, error):
        """The innermost cause of a rendering error, in one line a user can act on."""
        root = error
        while root.__cause__ is not None or root.__context__ is not None:
            root = root.__cause__ or root.__context__
        message = str(root).strip().splitlines()[0] if str(root).strip() else ''
        return f"{type(root).__name__}: {message}" if message else type(root).__name__

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        default = default or {}
        for template, vals in zip(self, vals_list):
            if 'name' not in default:
                vals['name'] = self.env._("%(name)s (copy)", name=template.name)
            if 'code' not in default:
                vals['code'] = f"{template.code}_COPY"
        return vals_list

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_preview(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Preview %(template)s", template=self.display_name),
            'res_model': 'collection.letter.preview',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_template_id': self.id},
        }

    # ------------------------------------------------------------
    # RENDERING
    # ------------------------------------------------------------

    def _get_render_context(self):
        """Variables offered to placeholders besides ``object`` (the case) and Odoo's helpers
        (format_amount, format_date, user, ...)."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        return {
            'today': today,
            'pay_by_date': today + timedelta(days=self.payment_days),
            'template': self,
        }

    def _render_letters(self, cases):
        """Render subject and body of the letter for each case, in the customer's language.

        :returns: {case_id: {'subject': str, 'body': Markup}}
        :raises UserError: naming the template (and the case) when a placeholder fails.
        """
        self.ensure_one()
        if not cases:
            return {}
        add_context = self._get_render_context()
        try:
            subjects = self._render_field('subject', cases.ids, compute_lang=True, add_context=add_context)
            bodies = self._render_field('body', cases.ids, compute_lang=True, add_context=add_context)
        except AccessError:
            raise
        except Exception as error:  # noqa: BLE001 - turned into a message naming the template
            failing = self._find_failing_case(cases, add_context)
            if failing:
                message = self.env._(
                    "Letter template %(template)s cannot be rendered for case %(case)s: %(error)s",
                    template=self.display_name, case=failing.display_name, error=self._describe_error(error))
            else:
                message = self.env._(
                    "Letter template %(template)s cannot be rendered: %(error)s",
                    template=self.display_name, error=self._describe_error(error))
            raise UserError(message) from error
        return {
            case_id: {'subject': subjects[case_id], 'body': Markup(bodies[case_id] or '')}
            for case_id in cases.ids
        }

    def _find_failing_case(self, cases, add_context):
        """Error path only: render case by case to name the first one that fails."""
        for case in cases[:50]:
            try:
                self._render_field('subject', case.ids, compute_lang=True, add_context=add_context)
                self._render_field('body', case.ids, compute_lang=True, add_context=add_context)
            except Exception:  # noqa: BLE001
                return case
        return cases.browse()

    # ------------------------------------------------------------
    # LETTER GENERATION
    # ------------------------------------------------------------

    def _filter_contactable_cases(self, cases):
        """Hook of the compliance engine: which cases may receive a letter now.

        :returns: (contactable cases, {case_id: reason why the letter is blocked})
        """
        if 'collection.contact.policy' not in self.env:
            return cases, {}
        verdicts = self.env['collection.contact.policy']._check_contact_batch(cases, 'letter')
        blocked = {case_id: reason for case_id, reason in verdicts.items() if reason}
        return cases.filtered(lambda case: case.id not in blocked), blocked

    def _generate_letters(self, cases, batch_owner=None):
        """Print this letter for ``cases``; attach each letter to its case and log it as an action.

        :param cases: collection.case recordset (checked against the current user's access)
        :param batch_owner: optional record (e.g. a strategy run) the merged batch PDF is attached to
        :returns: ir.attachment holding the merged PDF of the whole batch (empty recordset when no
          case could receive a letter)
        """
        return self._print_letters(cases, batch_owner=batch_owner)['attachment']

    def _print_letters(self, cases, batch_owner=None):
        """Same as ``_generate_letters`` with the details a batch caller reports on.

        :returns: dict with ``attachment`` (merged batch PDF), ``printed`` (cases that got a letter),
          ``letters`` ({case_id: ir.attachment}), ``actions`` (collection.action) and ``blocked``
          ({case_id: reason} of the cases the contact policy held back)
        """
        self.ensure_one()
        cases = cases.with_env(self.env).exists()
        cases.check_access('read')
        self._check_cases_company(cases)
        printable, blocked = self._filter_contactable_cases(cases)
        letters_pdf = self._render_letters_pdf(printable)
        now = fields.Datetime.now()
        letters = self._attach_letters(printable, letters_pdf, now)
        actions = self._log_letter_actions(printable, letters, now)
        merged = self.env['ir.attachment']
        if printable:
            merged = self._create_batch_attachment(
                merge_pdf([letters_pdf[case_id] for case_id in printable.ids]), now, batch_owner)
        self._post_batch_summary(printable, blocked, merged, batch_owner)
        _logger.info("Letter template %s: %s letters printed, %s held back by the contact policy",
                     self.code, len(printable), len(blocked))
        return {
            'attachment': merged,
            'printed': printable,
            'letters': letters,
            'actions': actions,
            'blocked': blocked,
        }

    def _check_cases_company(self, cases):
        if not self.company_id:
            return
        foreign = cases.filtered(lambda case: case.company_id != self.company_id)
        if foreign:
            raise UserError(self.env._(
                "Letter template %(template)s belongs to %(company)s and cannot be printed for case "
                "%(case)s of %(case_company)s.",
                template=self.display_name, company=self.company_id.name,
                case=foreign[0].display_name, case_company=foreign[0].company_id.name))

    def _render_letters_pdf(self, cases):
        """One PDF per case, rendered by wkhtmltopdf in chunks of many cases and split per case.

        An unpatched wkhtmltopdf cannot convert several documents at once: one call per case then.

        :returns: {case_id: pdf bytes}
        """
        self.ensure_one()
        result = {}
        report_model = self.env['ir.actions.report'].with_context(webp_as_jpg=True)
        chunk_size = LETTER_CHUNK_SIZE if wkhtmltopdf_has_patched_qt() else 1
        for chunk in split_every(chunk_size, cases.ids, list):
            data = {'template_id': self.id}
            streams = report_model._render_qweb_pdf_prepare_streams(LETTER_REPORT, data, res_ids=chunk)
            for case_id in chunk:
                stream = streams.get(case_id, {}).get('stream')
                if stream is None:
                    # The PDF could not be split on the letters' headings: print this one alone.
                    single = report_model._render_qweb_pdf_prepare_streams(
                        LETTER_REPORT, {'template_id': self.id}, res_ids=[case_id])
                    stream = single[case_id]['stream']
                result[case_id] = stream.getvalue()
            for stream_data in streams.values():
                if stream_data.get('stream'):
                    stream_data['stream'].close()
        return result

    def _get_letter_filename(self, case, when):
        date = fields.Date.to_string(fields.Datetime.context_timestamp(self, when).date())
        return f"{self.name} - {case.name} - {date}.pdf".replace('/', '-')

    def _attach_letters(self, cases, letters_pdf, when):
        """Attach each letter to its case (visible in the case's chatter and Letters button)."""
        vals_list = [{
            'name': self._get_letter_filename(case, when),
            'raw': letters_pdf[case.id],
            'mimetype': 'application/pdf',
            'res_model': 'collection.case',
            'res_id': case.id,
            'description': self.env._("Letter %(template)s", template=self.name),
        } for case in cases]
        attachments = self.env['ir.attachment'].create(vals_list)
        return dict(zip(cases.ids, attachments))

    def _log_letter_actions(self, cases, letters, when):
        """One posted letter action per case, linked to the letter's PDF; no chatter message."""
        if not cases:
            return self.env['collection.action']
        action_type = self.env.ref('collection_base.collection_action_type_letter')
        result_code = self.env.ref('collection_base.collection_result_code_sent')
        note = self.env._("%(template)s printed", template=self.name)
        return self.env['collection.action'].with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True,
        ).create([{
            'case_id': case.id,
            'action_type_id': action_type.id,
            'result_code_id': result_code.id,
            'date': when,
            'note': note,
            'attachment_id': letters[case.id].id,
            'state': 'posted',
        } for case in cases])

    def _create_batch_attachment(self, pdf_content, when, batch_owner):
        """The merged PDF for printing. Without an owner it is readable by its creator only."""
        stamp = fields.Datetime.context_timestamp(self, when).strftime('%Y-%m-%d %H-%M')
        return self.env['ir.attachment'].create({
            'name': f"{self.name} - {stamp}.pdf".replace('/', '-'),
            'raw': pdf_content,
            'mimetype': 'application/pdf',
            'res_model': batch_owner._name if batch_owner else self._name,
            'res_id': batch_owner.id if batch_owner else False,
        })

    def _post_batch_summary(self, printed, blocked, merged, batch_owner):
        """One message per batch: on the owner when it has a chatter, else on the template."""
        if not printed and not blocked:
            return
        if blocked:
            body = self.env._(
                "%(count)s letters %(template)s printed; %(blocked)s cases held back by the contact policy.",
                count=len(printed), template=self.name, blocked=len(blocked))
        else:
            body = self.env._("%(count)s letters %(template)s printed.", count=len(printed), template=self.name)
        if batch_owner and hasattr(batch_owner, 'message_post'):
            batch_owner.message_post(body=body, attachment_ids=merged.ids)
        else:
            self.sudo().message_post(body=body, author_id=self.env.user.partner_id.id)
