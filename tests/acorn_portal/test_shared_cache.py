"""The file cache's counters: atomic across processes, and counting keeps the entry's expiry."""

import multiprocessing
import time

from acorn_portal.cache import LockedFileBasedCache


def _count(directory, times):
    cache = LockedFileBasedCache(directory, {})
    for _ in range(times):
        cache.incr("hits")


def test_counts_from_several_processes_add_up(tmp_path):
    cache = LockedFileBasedCache(str(tmp_path), {})
    assert cache.add("hits", 0, timeout=600) and not cache.add("hits", 5, timeout=600)
    workers = [multiprocessing.get_context("fork").Process(target=_count, args=(str(tmp_path), 200)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert cache.get("hits") == 600


def test_incr_keeps_the_expiry_it_was_added_with(tmp_path):
    cache = LockedFileBasedCache(str(tmp_path), {"TIMEOUT": 1})
    cache.add("window", 0, timeout=None)  # never expires; Django's own incr would reset it to TIMEOUT
    cache.incr("window", 2)
    time.sleep(1.2)
    assert cache.get("window") == 2
