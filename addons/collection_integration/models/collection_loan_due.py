from odoo import models


class CollectionLoanDue(models.Model):
    _inherit = 'collection.loan.due'

    # the core-banking sync upserts instalments by (loan, instalment number)
    _loan_sequence_uniq = models.UniqueIndex(
        '(loan_id, sequence)', "An instalment number can appear only once per loan.")
