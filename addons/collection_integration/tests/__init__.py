from . import test_extract_files
from . import test_sync_validation
