"""19.0.0.1.1: payments remember what they took off the outstanding."""


def migrate(cr, version):
    if not version:
        return
    # payments posted before outstanding_applied existed reduced the outstanding by their amount
    cr.execute("""
        UPDATE collection_payment SET outstanding_applied = amount
         WHERE state = 'posted' AND outstanding_applied IS NULL
    """)
