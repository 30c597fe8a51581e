from . import collection_action_log
from . import collection_payment_allocate
