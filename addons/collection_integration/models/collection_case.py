from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.collection_base.tools.phone import format_e164


class CollectionCase(models.Model):
    """Integration side of cases: the ``case.assigned`` event, WhatsApp notifications,
    click-to-dial, payment links, actions posted by other systems (external API, call centre)
    and the external API's ``api_post_action``."""

    _inherit = 'collection.case'

    has_dialer = fields.Boolean(compute='_compute_has_dialer')
    payment_link_ids = fields.One2many('collection.payment.link', 'case_id', string="Payment Links")
    collection_pay_link_url = fields.Char(
        string="Payment Link URL", compute='_compute_pay_link', help="The case's latest active payment link.")
    collection_pay_link_amount = fields.Monetary(string="Payment Link Amount", compute='_compute_pay_link')

    # ------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        cases = super().create(vals_list)
        self.env['collection.event']._emit_each(
            'case.assigned', cases.filtered('user_id'), lambda c: c._get_assignment_payload(False))
        return cases

    def write(self, vals):
        if 'user_id' not in vals:
            return super().write(vals)
        before = {case.id: case.user_id for case in self}
        result = super().write(vals)
        changed = self.filtered(lambda c: c.user_id != before[c.id])
        self.env['collection.event']._emit_each(
            'case.assigned', changed, lambda c: c._get_assignment_payload(before[c.id]))
        return result

    def _get_assignment_payload(self, previous):
        self.ensure_one()
        return {
            'case': self.name,
            'case_id': self.id,
            'cif': self.partner_id.cif or None,
            'agent': self.user_id.login or None,
            'agent_id': self.user_id.id or None,
            'previous_agent': previous.login if previous else None,
            'team_id': self.team_id.id or None,
        }

    # ------------------------------------------------------------------
    # WhatsApp notifications (collection_base's notification engine)
    # ------------------------------------------------------------------

    @api.model
    def _get_collection_notification_template_models(self):
        return dict(super()._get_collection_notification_template_models(), whatsapp='collection.whatsapp.template')

    def _collection_send_whatsapp(self, template=None, body=None, force_send=False):
        """Queue one WhatsApp template message per case (the policy allowed them already); sent
        by the scheduled action, or at once with ``force_send``.

        :return: (ids of the cases messaged, ``{case_id: reason}`` of those that cannot be)
        """
        if not self:
            return [], {}
        if not template:
            raise UserError(self.env._("WhatsApp messages are sent from approved templates only."))
        points = self.env['collection.contact.policy']._get_contactable_phone_points(self)
        connectors = {}
        values, failures = [], {}
        params = template._render_params(self)
        for case in self:
            if case.company_id not in connectors:
                connectors[case.company_id] = self.env['collection.connector']._get_gateway(
                    'whatsapp', case.company_id, raise_if_missing=False)
            connector = connectors[case.company_id]
            point = points.get(case.id)
            if not connector:
                failures[case.id] = self.env._("No WhatsApp connector for %(company)s", company=case.company_id.name)
            elif not point:
                failures[case.id] = self.env._("No phone number that may be contacted")
            else:
                values.append({'case_id': case.id, 'connector_id': connector.id, 'template_id': template.id,
                               'contact_point_id': point['id'], 'number': point['phone_e164'],
                               'params': params[case.id]})
        messages = self.env['collection.whatsapp.message'].sudo().create(values)
        if force_send:
            messages._send()
            for message in messages.filtered(lambda m: m.state == 'failed'):
                failures[message.case_id.id] = self.env._("WhatsApp not sent: %(error)s", error=message.error)
        elif messages:
            self.env.ref('collection_integration.ir_cron_send_whatsapp')._trigger()
        return [case_id for case_id in messages.case_id.ids if case_id not in failures], failures

    # ------------------------------------------------------------------
    # Click-to-dial through the call centre's dialer
    # ------------------------------------------------------------------

    @api.depends('payment_link_ids.state')
    def _compute_pay_link(self):
        for case in self:
            link = case.payment_link_ids.filtered(lambda l: l.state == 'active').sorted('id', reverse=True)[:1]
            case.collection_pay_link_url = link.url if link else False
            case.collection_pay_link_amount = link.amount if link else 0.0

    def action_send_payment_link(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Send a Payment Link"),
            'res_model': 'collection.payment.link.send',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_case_id': self.id},
        }

    def _compute_has_dialer(self):
        companies = set(self.env['collection.connector'].sudo().search([('system', '=', 'dialer')]).company_id.ids)
        for case in self:
            case.has_dialer = case.company_id.id in companies

    def action_dial(self):
        """Ask the dialer to ring the agent's extension, then the customer's best number, once
        the call policy allows the call."""
        self.ensure_one()
        point = self._check_outbound_contact('call', self._get_primary_phone_point() or None)
        extension = self.env.user.collection_dialer_extension
        if not extension:
            raise UserError(self.env._("Set your dialer extension in your preferences to dial from Odoo."))
        dialer = self.env['collection.connector']._get_gateway('dialer', self.company_id)
        result = dialer._get_http_client().post('calls', {
            'extension': extension, 'number': point.phone_e164, 'reference': self.name, 'case_id': self.id,
            'agent': self.env.user.login,
        })
        if not result.ok:
            raise UserError(self.env._("The dialer %(dialer)s did not place the call: %(error)s",
                                       dialer=dialer.name, error=result.error))
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'info',
                'message': self.env._("Your phone (extension %(extension)s) rings; then %(number)s is called.",
                                      extension=extension, number=point.phone_e164),
            },
        }

    # ------------------------------------------------------------------
    # Actions recorded by other systems
    # ------------------------------------------------------------------

    def _log_external_action(self, values, ptp_values=None):
        """Record a posted action on this case, with its promise to pay when given.

        :param values: ``collection.action`` values (``case_id`` and ``state`` are set here)
        :param ptp_values: ``{'amount', 'date', 'channel', 'instalments', 'interval_number',
            'interval_type'}``; more than one instalment records a payment plan
        :return: ``(action, ptp)``; ``ptp`` is the plan's first promise for a plan
        """
        self.ensure_one()
        ptp = self.env['collection.ptp']
        plan = self.env['collection.ptp.plan']
        if ptp_values:
            common = {'case_id': self.id, 'loan_id': values.get('loan_id') or False,
                      'channel': ptp_values.get('channel') or 'bank_transfer'}
            if (ptp_values.get('instalments') or 1) > 1:
                plan = plan.create(dict(common, amount_total=ptp_values['amount'], first_date=ptp_values['date'],
                                        instalment_count=ptp_values['instalments'],
                                        interval_number=ptp_values.get('interval_number') or 1,
                                        interval_type=ptp_values.get('interval_type') or 'months'))
                ptp = plan.ptp_ids.sorted('date')[:1]
            else:
                ptp = ptp.create(dict(common, amount=ptp_values['amount'], date=ptp_values['date']))
        action = self.env['collection.action'].create(dict(values, case_id=self.id, ptp_id=ptp.id, state='posted'))
        # the link is the system's doing: the author may create promises without editing them
        plan.sudo().action_id = action
        (ptp | plan.ptp_ids).sudo().action_id = action
        return action, ptp

    # ------------------------------------------------------------------
    # External API (docs/integration.md)
    # ------------------------------------------------------------------

    @api.model
    def _api_find_case(self, case):
        """The case given by id or by the customer's CIF, as the calling user may see it."""
        if isinstance(case, int) and not isinstance(case, bool):
            found = self.search([('id', '=', case)])
        elif isinstance(case, str) and case.strip():
            found = self.search([('partner_id.cif', '=', case.strip())], limit=2)
        else:
            raise UserError(self.env._("Give the case by its id or by the customer's CIF."))
        if len(found) != 1:
            raise UserError(self.env._(
                "No single collection case you may access matches %(case)s.", case=case) if not found else
                self.env._("Customer %(case)s has cases in several companies; give the case id.", case=case))
        return found

    @api.model
    def api_post_action(self, case, action_type='CALL', result=None, note=None, date=None, duration=None,
                        phone=None, account=None, next_action_date=None, ptp=None, external_ref=None):
        """Record an action (a call, a visit, ...) on a case, with its promise to pay.

        :param case: the case id, or the customer's CIF
        :param action_type: the action type's code (``CALL``, ``INCALL``, ``SMS``, ``VISIT``, ...)
        :param result: the result code's code (``PTP``, ``NOANS``, ``CALLBACK``, ...)
        :param date: ``YYYY-MM-DD HH:MM:SS`` UTC, now by default
        :param duration: minutes
        :param phone: the number used; must be one of the customer's contact points
        :param account: the loan the action is about (account number)
        :param ptp: ``{'amount', 'date', 'channel', 'instalments', 'interval_number', 'interval_type'}``
        :param external_ref: your id of the action; posting the same one twice records it once
        :return: ``{'action_id', 'ptp_id', 'case_id', 'created'}``
        """
        case = self._api_find_case(case)
        Action = self.env['collection.action']
        Action.check_access('create')
        if external_ref:
            existing = Action.search([('case_id', '=', case.id), ('external_ref', '=', external_ref)], limit=1)
            if existing:
                return {'action_id': existing.id, 'ptp_id': existing.ptp_id.id or False, 'case_id': case.id,
                        'created': False}
        action_type_rec = self.env['collection.action.type'].search([('code', '=', action_type)], limit=1)
        result_rec = self.env['collection.result.code'].search([('code', '=', result)], limit=1) if result else False
        if not action_type_rec:
            raise UserError(self.env._("Unknown action type %(code)s.", code=action_type))
        if result and not result_rec:
            raise UserError(self.env._("Unknown result code %(code)s.", code=result))
        values = {
            'action_type_id': action_type_rec.id,
            'result_code_id': result_rec.id if result_rec else False,
            'note': note or False,
            'duration': duration or 0.0,
            'next_action_date': next_action_date or False,
            'external_ref': external_ref or False,
        }
        if date:
            values['date'] = date
        if phone:
            values['contact_point_id'] = case._api_find_contact_point(phone).id
        if account:
            loan = case.loan_ids.filtered(lambda l: l.name == account)[:1]
            if not loan:
                raise UserError(self.env._("Case %(case)s has no loan %(account)s.", case=case.name, account=account))
            values['loan_id'] = loan.id
        ptp_values = None
        if ptp:
            if not isinstance(ptp, dict) or not ptp.get('amount') or not ptp.get('date'):
                raise ValidationError(self.env._("A promise needs an amount and a date (%(case)s).", case=case.name))
            ptp_values = dict(ptp, date=fields.Date.to_date(ptp['date']))
        action, promise = case._log_external_action(values, ptp_values)
        return {'action_id': action.id, 'ptp_id': promise.id or False, 'case_id': case.id, 'created': True}

    def _api_find_contact_point(self, phone):
        self.ensure_one()
        number = format_e164(phone, self.partner_id.country_id.code or self.company_id.country_id.code) or phone
        point = self.partner_id.contact_point_ids.filtered(lambda p: p.phone_e164 == number or p.value == phone)[:1]
        if not point:
            raise UserError(self.env._(
                "%(phone)s is not a contact point of %(customer)s.", phone=phone, customer=self.partner_id.name))
        return point
