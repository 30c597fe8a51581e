from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.phone import format_e164

# which customer a point belongs to and where it comes from: an agent never changes them
AGENT_LOCKED_FIELDS = {'partner_id', 'company_id', 'source'}
# the bank's contact data: an agent adds points next to it, but changes it only through a supervisor
BANK_DATA_FIELDS = {'kind', 'value', 'country_id', 'street', 'city', 'district', 'zip', 'latitude', 'longitude',
                    'active'}
BLOCKED_STATES = ('wrong_number', 'invalid')


class CollectionContactPoint(models.Model):
    _name = 'collection.contact.point'
    _description = 'Contact Point'
    _inherit = ['mail.thread']
    _order = 'is_primary desc, sequence, id'
    _rec_name = 'value'
    _check_company_auto = True

    partner_id = fields.Many2one(
        'res.partner', string="Customer", required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(
        'res.company', required=True, index=True, default=lambda self: self.env.company)
    sequence = fields.Integer(default=10)
    kind = fields.Selection([
        ('mobile', 'Mobile'),
        ('phone', 'Phone'),
        ('email', 'Email'),
        ('address', 'Address'),
    ], required=True, default='mobile')
    value = fields.Char(required=True, tracking=True, help="The number, email or address as given.")
    phone_e164 = fields.Char(
        string="E.164", compute='_compute_phone_e164', store=True, index='trigram',
        help="The phone number in international E.164 format.")
    country_id = fields.Many2one(
        'res.country', string="Country",
        default=lambda self: self.env.company.country_id,
        help="Country used to read a phone number written without its international prefix.")
    street = fields.Char()
    city = fields.Char()
    district = fields.Char(help="District or area, used to plan field work by region.")
    zip = fields.Char()
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    source = fields.Selection([
        ('bank', 'Core banking'),
        ('agent', 'Agent'),
        ('customer', 'Customer'),
        ('skip_trace', 'Skip trace'),
    ], required=True, default='agent', tracking=True)
    state = fields.Selection([
        ('unverified', 'Unverified'),
        ('verified', 'Verified'),
        ('wrong_number', 'Wrong number'),
        ('invalid', 'No longer valid'),
    ], required=True, default='unverified', tracking=True)
    is_primary = fields.Boolean(string="Primary")
    is_do_not_call = fields.Boolean(string="Do Not Contact", tracking=True)
    tag_ids = fields.Many2many('collection.tag', string="Tags", domain=[('applies_to', 'in', ('phone', 'any'))])
    note = fields.Char()
    active = fields.Boolean(default=True)

    _partner_kind_value_uniq = models.UniqueIndex(
        '(partner_id, kind, value) WHERE active',
        "This customer already has this contact point.")

    @api.depends('value', 'kind', 'country_id')
    def _compute_phone_e164(self):
        for point in self:
            point.phone_e164 = point._format_e164() if point.kind in ('mobile', 'phone') else False

    @api.constrains('value', 'kind', 'country_id')
    def _check_value(self):
        for point in self:
            if point.kind in ('mobile', 'phone'):
                if not point._format_e164():
                    raise ValidationError(self.env._(
                        "The phone number %(number)s of %(customer)s is not a valid number%(country)s.",
                        number=point.value, customer=point.partner_id.display_name,
                        country=f" ({point.country_id.code})" if point.country_id else ""))
            elif point.kind == 'email' and '@' not in (point.value or ''):
                raise ValidationError(self.env._(
                    "The email address %(email)s of %(customer)s is not valid.",
                    email=point.value, customer=point.partner_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and self.env.user._is_collection_agent_only():
            # what an agent records is the agent's, whatever the form or the API said
            vals_list = [dict(vals, source='agent') for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        if self.env.su or not self.env.user._is_collection_agent_only():
            return super().write(vals)
        for point in self:
            point._check_agent_change(vals)
        if 'tag_ids' in vals:
            with self.env['collection.tag']._refuse_lifting(self, 'tag_ids'):
                return super().write(vals)
        return super().write(vals)

    def _check_agent_change(self, vals):
        """Refuse what an agent may not do to this point: move it, relabel its source, edit the
        bank's data, or lift a block (do not contact, wrong number)."""
        self.ensure_one()
        changed = [fname for fname in vals.keys() & (AGENT_LOCKED_FIELDS | BANK_DATA_FIELDS)
                   if (self._fields[fname].convert_to_write(self[fname], self) or False) != (vals[fname] or False)]
        locked = [fname for fname in changed
                  if fname in AGENT_LOCKED_FIELDS or (self.source == 'bank' and fname in BANK_DATA_FIELDS)]
        if locked:
            raise UserError(self.env._(
                "Contact point %(point)s of %(customer)s (%(origin)s): only a collection supervisor can change "
                "its %(fields)s.",
                point=self.display_name, customer=self.partner_id.display_name,
                origin=dict(self._fields['source']._description_selection(self.env))[self.source],
                fields=", ".join(self._fields[fname]._description_string(self.env) for fname in sorted(locked))))
        lifted = []
        if self.is_do_not_call and 'is_do_not_call' in vals and not vals['is_do_not_call']:
            lifted.append(self._fields['is_do_not_call']._description_string(self.env))
        if self.state in BLOCKED_STATES and vals.get('state', self.state) not in BLOCKED_STATES:
            lifted.append(dict(self._fields['state']._description_selection(self.env))[self.state])
        if lifted:
            raise UserError(self.env._(
                "Only a collection supervisor can lift %(blocks)s on contact point %(point)s.",
                blocks=", ".join(lifted), point=self.display_name))

    def _format_e164(self):
        """The value as an E.164 number, or False when it is not a valid phone number."""
        self.ensure_one()
        return format_e164(self.value, self.country_id.code)

    def _is_contactable(self):
        """Whether an outbound contact may use this point at all (state and marks)."""
        self.ensure_one()
        return self.active and not self.is_do_not_call and self.state not in ('wrong_number', 'invalid') \
            and not any(tag.is_contact_blocked for tag in self.tag_ids)

    def action_mark_verified(self):
        self.write({'state': 'verified'})

    def action_mark_wrong_number(self):
        self.write({'state': 'wrong_number'})

    def action_mark_do_not_call(self):
        self.write({'is_do_not_call': True})

