from . import collection_action_log
