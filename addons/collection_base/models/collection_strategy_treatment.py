from odoo import api, fields, models

ASSIGN_METHODS = [
    ('none', "Keep the agent"),
    ('round_robin', "Round-robin"),
    ('least_loaded', "Least loaded"),
    ('region', "By region"),
]


class CollectionStrategyTreatment(models.Model):
    _name = 'collection.strategy.treatment'
    _description = 'Collection Strategy Treatment'
    _order = 'strategy_id, split_group desc, id'
    _check_company_auto = True

    strategy_id = fields.Many2one('collection.strategy', required=True, index=True, ondelete='cascade')
    company_id = fields.Many2one(related='strategy_id.company_id', store=True)
    split_group = fields.Selection(
        [('champion', "Champion"), ('challenger', "Challenger")],
        required=True, default='champion',
        help="Champion: the treatment of every case, or of the cases outside the challenger share. "
             "Challenger: the treatment of the challenger share.")
    name = fields.Char(string="Summary", compute='_compute_name')
    # assignment
    team_id = fields.Many2one(
        'collection.team', string="Team", check_company=True,
        help="Move the cases to this team. Cases tagged with a routing tag go to the tag's team instead.")
    is_team_by_region = fields.Boolean(
        string="Team by Region",
        help="Without a team above, move each case to the first team whose regions include the case's region.")
    assign_method = fields.Selection(
        ASSIGN_METHODS, string="Agent Assignment", required=True, default='none',
        help="Keep the agent: agents are not changed (an agent who is not in the case's new team is removed).\n"
             "Round-robin: agents of the team in turn, continuing from where the last run stopped.\n"
             "Least loaded: the agent with the fewest open cases, up to the team's capacity per agent.\n"
             "By region: least loaded among the team's agents working the case's region "
             "(all the team's agents when none covers it).")
    is_reassign = fields.Boolean(
        string="Rebalance Assigned Cases",
        help="Also reassign cases that already have an agent of the team. "
             "By default only cases without an agent, or with an agent outside the team, are assigned.")
    # work
    priority = fields.Selection(
        selection='_get_priorities', string="Set Priority", help="Leave empty to keep the case's priority.")
    set_next_action = fields.Boolean(string="Set Next Action Date")
    next_action_days = fields.Integer(
        string="Days after Run", help="The next action date is the run date plus this many days.")
    is_next_action_overwrite = fields.Boolean(
        string="Overwrite Next Action Date",
        help="By default only cases without a next action date get one.")
    activity_type_id = fields.Many2one(
        'mail.activity.type', string="Schedule Activity",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'collection.case')]",
        help="Schedule this activity (e.g. a call) for the case's agent, due on the run date. "
             "Cases that already have an open activity of this type get no second one.")
    activity_summary = fields.Char(string="Activity Summary")
    # communication
    sms_template_id = fields.Many2one(
        'sms.template', string="Send SMS", domain=[('model', '=', 'collection.case')])
    mail_template_id = fields.Many2one(
        'mail.template', string="Send Email", domain=[('model', '=', 'collection.case')])
    letter_template_id = fields.Many2one(
        'collection.letter.template', string="Print Letter", check_company=True,
        help="Print this letter for the cases; the merged PDF of the batch is kept on the run.")

    _strategy_group_uniq = models.Constraint(
        'unique(strategy_id, split_group)', "A strategy has one treatment per group (champion, challenger).")

    @api.depends('team_id', 'is_team_by_region', 'assign_method', 'priority', 'set_next_action',
                 'next_action_days', 'activity_type_id', 'sms_template_id', 'mail_template_id',
                 'letter_template_id')
    def _compute_name(self):
        methods = dict(ASSIGN_METHODS)
        priorities = dict(self._fields['priority']._description_selection(self.env))
        for treatment in self:
            parts = []
            if treatment.team_id:
                parts.append(self.env._("team %s", treatment.team_id.name))
            elif treatment.is_team_by_region:
                parts.append(self.env._("team by region"))
            if treatment.assign_method != 'none':
                parts.append(self.env._("agent: %s", methods[treatment.assign_method]))
            if treatment.priority:
                parts.append(self.env._("priority %s", priorities[treatment.priority]))
            if treatment.set_next_action:
                parts.append(self.env._("next action in %s days", treatment.next_action_days))
            if treatment.activity_type_id:
                parts.append(treatment.activity_type_id.name)
            if treatment.sms_template_id:
                parts.append(self.env._("SMS %s", treatment.sms_template_id.name))
            if treatment.mail_template_id:
                parts.append(self.env._("email %s", treatment.mail_template_id.name))
            if treatment.letter_template_id:
                parts.append(self.env._("letter %s", treatment.letter_template_id.name))
            treatment.name = ", ".join(parts) or self.env._("No action (control group)")

    @api.depends('split_group', 'name')
    def _compute_display_name(self):
        groups = dict(self._fields['split_group']._description_selection(self.env))
        for treatment in self:
            treatment.display_name = f"{groups[treatment.split_group]}: {treatment.name}"

    def _get_priorities(self):
        return self.env['collection.case']._fields['priority'].selection

    def _get_message_treatments(self):
        """(template field, channel) pairs sent through ``collection.case._send_collection_notification``;
        an addon adding a notification channel adds its template field here."""
        return [('sms_template_id', 'sms'), ('mail_template_id', 'email')]

    def _get_communication_fields(self):
        """Fields of the treatments that reach the customer (a case treated with one gets a run line)."""
        return [field_name for field_name, _channel in self._get_message_treatments()] + ['letter_template_id']
