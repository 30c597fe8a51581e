-- a neutralized copy of a production database must neither log in to the bank's systems nor
-- consume the production extract files: wipe the credentials and the ways in
DELETE FROM collection_connector_secret;
UPDATE collection_connector
   SET endpoint_url = NULL,
       wsdl_url = NULL,
       inbound_path = NULL;
-- nor send messages, calls or events from a copy: gateways and webhooks off, Odoo's SMS
-- service back for the companies that used a gateway
UPDATE collection_connector
   SET active = FALSE
 WHERE system IN ('webhook', 'sms', 'whatsapp', 'voice', 'dialer');
UPDATE res_company SET collection_sms_gateway_id = NULL;
