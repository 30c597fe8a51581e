from datetime import datetime, timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.collection_base.tests.common import translated_env

from .common import LegalTestCommon

FRENCH = {
    "Bodywork": "Carrosserie",
    "Keys": "Clés",
}


@tagged('post_install', '-at_install')
class TestTranslations(LegalTestCommon):
    """What users read (errors, checklist items, hearing names) is in their language, not the
    internal values."""

    def setUp(self):
        super().setUp()
        self.french = translated_env(self, 'collection_legal', 'fr_FR', FRENCH)

    def _translate_label(self, model, field, value, label):
        selection = self.env['ir.model.fields']._get(model, field).selection_ids.filtered(lambda s: s.value == value)
        selection.with_env(self.french).name = label

    def test_error_messages_show_labels(self):
        self._translate_label('collection.placement', 'state', 'recalled', "Rappelé")
        self.placement.action_recall()
        with self.assertRaisesRegex(UserError, "is Rappelé and cannot be recalled"):
            self.placement.with_env(self.french).action_recall()
        with self.assertRaisesRegex(UserError, "is Recalled and cannot be recalled"):
            self.placement.action_recall()

    def test_collateral_status_label(self):
        router = self.env['collection.collateral'].create({
            'name': "Router", 'collateral_type': 'equipment', 'identifier': 'RT-9', 'loan_id': self.loan.id})
        incident = self.env['collection.recovery.incident'].create({
            'loan_id': self.loan.id, 'required_action': 'equipment'})
        incident.action_validate()
        incident._place_with(self.agency)
        router.status = 'repossessed'
        self._translate_label('collection.collateral', 'status', 'repossessed', "Saisi")
        with self.assertRaisesRegex(UserError, "is already Saisi"):
            incident.with_env(self.french)._collect_equipment(router)

    def test_checklist_in_the_users_language(self):
        car = self.env['collection.collateral'].create({
            'name': "Car", 'collateral_type': 'vehicle', 'loan_id': self.loan.id})
        repossession = self.env['collection.repossession'].with_env(self.french).create({
            'case_id': self.case.id, 'collateral_id': car.id, 'agency_id': self.agency.id})
        self.assertEqual(repossession.checklist_ids.mapped('name')[:4], ["Carrosserie", "Tyres", "Interior", "Clés"])

    def test_hearing_name_in_the_users_language(self):
        mediation = self.env['collection.mediation'].create({'case_id': self.case.id, 'reason': "No payment"})
        hearing = self.env['collection.mediation.hearing'].create({
            'mediation_id': mediation.id, 'date_start': datetime.now() + timedelta(days=7)})
        self._translate_label('collection.mediation.hearing', 'phase', 'first', "Première audience")
        self.assertEqual(hearing.with_env(self.french).display_name, f"{mediation.name} – Première audience")
        self.assertEqual(hearing.display_name, f"{mediation.name} – First hearing")
