from . import collection_action_log
from . import collection_letter_print
from . import collection_letter_preview
