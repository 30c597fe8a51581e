from . import collection_roll_rate_report
from . import collection_ptp_report
from . import collection_payment_report
from . import collection_workload_report
from . import collection_letter_report
