from odoo.tests import HttpCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestOfficerTour(HttpCase):
    """An agency officer finds the case placed with their agency, requests the mediation board and
    registers the customer's dispute, in the web client."""

    def test_officer_requests_mediation_and_registers_dispute(self):
        officer = new_test_user(self.env, 'tour_officer', name="Olly Officer",
                                groups='collection_legal.collection_legal_group_agency_officer')
        agency = self.env['collection.agency'].create({'name': "Tour Agency", 'officer_ids': [(6, 0, officer.ids)]})
        product = self.env['collection.product'].create({'name': "Card", 'code': 'TOURCARD', 'product_type': 'card'})
        cases = self.env['collection.case']
        for name, cif in (("Tara Tour", 'TOUR-1'), ("Nico NotPlaced", 'TOUR-2')):
            customer = self.env['res.partner'].create({'name': name, 'cif': cif})
            cases |= self.env['collection.loan'].create({
                'name': f'ACC-{cif}', 'partner_id': customer.id, 'product_id': product.id,
                'principal': 1000, 'outstanding_amount': 1000, 'installment_amount': 100,
                'due_ids': [(0, 0, {'due_date': '2020-01-01', 'amount_due': 300})],
            }).case_id
        placed = cases[0]
        placed.stage = 'in_progress'
        self.env['collection.placement'].create({'case_id': placed.id, 'agency_id': agency.id})

        self.start_tour('/odoo', 'collection_officer_tour', login='tour_officer')

        mediation = self.env['collection.mediation'].search([('case_id', '=', placed.id)])
        self.assertEqual((mediation.requested_by_id, mediation.agency_id, mediation.officer_id),
                         (officer, agency, officer))
        self.assertEqual(mediation.board_name, "Springfield Mediation Board")
        dispute = self.env['collection.dispute'].search([('case_id', '=', placed.id)])
        self.assertEqual(dispute.opened_by_id, officer)
        self.assertEqual((placed.stage, placed.stage_before_dispute), ('dispute', 'in_progress'))
