from odoo import api, models
from odoo.tools import SQL


class CollectionCase(models.Model):
    _inherit = 'collection.case'

    @api.model
    def _ensure_for_partners(self, partners, company_id):
        """Create, set-based, the missing cases of the obligors selected by ``partners`` (SQL
        returning a ``partner_id`` column) in ``company_id``, named at once; return how many.

        The sync calls it before writing new loans so that they are written once, already
        linked to their case (``_ensure_for_loans`` would update every new loan a second time).
        """
        self.env.flush_all()
        self.env.cr.execute(SQL("""
            INSERT INTO collection_case (id, name, partner_id, company_id, stage, priority, active,
                                         loan_count, total_outstanding, total_overdue, max_dpd,
                                         create_uid, write_uid, create_date, write_date)
            SELECT n.id, 'CASE-' || lpad(n.id::text, 7, '0'), n.partner_id, %(company)s, 'new', '0', TRUE,
                   0, 0, 0, 0, %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM (SELECT nextval('collection_case_id_seq') AS id, p.partner_id
                      FROM (SELECT DISTINCT q.partner_id FROM (%(partners)s) q
                             WHERE q.partner_id IS NOT NULL
                               AND NOT EXISTS (SELECT 1 FROM collection_case c
                                                WHERE c.partner_id = q.partner_id AND c.company_id = %(company)s)
                           ) p
                   ) n
            ON CONFLICT (partner_id, company_id) DO NOTHING
        """, company=company_id, uid=self.env.uid, partners=partners))
        created = self.env.cr.rowcount
        self.invalidate_model()
        return created
