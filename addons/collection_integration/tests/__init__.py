from . import test_extract_files
from . import test_sync_validation
from . import test_soap_sync
from . import test_sync_run
from . import test_cli
