from odoo import fields, models


class CollectionStrategyRunLine(models.Model):
    """What one strategy run did to one case. Written in bulk by SQL (see collection.strategy.run).

    Only cases where the run did something get a line (see _insert_lines).
    """
    _name = 'collection.strategy.run.line'
    _description = 'Collection Strategy Run Line'
    _order = 'run_id desc, id'
    _log_access = False  # the run holds who and when

    run_id = fields.Many2one('collection.strategy.run', required=True, index=True, ondelete='cascade', readonly=True)
    strategy_id = fields.Many2one(related='run_id.strategy_id')
    company_id = fields.Many2one(related='run_id.company_id')
    case_id = fields.Many2one('collection.case', required=True, index=True, ondelete='cascade', readonly=True)
    partner_id = fields.Many2one(related='case_id.partner_id', string="Customer")
    split_group = fields.Selection(
        [('champion', "Champion"), ('challenger', "Challenger")], string="Group", readonly=True)
    is_excluded = fields.Boolean(string="Excluded", readonly=True, help="Skipped because of an excluding tag.")
    route_team_id = fields.Many2one('collection.team', string="Routed to", readonly=True)
    previous_user_id = fields.Many2one('res.users', string="Previous Agent", readonly=True)
    user_id = fields.Many2one('res.users', string="Agent", readonly=True)
    previous_team_id = fields.Many2one('collection.team', string="Previous Team", readonly=True)
    team_id = fields.Many2one('collection.team', string="Team", readonly=True)
    previous_priority = fields.Selection(selection='_get_priorities', readonly=True)
    priority = fields.Selection(selection='_get_priorities', readonly=True)
    next_action_date = fields.Date(readonly=True)
    is_assigned = fields.Boolean(string="Agent Changed", readonly=True)
    is_unassigned = fields.Boolean(
        string="Left Without Agent", readonly=True, help="No agent of the team had capacity left.")
    activity_id = fields.Many2one('mail.activity', readonly=True, ondelete='set null')
    blocked_reason = fields.Char(readonly=True, help="Why a message of this run could not reach the customer.")

    def _get_priorities(self):
        return self.env['collection.case']._fields['priority'].selection
