import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool

import phonenumbers

from odoo.tests import BaseCase, tagged

from odoo.addons.collection_base.tools.phone import format_e164
from odoo.addons.collection_integration.tools.phone_batch import format_e164_many

NUMBERS = [
    '+34612345678', '+34 612 34 56 78', '+34612345', '+4915123456789', '+12025550123', '+447911123456',
    '+4407911123456', '+3906698', '+0123456', '+999123456', '+', '+' + '9' * 20,
    '612345678', '0612345678', '07911 123456', '(202) 555-0123', '202.555.0123', '0044 7911 123456',
    '00 34 612 34 56 78', 'tel:+34-612-34-56-78', '+34 (612) 345-678 ext. 9', '＋３４６１２３４５６７８',
    '1-800-FLOWERS', 'not a number', ' ', '', '0', '112', '+34612345678\n', 'a,b "c"', 'é +34612345678',
]
COUNTRIES = ['ES', 'GB', 'US', 'de', 'ZZ', '', None]


def region_examples():
    """A mobile number of each region, in E.164 and written as at home (with the region)."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if example:
            yield phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164), None
            yield phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL), region


@tagged('post_install', '-at_install')
class TestFormatE164Many(BaseCase):
    """The parallel path formats exactly as the in-process one, in order, and leaves no
    worker process behind, whether it ends normally or on an error."""

    rows = [(number, country) for number in NUMBERS for country in COUNTRIES] * 2 + list(region_examples())

    def expected(self, rows):
        return [(raw, country, format_e164(raw, country) or None) for raw, country in rows]

    def test_parallel_same_as_in_process(self):
        in_process = list(format_e164_many(self.rows))
        self.assertEqual(in_process, self.expected(self.rows))
        # a chunk size prime to the row count: the last chunk is a short one
        parallel = format_e164_many(self.rows, processes=2, threshold=10, chunk_size=11)
        first = next(parallel)
        self.assertEqual(len(multiprocessing.active_children()), 2, "the workers run")
        self.assertEqual([first, *parallel], in_process)
        self.assertEqual(multiprocessing.active_children(), [], "the workers are stopped at the end")

    def test_small_set_in_process(self):
        rows = self.rows[:20]
        formatted = format_e164_many(rows, processes=2, threshold=21, chunk_size=5)
        first = next(formatted)
        self.assertEqual(multiprocessing.active_children(), [], "no pool below the threshold")
        self.assertEqual([first, *formatted], self.expected(rows))

    def test_workers_stop_when_reading_stops(self):
        formatted = format_e164_many(self.rows, processes=2, threshold=10, chunk_size=11)
        next(formatted)
        formatted.close()  # what the sync does when COPY FROM fails half-way
        self.assertEqual(multiprocessing.active_children(), [])

    def test_worker_error_is_raised(self):
        rows = [*self.rows, (34612345678, 'ES'), *self.rows]  # not a string: format_e164_fast fails
        with self.assertRaises(TypeError):
            list(format_e164_many(rows, processes=2, threshold=10, chunk_size=11))
        self.assertEqual(multiprocessing.active_children(), [], "the workers are stopped on error")

    def test_worker_death_is_raised(self):
        formatted = format_e164_many(self.rows, processes=2, threshold=10, chunk_size=11)
        next(formatted)
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)  # as the OOM killer would
        with self.assertRaises(BrokenProcessPool):
            list(formatted)
        self.assertEqual(multiprocessing.active_children(), [])
