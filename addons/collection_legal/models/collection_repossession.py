from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

MANAGER_GROUP = 'collection_base.collection_base_group_manager'
WARNING_VALIDITY_DAYS = 180  # a warning letter older than this does not open a repossession

REPOSSESSION_STATES = [
    ('draft', 'Draft'),
    ('warned', 'Warned'),
    ('to_approve', 'Authorisation Requested'),
    ('authorised', 'Authorised'),
    ('repossessed', 'Repossessed'),
    ('announced', 'Announced'),
    ('redeemed', 'Redeemed'),
    ('auction_to_approve', 'Auction to Approve'),
    ('auction_approved', 'Auction Approved'),
    ('sold', 'Sold'),
    ('cancelled', 'Cancelled'),
]
# the condition checklist by asset type, written in the language of the user who opens the repossession
CHECKLIST_ITEMS = {
    'vehicle': [_lt("Bodywork"), _lt("Tyres"), _lt("Interior"), _lt("Keys"), _lt("Registration documents"),
                _lt("Mileage recorded")],
    'equipment': [_lt("Device"), _lt("Power supply"), _lt("Cables"), _lt("Remote control"),
                  _lt("Serial number matches")],
}
DEFAULT_CHECKLIST = [_lt("General condition"), _lt("Accessories"), _lt("Documents")]
# What each approval covers, fixed while it stands: who executes the repossession, the auction.
AUTHORISED_TERMS = ('executor_type', 'agency_id', 'officer_id')
AUCTION_TERMS = ('auction_date', 'auction_place', 'reserve_price')


