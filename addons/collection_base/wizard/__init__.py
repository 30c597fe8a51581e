from . import collection_action_log
from . import collection_case_assign
from . import collection_case_assign_import
from . import collection_case_assign_import_line
