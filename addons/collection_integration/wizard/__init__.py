from . import collection_whatsapp_send
from . import collection_payment_link_send
