import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures.process import BrokenProcessPool

import phonenumbers

import odoo
from odoo.tests import BaseCase, tagged
from odoo.tools import config

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

    def test_workers_end_with_a_killed_parent(self):
        """A process killed outright while its workers format (SIGKILL, the OOM killer: it has no
        chance to stop them) takes its workers with it; they would wait for a task forever."""
        program = textwrap.dedent("""
            import sys
            from odoo.tools import config
            from odoo.modules.module import initialize_sys_path
            config.parse_config(['--addons-path=' + sys.argv[1]])
            initialize_sys_path()
            from odoo.addons.collection_integration.tools.phone_batch import format_e164_many
            numbers = (('+1202555%04d' % (n % 10000), 'US') for n in iter(int, 1))  # endless
            for n, _row in enumerate(format_e164_many(numbers, processes=2, threshold=10, chunk_size=100)):
                if n == 1000:
                    print('formatting', flush=True)
        """)
        addons_path = config['addons_path']
        if isinstance(addons_path, (list, tuple)):
            addons_path = ','.join(addons_path)
        environ = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [os.path.dirname(odoo.__path__[0]), *filter(None, [os.environ.get('PYTHONPATH')])]))
        parent = subprocess.Popen([sys.executable, '-c', program, addons_path], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, env=environ)
        self.addCleanup(parent.wait, 60)
        self.addCleanup(parent.kill)
        self.assertEqual(parent.stdout.readline(), 'formatting\n', "the workers are formatting")
        parent.stdout.close()
        workers = children(parent.pid)
        self.assertEqual(len(workers), 2)
        parent.send_signal(signal.SIGKILL)
        parent.wait(60)
        deadline = time.monotonic() + 60
        while any(is_running(pid) for pid in workers):
            if time.monotonic() > deadline:
                for pid in workers:
                    if is_running(pid):
                        os.kill(pid, signal.SIGKILL)
                self.fail("The workers of a killed process are still there after 60 s")
            time.sleep(0.05)


def process_status(pid):
    """(state, parent pid) of process ``pid`` (Linux), or None when there is no such process."""
    try:
        with open(f'/proc/{pid}/stat') as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def children(pid):
    """The pids of the processes whose parent is ``pid``."""
    return [int(entry) for entry in os.listdir('/proc')
            if entry.isdigit() and (process_status(entry) or (None, None))[1] == pid]


def is_running(pid):
    """Whether process ``pid`` exists and is not a zombie (ended, waiting for its parent to
    collect its status)."""
    status = process_status(pid)
    return status is not None and status[0] != 'Z'
