from odoo import api, models
from odoo.tools import SQL

# Rules of the compliance engine that come before a dispute: they keep their own reason.
RULES_BEFORE_DISPUTE = ('customer_dnc', 'tag', 'missing')


class CollectionContactPolicy(models.Model):
    """An open ``collection.dispute`` blocks every contact with its case, whatever the case's stage.

    The Dispute stage pauses contact too, but other steps move the case on while the dispute is
    still open (a settlement approved, a hardship plan, a result code): the open dispute itself is
    what holds contact back, until it is resolved or rejected.
    """
    _inherit = 'collection.contact.policy'

    @api.model
    def _get_reason_templates(self):
        messages = super()._get_reason_templates()
        messages['dispute_open'] = self.env._("dispute %(dispute)s is open")
        return messages

    def _evaluate_chunk(self, ids, evaluation):
        evaluation.open_disputes = dict(self.env.execute_query(SQL("""
            SELECT case_id, MIN(name)
              FROM collection_dispute
             WHERE case_id = ANY(%(ids)s) AND state = 'open'
          GROUP BY case_id
        """, ids=ids)))
        return super()._evaluate_chunk(ids, evaluation)

    def _decide(self, evaluation, row, blocking_tag, last_dispute, counts, point):
        verdict = super()._decide(evaluation, row, blocking_tag, last_dispute, counts, point)
        dispute = getattr(evaluation, 'open_disputes', {}).get(row['id'])
        if not dispute or verdict.rule in RULES_BEFORE_DISPUTE or row['stage'] == 'dispute':
            return verdict  # the Dispute stage's own rule already blocks, with its reason
        return verdict._replace(rule='dispute', reason=evaluation.messages['dispute_open'] % {'dispute': dispute})
