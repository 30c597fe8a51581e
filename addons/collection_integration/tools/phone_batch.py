"""Phone numbers of a whole extract checked quickly (no ORM here).

``collection_base.tools.phone.format_e164`` parses each number in full (about 55 µs). Most
numbers a core-banking system sends are already in E.164 (``+`` and digits): for those,
:func:`format_e164_fast` finds the country calling code and the national number the way
``phonenumbers.parse`` does and only asks ``phonenumbers`` whether the number is valid (about
8 µs). Whatever ``parse`` might read differently (a national prefix or a leading
zero after the country code) and any other spelling go through ``format_e164``: the result is
the same for every input.

:func:`format_e164_many` does the same for a whole stream of numbers, on every core when the
stream is long.
"""
import ctypes
import gc
import multiprocessing
import os
import re
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from itertools import chain, islice

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from odoo.addons.collection_base.tools.phone import format_e164

E164_SHAPE = re.compile(r'\+([1-9][0-9]{6,14})\Z')

# below this many numbers, starting worker processes costs more than it saves
PARALLEL_THRESHOLD = 20000
# numbers a worker formats per task: large enough that passing them costs little, small enough
# that the workers start early and end together
CHUNK_SIZE = 10000
MAX_PROCESSES = 4
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@cache
def _national_prefix_pattern(country_code):
    """The pattern of national prefixes ``parse`` strips for ``country_code``, or None."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    prefix = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(prefix) if prefix else None


def format_e164_fast(number, country_code=None):
    """``format_e164(number, country_code)``, faster for numbers written in E.164."""
    match = E164_SHAPE.match(number) if number else None
    if not match:
        return format_e164(number, country_code)
    digits = match.group(1)
    for size in (1, 2, 3):
        calling_code = int(digits[:size])
        if calling_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return format_e164(number, country_code)
    national = digits[size:]
    prefix = _national_prefix_pattern(calling_code)
    if len(national) < 2 or national[0] == '0' or (prefix and prefix.match(national)):
        return format_e164(number, country_code)
    parsed = PhoneNumber(country_code=calling_code, national_number=int(national))
    return number if _is_valid(parsed) else False


def _is_valid(parsed):
    """``phonenumbers.is_valid_number(parsed)``, without its second check when the first one
    already decided. ``is_valid_number`` finds the number's region, then checks the number
    against that region's patterns; for a calling code shared by several regions (+1: the US,
    Canada, the Caribbean), the region is found by checking the number against the patterns of
    each region that has no leading digits, so for those the second check repeats the first."""
    region = phonenumbers.region_code_for_number(parsed)
    if region is None:
        return False
    if len(COUNTRY_CODE_TO_REGION_CODE[parsed.country_code]) > 1 \
            and PhoneMetadata.metadata_for_region(region, None).leading_digits is None:
        return True
    return phonenumbers.is_valid_number_for_region(parsed, region)


def format_e164_many(rows, processes=None, threshold=PARALLEL_THRESHOLD, chunk_size=CHUNK_SIZE):
    """Yield ``(raw, country, format_e164_fast(raw, country) or None)`` for each ``(raw, country)``
    of ``rows`` (an iterable, read once), in order.

    An extract's first load carries hundreds of thousands of distinct numbers, and formatting
    them is nearly all single-threaded Python: from ``threshold`` numbers on, chunks of
    ``chunk_size`` numbers go to ``processes`` worker processes (``os.cpu_count()``, at most
    ``MAX_PROCESSES``). Fewer numbers, or a single core, are formatted here: a pool would cost
    more than it saves. A few chunks at most are in flight, so memory does not grow with the
    number of rows. An error in a worker is raised here, and the workers are stopped whenever
    the iteration ends.
    """
    rows = iter(rows)
    head = list(islice(rows, threshold))
    processes = min(processes or os.cpu_count() or 1, MAX_PROCESSES)
    rows = chain(head, rows)
    chunks = iter(lambda: list(islice(rows, chunk_size)), [])
    if len(head) < threshold or processes < 2:
        for chunk in chunks:
            yield from _with_e164(chunk, _format_chunk(chunk))
        return
    # 'fork', not 'spawn' or 'forkserver': a fresh interpreter would have to import this addon,
    # hence Odoo and every addon it depends on, with Odoo's addons path (over a second per
    # worker, on the cores it is meant to free), while a forked worker starts in milliseconds
    # with phonenumbers and its metadata already loaded. The hazards of forking a server that
    # holds connections and threads are kept out of the worker: it only runs _format_chunk on
    # lists of strings, never touches the inherited database sockets, does not collect the
    # parent's garbage (a cursor's finaliser would speak on the parent's connection), leaves
    # signals to the parent, and exits with os._exit, without running the parent's exit hooks.
    # An executor rather than multiprocessing.Pool: it reports a worker that died instead of
    # waiting for its answer forever, and stops the workers by asking, where Pool.terminate()
    # kills them and hangs if one dies holding the lock of the results queue.
    executor = _start_executor(processes)
    try:
        pending = deque()
        for chunk in chunks:
            pending.append((chunk, executor.submit(_format_chunk, chunk)))
            if len(pending) > 2 * processes:
                chunk, future = pending.popleft()
                yield from _with_e164(chunk, future.result())
        while pending:
            chunk, future = pending.popleft()
            yield from _with_e164(chunk, future.result())
    finally:
        # on an error, the chunks being formatted are finished (a fraction of a second) and
        # the others dropped
        executor.shutdown(cancel_futures=True)


def _start_executor(processes):
    """A pool of ``processes`` forked workers, all started.

    The stop signals are held while they are forked: a worker that received one before
    _start_worker resets its handlers would run the server's, and Odoo's answer to SIGTERM
    (raise KeyboardInterrupt) can leave it alive, so that stopping the pool would wait for it
    forever. With the 'fork' context, the first task forks all the workers at once."""
    executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context('fork'),
                                   initializer=_start_worker, initargs=(os.getpid(),))
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        executor.submit(os.getpid).result()
    except BaseException:
        executor.shutdown(cancel_futures=True)
        raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return executor


def _start_worker(parent):
    """Make a forked worker deaf to what its parent server handles (see format_e164_many):
    SIGTERM and SIGHUP stop it, SIGINT (the terminal's) is for the parent to act on; and make
    it end with its parent."""
    gc.disable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    _end_with_parent(parent)


def _end_with_parent(parent):
    """A parent killed outright (SIGKILL, the OOM killer) cannot stop its workers, and a
    worker waits for its next task forever: on Linux, have the kernel kill the worker when the
    thread that forked it (the one running the batch, the pool's only user) ends."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def _format_chunk(rows):
    """The E.164 form (or None) of each ``(raw, country)`` of ``rows``, in a worker."""
    return [format_e164_fast(raw, country or None) or None for raw, country in rows]


def _with_e164(chunk, e164s):
    """The rows of ``chunk``, each with its E.164 form from ``e164s``."""
    return ((raw, country, e164) for (raw, country), e164 in zip(chunk, e164s))
