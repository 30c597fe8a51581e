from . import collection_action_log
from . import mail_compose_message
from . import sms_composer
