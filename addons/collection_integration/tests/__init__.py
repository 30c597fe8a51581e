from . import test_extract_files
