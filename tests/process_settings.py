"""Settings for processes a test starts as separate hosts would run them (gunicorn, task clusters).

The production settings module, read from the environment the test passes, with two test-only
changes: static files come straight from the apps (the API needs no collectstatic run), and mail is
written to files the test counts.
"""

import os

from acorn_portal.settings import *  # noqa: F403
from acorn_portal.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
if os.environ.get("ACORN_TEST_MAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["ACORN_TEST_MAIL_DIR"]
