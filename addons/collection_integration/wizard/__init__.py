from . import collection_whatsapp_send
