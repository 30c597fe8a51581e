from . import collection_visit_plan
from . import collection_visit_nearby
