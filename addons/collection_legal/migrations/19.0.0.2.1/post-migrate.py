"""Hearing events become private: other users see the time as busy, not the customer or the case."""


def migrate(cr, version):
    cr.execute("""
        UPDATE calendar_event e
           SET privacy = 'private'
          FROM ir_model m
         WHERE m.id = e.res_model_id
           AND m.model IN ('collection.mediation.hearing', 'collection.legal.hearing')
           AND e.privacy IS DISTINCT FROM 'private'
    """)
