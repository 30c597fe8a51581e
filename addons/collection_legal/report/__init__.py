from . import collection_letter_report
