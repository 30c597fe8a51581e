from odoo import models
from odoo.exceptions import AccessError

APPROVAL_ACTIVITY = 'collection_base.mail_activity_type_ptp_approval'
SUPERVISOR_GROUP = 'collection_base.collection_base_group_supervisor'
MANAGER_GROUP = 'collection_base.collection_base_group_manager'


class CollectionPtpApprovalMixin(models.AbstractModel):
    """Supervisor approval of a promise or a plan made on a case with too many broken promises.

    The inheriting model has ``case_id``, ``state`` (with ``to_approve``) and the activity mixin.
    """
    _name = 'collection.ptp.approval.mixin'
    _description = 'Promise Approval'

    def _get_approver(self):
        """Who approves: the supervisor of the case's team, else of a team of the case's agent, else
        a collection manager of the company; never the one who made the promise or works its case."""
        self.ensure_one()
        supervisor = self.case_id.team_id.supervisor_id
        if not supervisor and self.case_id.user_id:
            teams = self.env['collection.team'].sudo().search(
                [('member_ids', 'in', self.case_id.user_id.ids), ('supervisor_id', '!=', False)], limit=1)
            supervisor = teams.supervisor_id
        if supervisor and not self._is_own(supervisor):
            return supervisor
        company = self.case_id.company_id
        managers = self.env.ref(MANAGER_GROUP).sudo().all_user_ids.filtered(
            lambda u: u.active and not u.share and not u._is_superuser() and company in u.company_ids
            and not self._is_own(u))
        return managers.sorted('id')[:1] or self.env.user

    def _request_approval(self, reason):
        """Schedule the approval activity for the approver and say why in the chatter."""
        for record in self:
            approver = record._get_approver()
            record.activity_schedule(
                APPROVAL_ACTIVITY, user_id=approver.id, note=reason,
                summary=self.env._("Approve %(record)s", record=record.display_name))
            record.message_post(body=self.env._(
                "Waiting for the approval of %(user)s: %(reason)s", user=approver.name, reason=reason))

    def _is_own(self, user):
        """Whether ``user`` made this promise or plan, or works its case."""
        self.ensure_one()
        return user in (self.user_id | self.case_id.user_id)

    def _check_can_approve(self, refusing=False):
        """Supervisors approve or refuse; nobody approves their own promise (four eyes)."""
        if self.env.su:
            return
        if not self.env.user.has_group(SUPERVISOR_GROUP):
            raise AccessError(self.env._(
                "Only a collection supervisor may approve or refuse %(record)s.", record=self[:1].display_name))
        own = self.filtered(lambda record: record._is_own(self.env.user))
        if own and not refusing:
            raise AccessError(self.env._(
                "You may not approve %(record)s: it is your own promise (you made it or you are the agent "
                "of its case). Another supervisor or a manager approves it.", record=own[0].display_name))

    def _close_approval(self, feedback):
        self.activity_feedback([APPROVAL_ACTIVITY], feedback=feedback)
