"""A file-based cache whose counters hold across processes: the default when no REDIS_URL is set.

Django's per-process memory cache let each gunicorn worker count API requests and remember API keys
on its own (two workers: twice the rate, and a revoked key still accepted by the other one). Files in
one directory are seen by every process on the host. Django's `add` and `incr` on files are a read
then a write, and `incr` forgets the expiry; here both hold an exclusive lock on the directory and
`incr` keeps the expiry, so two processes counting the same key never lose a count. Several hosts
need a shared cache server: set REDIS_URL.
"""

import contextlib
import fcntl
import os
import pickle
import tempfile
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files.move import file_move_safe

_MISSING = object()


class LockedFileBasedCache(FileBasedCache):
    """FileBasedCache with `add` and `incr` atomic across processes (one lock file per directory)."""

    @contextlib.contextmanager
    def _locked(self):
        self._createdir()
        with open(os.path.join(self._dir, "counters.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        with self._locked():
            if self.get(key, _MISSING, version) is _MISSING:  # also removes an expired file
                raise ValueError(f"Key '{key}' not found")
            fname = self._key_to_file(key, version)
            with open(fname, "rb") as f:
                expiry = pickle.load(f)  # noqa: S301 - our own files, read as Django's FileBasedCache does
                value = pickle.loads(zlib.decompress(f.read())) + delta  # noqa: S301
            fd, tmp_path = tempfile.mkstemp(dir=self._dir)
            with open(fd, "wb") as f:
                f.write(pickle.dumps(expiry, self.pickle_protocol))
                f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
            file_move_safe(tmp_path, fname, allow_overwrite=True)
            return value
