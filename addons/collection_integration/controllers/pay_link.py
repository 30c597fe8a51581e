"""Pay-by-link: the short link sent to borrowers, and the transaction route that ties the online
payment to the collection case and loan. The payment page itself is Odoo's (/payment/pay), with
whatever providers the company enabled (Stripe, Razorpay, ...)."""
from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import request

from odoo.addons.payment import utils as payment_utils
from odoo.addons.payment.controllers import portal as payment_portal


class CollectionPaymentLinkPortal(payment_portal.PaymentPortal):

    @staticmethod
    def _get_collection_link(link_id, token):
        link = request.env['collection.payment.link'].sudo().browse(link_id).exists()
        return link if link and link._is_usable(token) else None

    @http.route('/collection/pay/<int:link_id>', type='http', methods=['GET'], auth='public', website=True,
                sitemap=False)
    def collection_pay_link(self, link_id, token=None, **kwargs):
        link = self._get_collection_link(link_id, token)
        if not link:
            return request.render('collection_integration.collection_pay_link_unusable', status=404)
        return request.redirect(link._get_payment_url())

    @http.route()
    def payment_pay(self, *args, collection_link_id=None, collection_token=None, **kwargs):
        """Odoo's payment page, with the link's amount, currency, customer and company imposed."""
        link_id = self._cast_as_int(collection_link_id)
        if link_id:
            link = self._get_collection_link(link_id, collection_token)
            if not link:
                raise NotFound()
            kwargs.update(amount=link.amount, currency_id=link.currency_id.id, partner_id=link.partner_id.id,
                          company_id=link.company_id.id, reference=link.name)
            kwargs['collection_link_id'] = link.id
            kwargs['collection_token'] = collection_token
        return super().payment_pay(*args, **kwargs)

    def _get_extra_payment_form_values(self, collection_link_id=None, collection_token=None, **kwargs):
        values = super()._get_extra_payment_form_values(**kwargs)
        link_id = self._cast_as_int(collection_link_id)
        if link_id and self._get_collection_link(link_id, collection_token):
            values['transaction_route'] = f'/collection/pay/transaction/{link_id}/{collection_token}'
        return values

    @http.route('/collection/pay/transaction/<int:link_id>/<string:token>', type='jsonrpc', auth='public')
    def collection_pay_transaction(self, link_id, token, access_token, **kwargs):
        """Create the transaction of a link; the amount is the link's, whatever the browser says."""
        link = self._get_collection_link(link_id, token)
        if not link:
            raise NotFound()
        if not payment_utils.check_access_token(access_token, link.partner_id.id, link.amount, link.currency_id.id):
            raise Forbidden()
        self._validate_transaction_kwargs(kwargs)
        kwargs.update(amount=link.amount, currency_id=link.currency_id.id, partner_id=link.partner_id.id,
                      reference_prefix=link.name)
        tx_sudo = self._create_transaction(custom_create_values={'collection_link_id': link.id}, **kwargs)
        self._update_landing_route(tx_sudo, access_token)
        return tx_sudo._get_processing_values()
