from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.phone import format_e164


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

