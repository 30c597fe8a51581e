from . import test_loan_case
from . import test_action
from . import test_payment_ptp
from . import test_access
from . import test_contact_point
from . import test_sample_portfolio
