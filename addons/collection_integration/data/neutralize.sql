-- a neutralized copy of a production database must neither log in to the bank's systems nor
-- consume the production extract files: wipe the credentials and the ways in
DELETE FROM collection_connector_secret;
UPDATE collection_connector
   SET endpoint_url = NULL,
       wsdl_url = NULL,
       inbound_path = NULL;
