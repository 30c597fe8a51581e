from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount


SYSTEM_FIELDS = {'state', 'reconciled_by_id', 'reconciled_date', 'name'}


class CollectionCashDeposit(models.Model):
    _name = 'collection.cash.deposit'
    _description = 'Field Cash Deposit'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'date desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Deposit No.", required=True, readonly=True, copy=False, default='/')
    user_id = fields.Many2one('res.users', string="Field Agent", required=True, index=True, tracking=True,
                              default=lambda self: self.env.user)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(
        'res.currency', required=True, tracking=True, default=lambda self: self.env.company.currency_id,
        help="The currency of the cash paid in; the deposit covers the receipts in this currency.")
    branch = fields.Char(required=True, tracking=True, help="The branch where the cash was paid in.")
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    reference = fields.Char(string="Slip Reference", tracking=True, help="The branch's deposit slip number.")
    receipt_ids = fields.One2many('collection.cash.receipt', 'deposit_id', string="Receipts")
    receipt_count = fields.Integer(compute='_compute_amounts', store=True, string="Receipts Covered")
    expected_amount = fields.Monetary(
        compute='_compute_amounts', store=True, string="Receipts Total",
        help="What the receipts this deposit covers add up to.")
    deposited_amount = fields.Monetary(string="Amount Deposited", tracking=True,
                                       help="The cash counted at the branch.")
    difference = fields.Monetary(compute='_compute_amounts', store=True,
                                 help="Deposited minus the receipts' total; negative when cash is missing.")
    has_difference = fields.Boolean(compute='_compute_amounts', store=True, string="Has a Difference", index=True)
    state = fields.Selection([
        ('draft', 'Draft'),
        ('reconciled', 'Reconciled'),
    ], required=True, default='draft', tracking=True, index=True)
    reconciled_by_id = fields.Many2one('res.users', string="Reconciled By", readonly=True)
    reconciled_date = fields.Datetime(readonly=True)
    note = fields.Text()

    @api.depends('receipt_ids.amount', 'deposited_amount')
    def _compute_amounts(self):
        for deposit in self:
            expected = sum(deposit.receipt_ids.mapped('amount'))
            deposit.receipt_count = len(deposit.receipt_ids)
            deposit.expected_amount = expected
            deposit.difference = deposit.deposited_amount - expected
            deposit.has_difference = bool(deposit.currency_id.compare_amounts(deposit.deposited_amount, expected))

    def _is_cash_supervisor(self):
        return self.env.su or self.env.user.has_group('collection_base.collection_base_group_supervisor')

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_cash_supervisor():
            for vals in vals_list:
                forged = (vals.get('state', 'draft') != 'draft' or vals.get('name', '/') != '/'
                          or vals.get('reconciled_by_id') or vals.get('reconciled_date'))
                if vals.get('user_id', self.env.uid) != self.env.uid or forged:
                    raise AccessError(self.env._("A field agent records deposits of their own cash only."))
        for vals in vals_list:
            if vals.get('name', '/') == '/':
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code('collection.cash.deposit') or '/'
        deposits = super().create(vals_list)
        deposits.filtered(lambda d: not d.receipt_ids).action_load_receipts()
        return deposits

    def write(self, vals):
        if not self.env.su and set(vals) & SYSTEM_FIELDS:
            raise AccessError(self.env._("Deposits are reconciled with the Reconcile button."))
        if not self._is_cash_supervisor() and 'user_id' in vals and vals['user_id'] != self.env.uid:
            raise AccessError(self.env._("A field agent records deposits of their own cash only."))
        if not self.env.su and self.filtered(lambda d: d.state != 'draft'):
            raise UserError(self.env._("Deposit %(deposit)s is reconciled and can no longer change.",
                                       deposit=self.filtered(lambda d: d.state != 'draft')[0].name))
        return super().write(vals)

    def action_load_receipts(self):
        """Cover every receipt the agent holds in custody that no other deposit covers yet."""
        for deposit in self:
            if deposit.state != 'draft':
                raise UserError(self.env._("Deposit %(deposit)s is reconciled.", deposit=deposit.name))
            deposit.receipt_ids.filtered(lambda r: r.currency_id != deposit.currency_id).sudo().deposit_id = False
            receipts = self.env['collection.cash.receipt'].sudo().search([
                ('user_id', '=', deposit.user_id.id), ('state', '=', 'custody'), ('deposit_id', '=', False),
                ('company_id', '=', deposit.company_id.id), ('currency_id', '=', deposit.currency_id.id)])
            receipts.deposit_id = deposit
        return True

    def action_reconcile(self):
        """Reconcile the receipts covered: their payments become final; a difference is flagged
        and handed to the supervisor."""
        if not self.env.user.has_group('collection_base.collection_base_group_supervisor'):
            raise UserError(self.env._("Only a supervisor or the branch reconciles a cash deposit."))
        for deposit in self:
            if deposit.state != 'draft':
                raise UserError(self.env._("Deposit %(deposit)s is already reconciled.", deposit=deposit.name))
            if not deposit.receipt_ids:
                raise UserError(self.env._("Deposit %(deposit)s covers no receipt.", deposit=deposit.name))
            wrong = deposit.receipt_ids.filtered(
                lambda r: r.state != 'custody' or r.user_id != deposit.user_id)
            if wrong:
                raise UserError(self.env._(
                    "Deposit %(deposit)s cannot cover receipt %(receipt)s: it is not in the custody of %(agent)s.",
                    deposit=deposit.name, receipt=wrong[0].name, agent=deposit.user_id.name))
            foreign = deposit.receipt_ids.filtered(lambda r: r.currency_id != deposit.currency_id)
            if foreign:
                raise UserError(self.env._(
                    "Deposit %(deposit)s is in %(currency)s and cannot cover receipt %(receipt)s in %(other)s: "
                    "add the receipts in custody again, and deposit the %(other)s in a deposit of its own.",
                    deposit=deposit.name, currency=deposit.currency_id.name, receipt=foreign[0].name,
                    other=foreign[0].currency_id.name))
            receipts = deposit.receipt_ids.sudo()
            receipts.state = 'reconciled'
            receipts.payment_id.filtered(lambda p: p.state == 'posted').custody_state = 'final'
            deposit.sudo().write({
                'state': 'reconciled', 'reconciled_by_id': self.env.uid, 'reconciled_date': fields.Datetime.now()})
            if deposit.has_difference:
                deposit._flag_difference()
        return True

    def _flag_difference(self):
        self.ensure_one()
        message = self.env._(
            "Deposit %(deposit)s of %(agent)s: %(deposited)s deposited for receipts totalling %(expected)s "
            "(difference %(difference)s).",
            deposit=self.name, agent=self.user_id.name,
            deposited=format_amount(self.env, self.deposited_amount, self.currency_id),
            expected=format_amount(self.env, self.expected_amount, self.currency_id),
            difference=format_amount(self.env, self.difference, self.currency_id))
        self.message_post(body=message)
        supervisor = self.user_id.collection_team_ids.filtered(
            lambda t: t.company_id == self.company_id).supervisor_id[:1]
        self.activity_schedule(
            'mail.mail_activity_data_todo', summary=self.env._("Cash deposit difference"), note=message,
            user_id=(supervisor or self.env.user).id)