class CollectionRepossession(models.Model):
    _name = 'collection.repossession'
    _description = 'Repossession'
    _inherit = ['collection.legal.document.mixin', 'collection.legal.approval.mixin']
    _order = 'id desc'
    _approval_fields = ('state', 'authorisation_requested_by_id', 'authorised_by_id', 'authorisation_date',
                        'auction_approved_by_id')
    _approval_override_group = MANAGER_GROUP

    collateral_id = fields.Many2one(
        'collection.collateral', string="Asset", required=True, index=True, tracking=True,
        domain="[('case_id', '=', case_id), ('status', '=', 'held')]")
    loan_id = fields.Many2one(related='collateral_id.loan_id', store=True, index=True)
    user_id = fields.Many2one('res.users', string="Responsible", default=lambda self: self.env.user, tracking=True)
    state = fields.Selection(REPOSSESSION_STATES, required=True, default='draft', tracking=True, index=True,
                             copy=False)
    collateral_status = fields.Selection(related='collateral_id.status', string="Asset Status")
    # warning
    warning_action_id = fields.Many2one(
        'collection.action', string="Warning Letter", readonly=True, copy=False,
        help="The repossession warning letter sent to the customer (by a strategy or by hand).")
    warning_date = fields.Datetime(related='warning_action_id.date', string="Warned On")
    # authorisation
    executor_type = fields.Selection(
        [('agency', 'Agency'), ('officer', 'Officer')], string="Executed By", required=True, default='agency')
    agency_id = fields.Many2one('collection.agency', string="Agency", check_company=True, tracking=True)
    officer_id = fields.Many2one('res.users', string="Officer", tracking=True, domain=[('share', '=', False)])
    executor_partner_id = fields.Many2one(
        'res.partner', compute='_compute_executor_partner_id', string="Addressee of the Authorisation")
    authorisation_requested_by_id = fields.Many2one('res.users', readonly=True, copy=False)
    authorised_by_id = fields.Many2one('res.users', string="Authorised By", readonly=True, copy=False, tracking=True)
    authorisation_date = fields.Date(readonly=True, copy=False)
    authorisation_letter_id = fields.Many2one('ir.attachment', readonly=True, copy=False)
    # repossession
    repossession_date = fields.Date(tracking=True, copy=False)
    repossession_place = fields.Char(string="Place", tracking=True, copy=False)
    checklist_ids = fields.One2many('collection.repossession.check', 'repossession_id', string="Condition Checklist")
    condition_note = fields.Text(string="Condition Notes")
    photo_ids = fields.Many2many(
        'ir.attachment', 'collection_repossession_photo_rel', 'repossession_id', 'attachment_id', string="Photos")
    storage_location = fields.Char(tracking=True)
    repossession_cost = fields.Monetary(tracking=True, help="Fee of the agency or officer who executed it.")
    storage_cost = fields.Monetary(tracking=True)
    # announcement and redemption
    redemption_days = fields.Integer(
        string="Redemption Period (days)", default=lambda self: self.env.company.collection_redemption_days)
    announcement_date = fields.Date(readonly=True, copy=False)
    redemption_deadline = fields.Date(compute='_compute_redemption_deadline', store=True, readonly=False)
    debt_amount = fields.Monetary(
        string="Debt", compute='_compute_redemption', help="What the secured loan still owes.")
    redemption_amount = fields.Monetary(
        string="Amount to Redeem", compute='_compute_redemption',
        help="What the customer pays to get the asset back: the loan's outstanding amount and the costs.")
    announcement_letter_id = fields.Many2one('ir.attachment', readonly=True, copy=False)
    redemption_payment_id = fields.Many2one('collection.payment', readonly=True, copy=False)
    # auction
    auction_date = fields.Date(tracking=True, copy=False)
    auction_place = fields.Char(copy=False)
    reserve_price = fields.Monetary(tracking=True, copy=False)
    auction_approved_by_id = fields.Many2one('res.users', readonly=True, copy=False, tracking=True)
    sale_price = fields.Monetary(tracking=True, copy=False)
    buyer_id = fields.Many2one('res.partner', string="Buyer", tracking=True, copy=False)
    auction_cost = fields.Monetary(tracking=True, copy=False)
    total_cost = fields.Monetary(compute='_compute_totals', string="Total Costs")
    net_proceeds = fields.Monetary(compute='_compute_totals', help="Sale price less all costs.")
    proceeds_payment_id = fields.Many2one('collection.payment', readonly=True, copy=False)
    debt_at_sale = fields.Monetary(readonly=True, copy=False)
    surplus_amount = fields.Monetary(readonly=True, copy=False, tracking=True)
    deficiency_amount = fields.Monetary(readonly=True, copy=False, tracking=True)
    surplus_returned_date = fields.Date(tracking=True, copy=False)

    @api.depends('executor_type', 'agency_id', 'officer_id')
    def _compute_executor_partner_id(self):
        for repossession in self:
            if repossession.executor_type == 'agency':
                repossession.executor_partner_id = repossession.agency_id.partner_id
            else:
                repossession.executor_partner_id = repossession.officer_id.partner_id

    @api.depends('announcement_date', 'redemption_days')
    def _compute_redemption_deadline(self):
        for repossession in self:
            if repossession.announcement_date:
                repossession.redemption_deadline = repossession.announcement_date + timedelta(
                    days=repossession.redemption_days)
            elif not repossession.redemption_deadline:
                repossession.redemption_deadline = False

    @api.depends('loan_id.outstanding_amount', 'repossession_cost', 'storage_cost')
    def _compute_redemption(self):
        for repossession in self:
            repossession.debt_amount = repossession.loan_id.outstanding_amount
            repossession.redemption_amount = (repossession.debt_amount + repossession.repossession_cost
                                              + repossession.storage_cost)

    @api.depends('repossession_cost', 'storage_cost', 'auction_cost', 'sale_price')
    def _compute_totals(self):
        for repossession in self:
            repossession.total_cost = repossession.repossession_cost + repossession.storage_cost \
                + repossession.auction_cost
            repossession.net_proceeds = repossession.sale_price - repossession.total_cost

    @api.constrains('collateral_id', 'case_id')
    def _check_collateral(self):
        for repossession in self:
            if repossession.collateral_id.case_id != repossession.case_id:
                raise ValidationError(self.env._(
                    "Asset %(asset)s does not secure a loan of case %(case)s.",
                    asset=repossession.collateral_id.display_name, case=repossession.case_id.display_name))
            others = self.sudo().search_count([
                ('collateral_id', '=', repossession.collateral_id.id), ('id', '!=', repossession.id),
                ('state', 'not in', ('redeemed', 'sold', 'cancelled'))])
            if others:
                raise ValidationError(self.env._(
                    "Asset %(asset)s already has a repossession under way.",
                    asset=repossession.collateral_id.display_name))

    @api.constrains('repossession_cost', 'storage_cost', 'auction_cost', 'reserve_price', 'sale_price')
    def _check_amounts(self):
        for repossession in self:
            if min(repossession.repossession_cost, repossession.storage_cost, repossession.auction_cost,
                   repossession.reserve_price, repossession.sale_price) < 0:
                raise ValidationError(self.env._(
                    "Costs and prices of %(repossession)s cannot be negative.", repossession=repossession.name))

    @api.model_create_multi
    def create(self, vals_list):
        repossessions = super().create(vals_list)
        for repossession in repossessions:
            items = CHECKLIST_ITEMS.get(repossession.collateral_id.collateral_type, DEFAULT_CHECKLIST)
            repossession.checklist_ids = [(0, 0, {'name': self.env._(item), 'sequence': index})
                                          for index, item in enumerate(items)]
            warning = self.env['collection.action'].search([
                ('case_id', '=', repossession.case_id.id),
                ('letter_template_id.letter_type', '=', 'repossession_warning'),
                ('state', '=', 'posted'),
                ('date', '>=', fields.Datetime.now() - timedelta(days=WARNING_VALIDITY_DAYS)),
            ], order='date desc', limit=1)
            if warning:
                repossession._mark_warned(warning)
        repossessions._post_on_case(self.env._("repossession of the asset opened."))
        return repossessions

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _get_approved_terms(self):
        self.ensure_one()
        if self.state in ('to_approve', 'authorised'):
            return AUTHORISED_TERMS
        if self.state in ('auction_to_approve', 'auction_approved', 'sold'):
            return AUCTION_TERMS
        return ()

    def _check_manager(self, step):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._(
                "Only a collection manager may approve %(step)s (%(name)s).", step=step, name=self[:1].name))

    def _mark_warned(self, warning_action):
        self._write_step({'warning_action_id': warning_action.id,
                          **({'state': 'warned'} if all(r.state == 'draft' for r in self) else {})})
        for repossession in self:
            repossession.message_post(body=self.env._(
                "Warning letter sent on %(date)s.", date=fields.Datetime.to_string(warning_action.date)))

    @api.model
    def _link_warning_letters(self, actions):
        """A repossession warning letter (from a strategy or by hand) moves the draft repossessions
        of its case to Warned."""
        by_case = {action.case_id.id: action for action in actions}
        drafts = self.sudo().search([('case_id', 'in', list(by_case)), ('state', '=', 'draft')])
        for repossession in drafts:
            repossession._mark_warned(by_case[repossession.case_id.id])

    def _schedule_manager_activity(self, summary):
        managers = self.env.ref(MANAGER_GROUP).all_user_ids.filtered(lambda user: not user.share)
        for repossession in self:
            manager = managers.filtered(lambda user: repossession.company_id in user.company_ids)[:1]
            if manager:
                repossession.sudo().activity_schedule('mail.mail_activity_data_todo', user_id=manager.id,
                                                      summary=summary)

    # ------------------------------------------------------------
    # ACTIONS (in the order of the process)
    # ------------------------------------------------------------

    def action_send_warning(self):
        """Send the warning letter by hand (strategies send it on their own). Like a strategy's, it is
        an ordinary letter, not a legal notice: every rule of the contact policy applies."""
        self._check_state('draft', 'warned')
        for repossession in self:
            repossession._print_legal_letter(repossession._get_letter_template('repossession_warning'),
                                             statutory=False)
        return True

    def action_request_authorisation(self):
        self._check_state('warned')
        for repossession in self:
            if not repossession.executor_partner_id:
                raise UserError(self.env._(
                    "Choose who executes repossession %(name)s (an agency with an address, or an officer).",
                    name=repossession.name))
        self._write_step({'state': 'to_approve', 'authorisation_requested_by_id': self.env.uid})
        self._schedule_manager_activity(self.env._("Approve the repossession authorisation"))
        self._post_on_case(self.env._("authorisation to repossess requested."))
        return True

    def action_approve_authorisation(self):
        """Manager: authorise, and send the authorisation letter to the agency or officer."""
        self._check_manager(self.env._("a repossession authorisation"))
        self._check_state('to_approve')
        self._write_step({'state': 'authorised', 'authorised_by_id': self.env.uid,
                          'authorisation_date': fields.Date.context_today(self)})
        for repossession in self:
            repossession.authorisation_letter_id = repossession._print_legal_letter(
                repossession._get_letter_template('repossession_authorisation'),
                addressee=repossession.executor_partner_id)
        self.activity_unlink(['mail.mail_activity_data_todo'])
        return True

    def action_refuse_authorisation(self):
        self._check_manager(self.env._("a repossession authorisation"))
        self._check_state('to_approve')
        self._write_step({'state': 'warned'})
        self.activity_unlink(['mail.mail_activity_data_todo'])
        self._post_on_case(self.env._("authorisation to repossess refused."))
        return True

    def action_mark_repossessed(self):
        """The asset is in hand: date, place, checklist and costs recorded; the collateral follows."""
        self._check_state('authorised')
        for repossession in self:
            if not (repossession.repossession_date and repossession.repossession_place
                    and repossession.storage_location):
                raise UserError(self.env._(
                    "Record the date, the place and the storage location of repossession %(name)s first.",
                    name=repossession.name))
            unchecked = repossession.checklist_ids.filtered(lambda check: not check.condition)
            if unchecked:
                raise UserError(self.env._(
                    "Check the condition of %(item)s for repossession %(name)s.",
                    item=unchecked[0].name, name=repossession.name))
        self._write_step({'state': 'repossessed'})
        for repossession in self:
            repossession.collateral_id.sudo().write({'status': 'repossessed',
                                                     'location': repossession.storage_location})
            repossession._post_on_case(self.env._(
                "asset repossessed on %(date)s at %(place)s, stored at %(storage)s.",
                date=repossession.repossession_date, place=repossession.repossession_place,
                storage=repossession.storage_location))
        return True

    def action_announce(self):
        """Send the customer the announcement: the redemption period and the amount to redeem."""
        self._check_state('repossessed')
        self._write_step({'announcement_date': fields.Date.context_today(self), 'state': 'announced'})
        for repossession in self:
            repossession.announcement_letter_id = repossession._print_legal_letter(
                repossession._get_letter_template('repossession_announcement'))
        return True

    def action_redeem(self):
        """The customer paid the amount to redeem: the payment goes to the loan, the asset is released."""
        self._check_state('announced')
        for repossession in self:
            debt = repossession.loan_id.outstanding_amount
            if debt > 0:
                payment, _created = self.env['collection.payment'].sudo()._register_payment({
                    'loan_id': repossession.loan_id.id,
                    'name': f"{repossession.name}-REDEEM",
                    'source_system': 'repossession',
                    'amount': debt,
                    'channel': 'other',
                })
                repossession.redemption_payment_id = payment
            repossession.collateral_id.sudo().status = 'released'
            repossession._write_step({'state': 'redeemed'})
            repossession._post_on_case(self.env._(
                "redeemed by the customer; the asset is released to them."))
        return True

    def action_submit_auction(self):
        self._check_state('announced')
        for repossession in self:
            if not repossession.auction_date or not repossession.reserve_price:
                raise UserError(self.env._(
                    "Set the auction date and the reserve price of %(name)s first.", name=repossession.name))
            if repossession.redemption_deadline and repossession.auction_date <= repossession.redemption_deadline:
                raise UserError(self.env._(
                    "The auction of %(name)s must come after the redemption deadline %(date)s.",
                    name=repossession.name, date=repossession.redemption_deadline))
        self._write_step({'state': 'auction_to_approve'})
        self._schedule_manager_activity(self.env._("Approve the auction"))
        return True

    def action_approve_auction(self):
        self._check_manager(self.env._("an auction"))
        self._check_state('auction_to_approve')
        self._write_step({'state': 'auction_approved', 'auction_approved_by_id': self.env.uid})
        self.activity_unlink(['mail.mail_activity_data_todo'])
        for repossession in self:
            repossession._post_on_case(self.env._(
                "auction on %(date)s approved with a reserve price of %(price)s.",
                date=repossession.auction_date, price=repossession._format(repossession.reserve_price)))
        return True

    def action_record_sale(self):
        """The asset is sold: the net proceeds pay the loan; a surplus is owed to the customer, a
        deficiency stays on the loan and the case."""
        self._check_state('auction_approved')
        for repossession in self:
            if not repossession.sale_price or not repossession.buyer_id:
                raise UserError(self.env._(
                    "Record the sale price and the buyer of %(name)s first.", name=repossession.name))
            if repossession.sale_price < repossession.reserve_price \
                    and not self.env.user.has_group(MANAGER_GROUP):
                raise AccessError(self.env._(
                    "The sale price of %(name)s is below the reserve price: only a manager may accept it.",
                    name=repossession.name))
            repossession._apply_proceeds()
        return True

    def _apply_proceeds(self):
        self.ensure_one()
        loan = self.loan_id
        debt = loan.outstanding_amount
        net = self.net_proceeds
        applied = min(max(net, 0.0), debt)
        vals = {
            'state': 'sold',
            'debt_at_sale': debt,
            'surplus_amount': max(net - debt, 0.0),
            'deficiency_amount': max(debt - max(net, 0.0), 0.0),
        }
        if applied > 0:
            payment, _created = self.env['collection.payment'].sudo()._register_payment({
                'loan_id': loan.id,
                'name': f"{self.name}-SALE",
                'source_system': 'repossession',
                'amount': applied,
                'channel': 'other',
                'date': self.auction_date or fields.Date.context_today(self),
            })
            vals['proceeds_payment_id'] = payment.id
        self._write_step(vals)
        self.collateral_id.sudo().status = 'sold'
        message = self.env._(
            "asset sold for %(price)s to %(buyer)s; costs %(costs)s; net proceeds %(net)s applied to loan %(loan)s.",
            price=self._format(self.sale_price), buyer=self.buyer_id.name, costs=self._format(self.total_cost),
            net=self._format(applied), loan=loan.name)
        if self.surplus_amount:
            message += " " + self.env._("Surplus of %(amount)s to return to the customer.",
                                        amount=self._format(self.surplus_amount))
            self.sudo().activity_schedule('mail.mail_activity_data_todo', user_id=self.user_id.id or self.env.uid,
                                          summary=self.env._("Return the surplus to the customer"))
        if self.deficiency_amount:
            message += " " + self.env._("Deficiency of %(amount)s remains on the loan and the case.",
                                        amount=self._format(self.deficiency_amount))
            case = self.case_id.sudo()
            case.write({'stage': 'in_progress', 'priority': '2'})
            if case.user_id:
                case.activity_schedule('mail.mail_activity_data_todo', user_id=case.user_id.id,
                                       summary=self.env._("Collect the deficiency after the auction"))
        self._post_on_case(message)

    def action_return_surplus(self):
        for repossession in self:
            if repossession.state != 'sold' or not repossession.surplus_amount:
                raise UserError(self.env._("Repossession %(name)s has no surplus to return.", name=repossession.name))
        self.write({'surplus_returned_date': fields.Date.context_today(self)})
        self.activity_unlink(['mail.mail_activity_data_todo'])
        self._post_on_case(self.env._("surplus returned to the customer."))
        return True

    def action_cancel(self):
        self._check_state('draft', 'warned', 'to_approve', 'authorised')
        self._write_step({'state': 'cancelled'})
        self._post_on_case(self.env._("repossession cancelled."))
        return True
