from odoo import api, models
from odoo.exceptions import UserError

# what collection_get_picture returns of each record (readable by the calling user)
PICTURE_FIELDS = {
    'customer': ['name', 'cif', 'email', 'phone', 'street', 'city', 'country_id', 'is_do_not_contact',
                 'consent_call', 'consent_sms', 'consent_email', 'consent_whatsapp', 'consent_letter', 'consent_visit'],
    'cases': ['name', 'stage', 'priority', 'user_id', 'team_id', 'company_id', 'currency_id', 'total_outstanding',
              'total_overdue', 'max_dpd', 'bucket_id', 'next_action_date', 'last_contact_date'],
    'loans': ['name', 'source_system', 'product_id', 'currency_id', 'state', 'principal', 'outstanding_amount',
              'overdue_amount', 'installment_amount', 'next_due_date', 'oldest_unpaid_date', 'dpd', 'bucket_id',
              'case_id'],
    'dues': ['loan_id', 'sequence', 'due_date', 'amount_due', 'amount_paid', 'amount_residual'],
    'collateral': ['loan_id', 'name', 'collateral_type', 'identifier', 'make', 'model', 'value', 'location', 'status'],
    'contacts': ['kind', 'value', 'phone_e164', 'source', 'state', 'is_primary', 'is_do_not_call', 'note'],
    'actions': ['case_id', 'loan_id', 'date', 'action_type_id', 'channel', 'result_code_id', 'note', 'user_id',
                'contact_point_id', 'ptp_id', 'external_ref'],
    'promises': ['case_id', 'loan_id', 'plan_id', 'amount', 'date', 'state', 'amount_paid', 'amount_remaining',
                 'channel'],
    'payments': ['loan_id', 'name', 'source_system', 'amount', 'currency_id', 'date', 'channel', 'state'],
}
CONTACT_API_FIELDS = ('state', 'is_primary', 'is_do_not_call', 'note', 'source')


class ResPartner(models.Model):
    """The external API's customer methods (docs/integration.md)."""

    _inherit = 'res.partner'

    @api.model
    def _api_find_customer(self, cif):
        if not isinstance(cif, str) or not cif.strip():
            raise UserError(self.env._("Give the customer's CIF."))
        customers = self.search([('cif', '=', cif.strip())], limit=2)
        if len(customers) != 1:
            raise UserError(self.env._("No single customer you may access has CIF %(cif)s.", cif=cif))
        return customers

    @api.model
    def collection_get_picture(self, cif, action_limit=50):
        """Everything about one customer, as the calling user may read it: the customer, cases,
        loans with their unpaid instalments and collateral, contact points, the last actions,
        promises and payments. Relations come as ``[id, name]``.

        :param cif: the customer's CIF
        :param action_limit: how many of the latest actions
        """
        customer = self._api_find_customer(cif)
        env = self.env
        loans = env['collection.loan'].search([('partner_id', '=', customer.id)])
        cases = env['collection.case'].search([('partner_id', '=', customer.id)])

        def read(records, key):
            return records.read(PICTURE_FIELDS[key]) if records else []

        return {
            'customer': read(customer, 'customer')[0],
            'cases': read(cases, 'cases'),
            'loans': read(loans, 'loans'),
            'dues': read(env['collection.loan.due'].search([('loan_id', 'in', loans.ids), ('amount_residual', '>', 0)]),
                         'dues'),
            'collateral': read(env['collection.collateral'].search([('loan_id', 'in', loans.ids)]), 'collateral'),
            'contacts': read(env['collection.contact.point'].search([('partner_id', '=', customer.id)]), 'contacts'),
            'actions': read(env['collection.action'].search(
                [('case_id', 'in', cases.ids), ('state', '=', 'posted')], limit=action_limit), 'actions'),
            'promises': read(env['collection.ptp'].search([('case_id', 'in', cases.ids)]), 'promises'),
            'payments': read(env['collection.payment'].search([('loan_id', 'in', loans.ids)]), 'payments'),
        }

    @api.model
    def collection_upsert_contact(self, cif, kind, value, source='skip_trace', replaces=None, **values):
        """Add a contact point to a customer, or update it when the customer has it already.

        :param kind: ``mobile``, ``phone``, ``email`` or ``address``
        :param replaces: a previous value of the same kind that this one corrects: it is marked
            no longer valid
        :param values: any of ``state``, ``is_primary``, ``is_do_not_call``, ``note``
        :return: ``{'id', 'created', 'replaced_id'}``
        """
        customer = self._api_find_customer(cif)
        unknown = set(values) - set(CONTACT_API_FIELDS)
        if unknown:
            raise UserError(self.env._("These contact fields cannot be set: %(fields)s.", fields=", ".join(sorted(unknown))))
        Point = self.env['collection.contact.point']
        points = Point.search([('partner_id', '=', customer.id), ('kind', '=', kind)])
        point = points.filtered(lambda p: p.value == value or (p.phone_e164 and p.phone_e164 == value))[:1]
        created = not point
        if point:
            point.write(dict(values, source=source) if 'source' not in values else values)
        else:
            point = Point.create(dict({'partner_id': customer.id, 'company_id': customer.company_id.id or self.env.company.id,
                                       'kind': kind, 'value': value, 'source': source}, **values))
        replaced = Point
        if replaces:
            replaced = (points - point).filtered(lambda p: p.value == replaces or p.phone_e164 == replaces)[:1]
            if not replaced:
                raise UserError(self.env._("%(customer)s has no %(kind)s %(value)s to replace.",
                                           customer=customer.name, kind=kind, value=replaces))
            replaced.write({'state': 'invalid', 'is_primary': False})
        return {'id': point.id, 'created': created, 'replaced_id': replaced.id or False}
