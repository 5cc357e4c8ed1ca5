"""Moves the clock of every Python process of a test run to ACORN_TEST_CLOCK (CI's moved-clock run).

`.ci/run` puts this directory on PYTHONPATH and sets ACORN_TEST_CLOCK to an instant such as
"2029-03-12T21:30:00+00:00"; Python imports `sitecustomize` at start-up, so pytest and every Python
child it starts (a simulator server, a sync worker, manage.py) travel there with time-machine and
tick on from it. The first process records the real instant it started in ACORN_TEST_CLOCK_ORIGIN,
so a child joins the same moved clock instead of starting over at the given instant.

time-machine moves wall-clock reads (`datetime.now`, `time.time`, ...), not `time.monotonic`, so
timeouts and sleeps behave. (libfaketime was tried first: with Python 3.11 it makes lock timeouts
wait for the years the clock moved, or `time.sleep` fail with EINVAL.) The browser keeps the real
date: everything that decides runs on the server.
"""

import os

if os.environ.get("ACORN_TEST_CLOCK"):
    import time
    from datetime import datetime, timedelta

    import time_machine

    _target = datetime.fromisoformat(os.environ["ACORN_TEST_CLOCK"])
    if _target.tzinfo is None:
        raise SystemExit("ACORN_TEST_CLOCK needs a UTC offset, e.g. 2029-03-12T21:30:00+00:00")
    _origin = float(os.environ.setdefault("ACORN_TEST_CLOCK_ORIGIN", repr(time.time())))
    time_machine.travel(_target + timedelta(seconds=time.time() - _origin), tick=True).start()
    time.time()  # time-machine ticks from the first reading, not from start(): read now so processes agree
