from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_datetime

RECEIPT_STATES = [
    ('custody', 'In custody'),
    ('reconciled', 'Reconciled'),
    ('cancelled', 'Cancelled'),
]


class CollectionCashReceipt(models.Model):
    _name = 'collection.cash.receipt'
    _description = 'Field Cash Receipt'
    _inherit = ['mail.thread']
    _order = 'date desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Receipt No.", required=True, readonly=True, copy=False, index='trigram')
    visit_id = fields.Many2one('collection.visit', readonly=True, index='btree_not_null', check_company=True)
    case_id = fields.Many2one('collection.case', required=True, readonly=True, index=True, check_company=True)
    loan_id = fields.Many2one('collection.loan', required=True, readonly=True, check_company=True)
    partner_id = fields.Many2one(related='case_id.partner_id', store=True, string="Customer")
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related='loan_id.currency_id', store=True, string="Currency")
    user_id = fields.Many2one('res.users', string="Collected By", required=True, readonly=True, index=True)
    amount = fields.Monetary(required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, help="When the cash was taken (the device's time).")
    payment_id = fields.Many2one('collection.payment', readonly=True, index='btree_not_null')
    state = fields.Selection(RECEIPT_STATES, required=True, default='custody', readonly=True, tracking=True,
                             index=True)
    deposit_id = fields.Many2one('collection.cash.deposit', string="Deposit", readonly=True,
                                 index='btree_not_null', tracking=True)
    client_id = fields.Char(string="Client ID", readonly=True)
    event_id = fields.Many2one('collection.field.event', readonly=True)
    sms_sent = fields.Boolean(string="SMS Sent", readonly=True)

    _name_company_uniq = models.Constraint('unique(name, company_id)', "Receipt numbers are unique per company.")
    _user_client_uniq = models.UniqueIndex(
        '(user_id, client_id) WHERE client_id IS NOT NULL', "A receipt is stored once per client id.")
    _custody_idx = models.Index("(user_id) WHERE state = 'custody'")

    @api.model
    def _get_cash_in_hand_rows(self, user_ids):
        """``[(user_id, currency_id, company_id, day, amount)]`` of the cash held in custody
        (receipts not yet reconciled), per currency and day of receipt."""
        if not user_ids:
            return []
        self.flush_model(['user_id', 'state', 'amount', 'currency_id', 'company_id', 'date'])
        return self.env.execute_query(SQL("""
            SELECT user_id, currency_id, company_id, date::date, SUM(amount) FROM collection_cash_receipt
             WHERE state = 'custody' AND user_id = ANY(%s)
          GROUP BY user_id, currency_id, company_id, date::date
        """, list(user_ids)))

    @api.model
    def _get_cash_in_hand_by_currency(self, user_ids):
        """``{user_id: {currency: amount}}`` of the cash held in custody, in each receipt's currency."""
        result = {}
        for user_id, currency_id, _company_id, _day, amount in self._get_cash_in_hand_rows(user_ids):
            currency = self.env['res.currency'].browse(currency_id)
            by_currency = result.setdefault(user_id, {})
            by_currency[currency] = by_currency.get(currency, 0.0) + amount
        return result

    @api.model
    def _get_cash_in_hand(self, user_ids):
        """``{user_id: amount}`` of the cash held in custody, in the currency of the agent's cash
        limit (their company's), each receipt converted at the rate of its day."""
        users = self.env['res.users'].sudo().browse(user_ids)
        result = {}
        for user_id, currency_id, company_id, day, amount in self._get_cash_in_hand_rows(user_ids):
            user = users.browse(user_id)
            result[user_id] = result.get(user_id, 0.0) + self.env['res.currency'].browse(currency_id)._convert(
                amount, user.field_cash_currency_id, self.env['res.company'].browse(company_id), day)
        return result

    @api.model
    def _create_for_visit(self, visit, amount, user, client_id, client_time):
        """Take ``amount`` in cash on ``visit``: a numbered receipt, a payment held in custody,
        a chained field event and an SMS to the customer.

        :raise UserError: when the amount would take the agent's cash in hand over their limit
        """
        visit = visit.sudo()
        loan = visit.case_id.loan_ids.filtered(lambda l: l.state == 'active').sorted(
            lambda l: (-l.overdue_amount, l.id))[:1] or visit.case_id.loan_ids[:1]
        if not loan:
            raise UserError(self.env._("Case %(case)s has no loan to take cash for.", case=visit.case_id.display_name))
        currency = loan.currency_id  # the cash is paid on the loan, in its currency
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("The cash collected on %(visit)s must be positive.", visit=visit.name))
        company = visit.company_id
        self.env.execute_query(SQL(
            "SELECT pg_advisory_xact_lock(hashtext('collection.cash.receipt'), %s)", user.id))
        # the limit is in the agent's company currency: the cash in hand and this amount are
        # converted to it at the rate of their day
        limit_currency = user.field_cash_currency_id
        in_hand = self._get_cash_in_hand([user.id]).get(user.id, 0.0)
        converted = currency._convert(amount, limit_currency, company, client_time.date())
        limit = user._get_field_cash_limit()
        if limit_currency.compare_amounts(in_hand + converted, limit) > 0:
            raise UserError(self.env._(
                "%(agent)s holds %(in_hand)s in cash; taking %(amount)s would exceed the limit of %(limit)s. "
                "Deposit the cash at a branch first.",
                agent=user.name, in_hand=format_amount(self.env, in_hand, limit_currency),
                amount=format_amount(self.env, amount, currency),
                limit=format_amount(self.env, limit, limit_currency)))
        name = self.env['ir.sequence'].sudo().with_company(company).next_by_code('collection.cash.receipt')
        payment, _created = self.env['collection.payment'].sudo()._register_payment({
            'name': name,
            'source_system': 'field_cash',
            'loan_id': loan.id,
            'amount': amount,
            'date': client_time.date(),
            'channel': 'cash',
            'user_id': user.id,
            'custody_state': 'custody',
        })
        receipt = self.sudo().create({
            'name': name,
            'visit_id': visit.id,
            'case_id': visit.case_id.id,
            'loan_id': loan.id,
            'company_id': company.id,
            'user_id': user.id,
            'amount': amount,
            'date': client_time,
            'payment_id': payment.id,
            'client_id': client_id,
        })
        event, _created = self.env['collection.field.event']._record(
            user, 'receipt', f"{client_id}:receipt", client_time, {
                'receipt': name, 'amount': amount, 'currency': currency.name, 'loan': loan.name,
                'case': visit.case_id.name, 'visit_id': visit.id,
            }, visit=visit, record=receipt)
        receipt.event_id = event
        receipt._send_sms()
        return receipt

    def _get_sms_body(self):
        self.ensure_one()
        return self.env._(
            "%(company)s: we received %(amount)s in cash for loan %(loan)s on %(date)s, receipt %(receipt)s, "
            "collected by %(agent)s. Thank you.",
            company=self.company_id.name, amount=format_amount(self.env, self.amount, self.currency_id),
            loan=self.loan_id.name, date=format_datetime(self.env, self.date, dt_format='short'),
            receipt=self.name, agent=self.user_id.name)

    def _send_sms(self):
        """Text the receipt to the customer's best phone (queued with Odoo's SMS)."""
        for receipt in self.sudo():
            point = receipt.case_id._get_primary_phone_point()
            if not point:
                receipt.message_post(body=self.env._("No SMS sent: the customer has no phone number."))
                continue
            receipt.case_id._message_sms(
                receipt._get_sms_body(), sms_numbers=[point.phone_e164], put_in_queue=True)
            receipt.sms_sent = True

    def action_print(self):
        return self.env.ref('collection_field.collection_cash_receipt_report').report_action(self)

    def action_cancel(self):
        """Cancel a receipt still in custody (a supervisor's correction): its payment is reversed
        and a draft deposit that covered it no longer does (its totals follow)."""
        if not self.env.user.has_group('collection_base.collection_base_group_supervisor'):
            raise UserError(self.env._("Only a supervisor cancels a cash receipt."))
        for receipt in self:
            deposit = receipt.sudo().deposit_id
            if deposit.state == 'reconciled':
                raise UserError(self.env._(
                    "Receipt %(receipt)s cannot be cancelled: deposit %(deposit)s, which covers it, is reconciled.",
                    receipt=receipt.name, deposit=deposit.name))
            if receipt.state != 'custody':
                raise UserError(self.env._(
                    "Receipt %(receipt)s is %(state)s and cannot be cancelled.",
                    receipt=receipt.name, state=dict(RECEIPT_STATES)[receipt.state]))
            payment = receipt.sudo().payment_id
            if payment.state == 'posted':
                payment.action_reverse(self.env._("Cash receipt %s cancelled", receipt.name))
            receipt.sudo().write({'state': 'cancelled', 'deposit_id': False})
            if deposit:
                deposit.message_post(body=self.env._(
                    "Receipt %(receipt)s (%(amount)s) was cancelled and is no longer covered by this deposit.",
                    receipt=receipt.name, amount=format_amount(self.env, receipt.amount, receipt.currency_id)))
        return True
