from contextlib import contextmanager

from odoo import fields, models
from odoo.exceptions import UserError


class CollectionTag(models.Model):
    _name = 'collection.tag'
    _description = 'Collection Tag'
    _order = 'name'

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Stable code used by integrations and strategy rules.")
    color = fields.Integer()
    active = fields.Boolean(default=True)
    applies_to = fields.Selection(
        [('account', 'Account'), ('phone', 'Phone number'), ('any', 'Any')],
        default='any', required=True)
    is_strategy_excluded = fields.Boolean(
        string="Exclude from Strategies",
        help="Cases carrying this tag are skipped by every strategy run.")
    is_contact_blocked = fields.Boolean(
        string="Block Contact",
        help="No outbound contact is allowed while this tag is set.")
    route_team_id = fields.Many2one(
        'collection.team', string="Route to Team",
        help="Cases carrying this tag are assigned to this team by strategies.")

    _code_uniq = models.Constraint('unique(code)', "A tag code must be unique.")

    def _filter_blocking(self):
        """The tags of ``self`` that stop something: contact (the compliance engine) or strategies."""
        return self.filtered(lambda tag: tag.is_contact_blocked or tag.is_strategy_excluded)

    @contextmanager
    def _refuse_lifting(self, records, fname):
        """Around a write of the tags ``fname`` of ``records``: refuse it when it removed a blocking
        tag (only supervisors lift blocks; anyone may add one)."""
        before = {record: record[fname] for record in records}
        yield
        for record, tags in before.items():
            lifted = (tags - record[fname])._filter_blocking()
            if lifted:
                raise UserError(self.env._(
                    "Only a collection supervisor can remove the tag %(tags)s from %(record)s: it blocks contact "
                    "or keeps the case out of strategies.",
                    tags=", ".join(lifted.mapped('name')), record=record.display_name))
