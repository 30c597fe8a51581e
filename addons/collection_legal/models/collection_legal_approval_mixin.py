from odoo import api, models
from odoo.exceptions import AccessError, UserError


class CollectionLegalApprovalMixin(models.AbstractModel):
    """Status and approval fields that only the record's steps set.

    A step (an ``action_*`` method) checks who may take it, then writes these fields with
    ``_write_step``. Written any other way (a form, an import, the external API), they are refused
    to everyone but the superuser and the users of ``_approval_override_group``, who may correct
    a record by hand (as a collection manager may correct a promise's status); on creation they
    keep their defaults. The fields an approval covers (``_get_approved_terms``) are locked while
    the approval stands, for the same users.
    """
    _name = 'collection.legal.approval.mixin'
    _description = 'Steps and Approvals of a Legal Record'

    # set by the steps only: the status, who approved and when
    _approval_fields = ('state',)
    # who may still correct them by hand
    _approval_override_group = 'collection_base.collection_base_group_manager'

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        if not records._may_override_steps():
            for record in records:
                for fname in record._approval_fields:
                    field = record._fields[fname]
                    initial = field.default(record) if field.default else False
                    if record[fname] != record._convert_step_value(fname, initial):
                        raise AccessError(record._get_step_field_error(fname))
        return records

    def write(self, vals):
        if not self._may_override_steps():
            for record in self:
                for fname in set(record._approval_fields) & vals.keys():
                    if record._is_step_value_changed(fname, vals[fname]):
                        raise AccessError(record._get_step_field_error(fname))
                locked = [fname for fname in record._get_approved_terms() if fname in vals
                          and record._is_step_value_changed(fname, vals[fname])]
                if locked:
                    labels = dict(record._fields['state']._description_selection(record.env))
                    raise UserError(record.env._(
                        "%(record)s is %(state)s: its %(fields)s are fixed by its approval and cannot change now.",
                        record=record.display_name, state=labels[record.state],
                        fields=", ".join(record._fields[fname].string for fname in locked)))
        return super().write(vals)

    def _may_override_steps(self):
        return self.env.su or self.env.user.has_group(self._approval_override_group)

    def _get_approved_terms(self):
        """The fields the record's approval covers in its current state (none by default)."""
        self.ensure_one()
        return ()

    def _convert_step_value(self, fname, value):
        field = self._fields[fname]
        return field.convert_to_record(field.convert_to_cache(value, self), self)

    def _is_step_value_changed(self, fname, value):
        if self._fields[fname].type in ('one2many', 'many2many'):
            return True
        return self[fname] != self._convert_step_value(fname, value)

    def _get_step_field_error(self, fname):
        return self.env._(
            "%(field)s of %(record)s is set by its steps, each taken by the users allowed to: "
            "it cannot be written directly.",
            field=self._fields[fname].string, record=self.display_name)

    def _write_step(self, vals):
        """Write a step's status and approval fields: the step has checked who may take it; the
        user must still be allowed to modify the record."""
        self.check_access('write')
        return self.sudo().write(vals)
