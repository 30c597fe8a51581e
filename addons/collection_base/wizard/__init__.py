from . import collection_action_log
from . import collection_payment_allocate
from . import collection_letter_print
from . import collection_letter_preview
from . import mail_compose_message
from . import sms_composer
