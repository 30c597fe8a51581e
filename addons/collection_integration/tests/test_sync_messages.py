import os

from odoo.tests import tagged
from odoo.tools.translate import LazyGettext, TranslationModuleReader

from odoo.addons.collection_base.tests.common import translated_env
from odoo.addons.collection_integration.tools.extract_reader import ExtractError, make_trailer

from .common import CollectionSyncCommon
from .t24_soap_server import T24SoapServer

# what a French .po file of the addon would hold for some of the readers' and SOAP client's messages
FRENCH = {
    "line %(line)s: %(message)s": "ligne %(line)s : %(message)s",
    "the first line must be the %(mark)s record": "la première ligne doit être l'enregistrement %(mark)s",
    "trailer total %(value)s of %(currency)s is not a number": "le total %(value)s (%(currency)s) n'est pas un nombre",
    "the file": "tout le fichier",
    "%(what)s: %(endpoint)s still unreachable after %(attempts)s attempts (%(reason)s).":
        "%(what)s : %(endpoint)s toujours injoignable après %(attempts)s tentatives (%(reason)s).",
}


@tagged('post_install', '-at_install')
class TestSyncMessages(CollectionSyncCommon):
    """The messages of the extract readers and of the SOAP client, code without an environment,
    are translatable: extracted with the addon's terms, and written into the run log in the
    language of the user who runs the sync, with their values."""

    def setUp(self):
        super().setUp()
        self.french = translated_env(self, 'collection_integration', 'fr_FR', FRENCH)

    def test_file_message_in_the_users_language(self):
        path = os.path.join(self.inbound, 'no_header.csv')
        with open(path, 'w') as handle:
            handle.write('ARRANGEMENT_ID,CUSTOMER_ID\nAA1,C100\n')
        run = self.connector.with_env(self.french)._run_sync(paths=[path])
        self.assertEqual(run.batch_ids.message, "ligne 1 : la première ligne doit être l'enregistrement #HEADER")
        run = self.sync(paths=[path])
        self.assertEqual(run.batch_ids.message, "line 1: the first line must be the #HEADER record")

    def test_lazy_message_with_its_values(self):
        with self.assertRaises(ExtractError) as caught:
            make_trailer('1', {'': '12,50'}, 7)
        error = caught.exception
        self.assertIsInstance(error.message, LazyGettext)
        self.assertEqual(error.line, 7)
        self.assertEqual(error.text(self.french), "ligne 7 : le total '12,50' (tout le fichier) n'est pas un nombre")
        self.assertEqual(error.text(self.env), "line 7: trailer total '12,50' of the file is not a number")
        self.assertEqual(str(error), "line 7: trailer total '12,50' of the file is not a number")

    def test_soap_message_in_the_users_language(self):
        server = T24SoapServer(listen=False)
        self.addCleanup(server.stop)
        self.connector.write({'transport': 'soap', 'endpoint_url': server.url, 'max_retries': 1,
                              'retry_backoff': 0.01, 'timeout': 5})
        run = self.connector.with_env(self.french)._run_sync()
        self.assertEqual(run.state, 'failed')
        self.assertRegex(run.batch_ids.message, r"^CustomerEnquiry : http://127\.0\.0\.1:\d+/\S* toujours injoignable "
                                                r"après 2 tentatives \(\w+\)\.$")

    def test_messages_are_extracted(self):
        terms = {(name, source) for _module, _type, name, _res_id, source, _value, _comments
                 in TranslationModuleReader(self.env.cr, ['collection_integration'])}
        for name, source in (
            ('extract_reader.py', "line %(line)s: %(message)s"),
            ('extract_reader.py', "the first line must be the %(mark)s record"),
            ('extract_reader.py', "data after the trailer"),
            ('t24_soap.py', "%(what)s: SOAP fault from the server: %(fault)s"),
        ):
            self.assertIn((f'addons/collection_integration/tools/{name}', source), terms)
