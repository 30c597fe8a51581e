import base64
import io
from datetime import timedelta

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from odoo import fields
from odoo.tests import HttpCase, new_test_user

from odoo.addons.collection_base.tests.common import CollectionTestCommon

FIELD_AGENT_GROUP = 'collection_field.collection_field_group_agent'
# A neighbourhood to work in: about 1.1 km per 0.01 degree of latitude.
HOME_LAT, HOME_LON = 40.7128, -74.0060


def make_jpeg(latitude=None, longitude=None, taken=None, color=(200, 10, 10)):
    """A small JPEG, with EXIF GPS position and capture time when given."""
    image = Image.new('RGB', (32, 24), color)
    exif = Image.Exif()
    if latitude is not None:
        def dms(value):
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round(((value - degrees) * 60 - minutes) * 60 * 1000)
            return (IFDRational(degrees), IFDRational(minutes), IFDRational(seconds, 1000))
        exif[0x8825] = {1: 'N' if latitude >= 0 else 'S', 2: dms(latitude),
                        3: 'E' if longitude >= 0 else 'W', 4: dms(longitude)}
    if taken:
        exif[0x8769] = {0x9003: taken.strftime('%Y:%m:%d %H:%M:%S')}
    buffer = io.BytesIO()
    image.save(buffer, 'JPEG', exif=exif)
    return buffer.getvalue()


class FieldTestCommon(CollectionTestCommon):
    """Field agents in two teams, customers with geocoded addresses, a permissive visit policy."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref('collection_base.collection_contact_policy_visit').write({
            'hour_from': 0.0, 'hour_to': 24.0, 'allow_saturday': True, 'allow_sunday': True,
            'max_per_day': 1, 'max_per_week': 2,
        })
        cls.company.write({
            'collection_field_geofence_radius': 150,
            'collection_field_accuracy_threshold': 100,
            'collection_field_max_speed_kmh': 150,
            'collection_field_future_tolerance': 300,
            'collection_field_cash_limit': 1000.0,
            'collection_field_nearby_radius': 2000,
        })
        cls.state_ny = cls.env.ref('base.state_us_27')
        cls.state_ok = cls.env.ref('base.state_us_31')
        cls.field_agent = new_test_user(cls.env, 'field_agent', groups=FIELD_AGENT_GROUP, name="Fiona Field")
        cls.field_agent_2 = new_test_user(cls.env, 'field_agent2', groups=FIELD_AGENT_GROUP, name="Gus Field")
        cls.field_agent_3 = new_test_user(cls.env, 'field_agent3', groups=FIELD_AGENT_GROUP, name="Hana South")
        cls.supervisor_2 = new_test_user(
            cls.env, 'col_super2', groups='collection_base.collection_base_group_supervisor', name="Sam South")
        cls.field_agent.write({
            'field_region_ids': [(6, 0, cls.state_ny.ids)], 'field_districts': 'Old Town, Harbour',
            'field_start_latitude': HOME_LAT, 'field_start_longitude': HOME_LON})
        cls.field_agent_2.write({
            'field_region_ids': [(6, 0, cls.state_ny.ids)], 'field_districts': 'Uptown',
            'field_start_latitude': HOME_LAT + 0.1, 'field_start_longitude': HOME_LON})
        cls.field_agent_3.write({'field_region_ids': [(6, 0, cls.state_ok.ids)]})
        cls.field_team = cls.env['collection.team'].create({
            'name': "Field North", 'supervisor_id': cls.supervisor.id,
            'member_ids': [(6, 0, (cls.field_agent | cls.field_agent_2).ids)],
        })
        cls.field_team_south = cls.env['collection.team'].create({
            'name': "Field South", 'supervisor_id': cls.supervisor_2.id,
            'member_ids': [(6, 0, cls.field_agent_3.ids)],
        })
        cls.Visit = cls.env['collection.visit']
        cls.visit_type = cls.env.ref('collection_base.collection_action_type_visit')
        cls.code_paid = cls.env.ref('collection_base.collection_result_code_paid')
        cls.case_a = cls._create_field_case("Anna Address", 'F-A', HOME_LAT + 0.01, HOME_LON, 'Old Town')
        cls.case_b = cls._create_field_case("Ben Harbour", 'F-B', HOME_LAT + 0.02, HOME_LON + 0.01, 'Harbour')
        cls.case_c = cls._create_field_case("Cleo Uptown", 'F-C', HOME_LAT + 0.09, HOME_LON, 'Uptown')

    @classmethod
    def _create_field_case(cls, name, cif, latitude, longitude, district, overdue=2, state=None, phone=True):
        partner = cls._create_customer(name, cif, '+1 202 555 %04d' % (hash(cif) % 10000) if phone else None)
        partner.state_id = state or cls.state_ny
        cls.env['collection.contact.point'].create({
            'partner_id': partner.id, 'kind': 'address', 'value': f"{name}'s home", 'street': f"{len(name)} Main St",
            'district': district, 'city': "New York", 'latitude': latitude, 'longitude': longitude,
            'is_primary': True, 'source': 'bank',
        })
        loan = cls._create_loan(partner, f'ACC-{cif}', overdue_instalments=overdue)
        return loan.case_id

    def _visit(self, case, agent, day=None, **values):
        return self.Visit.create(dict({'case_id': case.id, 'user_id': agent.id if agent else False,
                                       'date': day or self.today}, **values))

    @staticmethod
    def _time(minutes_ago=0, seconds_ago=0):
        moment = fields.Datetime.now() - timedelta(minutes=minutes_ago, seconds=seconds_ago)
        return fields.Datetime.to_string(moment)

    def _check_in(self, visit, agent, latitude, longitude, accuracy=10.0, minutes_ago=0, **extra):
        event = dict({
            'type': 'check_in', 'client_id': f'ci-{visit.id}-{latitude}-{longitude}-{minutes_ago}',
            'client_time': self._time(minutes_ago), 'visit_id': visit.id,
            'latitude': latitude, 'longitude': longitude, 'accuracy': accuracy,
        }, **extra)
        return self.Visit.with_user(agent)._process_events([event])

    def _record_outcome(self, visit, agent, code='PTP', client_id=None, minutes_ago=0, **extra):
        event = dict({
            'type': 'outcome', 'client_id': client_id or f'out-{visit.id}-{minutes_ago}',
            'client_time': self._time(minutes_ago), 'visit_id': visit.id, 'result_code': code,
        }, **extra)
        return self.Visit.with_user(agent)._process_events([event])

    @staticmethod
    def _photo(raw, name='door.jpg'):
        return {'name': name, 'data': base64.b64encode(raw).decode()}


class FieldApiCommon(FieldTestCommon, HttpCase):
    """The devices' endpoints over real HTTP, called as the field agent's phone calls them: with
    an API key (bearer)."""

    def setUp(self):
        super().setUp()
        self.key = self.env['res.users.apikeys'].with_user(self.field_agent)._generate(
            None, 'field phone', fields.Datetime.now() + timedelta(days=30))

    def _post_raw(self, path, data, key=None):
        """POST the body ``data`` (text) to ``path`` with the agent's key, or ``key``."""
        return self.url_open(path, data=data, headers={
            'Content-Type': 'application/json', 'Authorization': f'Bearer {key or self.key}'})
