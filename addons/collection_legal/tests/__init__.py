from . import test_agency_access
from . import test_placement
from . import test_commission
from . import test_repossession
from . import test_mediation
from . import test_settlement
