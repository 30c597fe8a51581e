from . import collection_placement_assign
from . import collection_recovery_incident_import
