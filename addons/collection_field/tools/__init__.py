from . import geo
from . import payload
from . import photo
