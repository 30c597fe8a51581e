from . import inbound
from . import pay_link
