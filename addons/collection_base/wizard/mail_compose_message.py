from odoo import models


class MailComposeMessage(models.TransientModel):
    _inherit = 'mail.compose.message'

    def _action_send_mail(self, auto_commit=False):
        """On collection cases, email the customer only when the contact policy allows it.

        A single case (the "Send Email" button) raises with the reason when blocked; several
        cases are filtered, the blocked ones keeping their reason. Internal notes and messages
        that do not reach the customer are not checked. Each email sent is logged as an action.
        """
        if self.env.context.get('collection_contact_checked'):
            return super()._action_send_mail(auto_commit=auto_commit)
        to_log, nothing_left = [], self.browse()
        for wizard in self.filtered(lambda w: w.model == 'collection.case'):
            cases = wizard._get_collection_customer_cases()
            if not cases:
                continue
            if wizard.composition_mode == 'comment' and len(cases) == 1 and not wizard.composition_batch:
                point = cases._check_outbound_contact('email')
                to_log.append((cases, {cases.id: point.id}, wizard.subject))
                continue
            verdicts = self.env['collection.contact.policy']._evaluate_contact(cases, 'email')
            blocked = {case_id: verdict.reason for case_id, verdict in verdicts.items() if verdict.reason}
            self.env['collection.case']._record_contact_blocked('email', blocked)
            if blocked:
                remaining = [res_id for res_id in wizard._get_collection_res_ids() if res_id not in blocked]
                wizard.write({'res_domain': False, 'res_ids': str(remaining)})
                if not remaining:
                    nothing_left |= wizard
            allowed = cases.filtered(lambda case: case.id not in blocked)
            to_log.append((allowed, {case_id: verdicts[case_id].point_id for case_id in allowed.ids},
                           wizard.subject or wizard.template_id.name))
        result = super(MailComposeMessage, self - nothing_left)._action_send_mail(auto_commit=auto_commit)
        for cases, points, note in to_log:
            cases._log_collection_notifications('email', points, note)
        return result

    def _get_collection_res_ids(self):
        self.ensure_one()
        if self.res_domain:
            return self.env['collection.case'].search(self._evaluate_res_domain()).ids
        return self._evaluate_res_ids()

    def _get_collection_customer_cases(self):
        """The cases whose customer this composer writes to."""
        self.ensure_one()
        cases = self.env['collection.case'].browse(self._get_collection_res_ids())
        if self.composition_mode == 'mass_mail' or (self.composition_batch and self.template_id):
            return cases
        if self.subtype_is_log:
            return cases.browse()
        return cases.filtered(lambda case: case.partner_id in self.partner_ids)
