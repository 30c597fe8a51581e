"""19.0.0.1.1: payments remember what they took off the outstanding; a dispute result disputes."""


def migrate(cr, version):
    if not version:
        return
    # payments posted before outstanding_applied existed reduced the outstanding by their amount
    cr.execute("""
        UPDATE collection_payment SET outstanding_applied = amount
         WHERE state = 'posted' AND outstanding_applied IS NULL
    """)
    # the shipped "Disputes the debt" code paused the case for 14 days; it now puts the case in
    # the Dispute stage with a review in 14 days (left alone when it was configured otherwise)
    cr.execute("""
        UPDATE collection_result_code c
           SET effect = 'none', next_action_days = 14
          FROM ir_model_data d
         WHERE d.module = 'collection_base' AND d.name = 'collection_result_code_dispute'
           AND d.model = 'collection.result.code' AND d.res_id = c.id
           AND c.effect = 'pause' AND c.pause_days = 14 AND COALESCE(c.next_action_days, 0) = 0
    """)
