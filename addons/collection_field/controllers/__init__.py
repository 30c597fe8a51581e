from . import collection_field
