"""Settings for the test suite: the real settings with tasks run inline and fast password hashing.

django-q2 reads Q_CLUSTER once at import, so `sync` is switched here rather than with
override_settings (docs/decisions/0003-task-cluster-settings.md).
"""

import os

os.environ.setdefault("ACORN_DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ACORN_ENCRYPTION_KEYS", "x3dlfUjLy_wMu4-FkqD1h6rbYSF2dX0xX0aaLq6v3OU=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("ACORN_OAUTH_LOOPBACK_REDIRECTS", "1")  # OAuth test apps listen on 127.0.0.1
os.environ.setdefault("ACORN_SSL_REDIRECT", "0")  # the test client and the live server speak plain HTTP

from acorn_portal.settings import *  # noqa: E402, F403
from acorn_portal.settings import BASE_DIR, DATABASES, INSTALLED_APPS, Q_CLUSTER, STATIC_ROOT  # noqa: E402

if "simulator.apps.SimulatorConfig" not in INSTALLED_APPS:  # tests grade against the simulator's answers
    INSTALLED_APPS = [*INSTALLED_APPS, "simulator.apps.SimulatorConfig"]

Q_CLUSTER = {**Q_CLUSTER, "sync": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# Axes stays on; only the test client's login(), which has no request, passes it by (tests/backends.py).
# Two-factor: tests/conftest.py makes the test client's logins pass the second factor unless a test
# is marked real_2fa.
AUTHENTICATION_BACKENDS = ["tests.backends.AxesBackendForTestClient", "django.contrib.auth.backends.ModelBackend"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACORN_DEMO_SEED_ALLOWED = True  # a test database is not production (tests of the refusal switch it off)
OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]  # test receivers and the simulator listen on loopback
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so live-server and browser tests share it; the name can be varied so
    # that two suites can run side by side.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / os.environ.get("ACORN_TEST_DB", "test.sqlite3"))}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request otherwise
# One cache per test process: suites run side by side must not share counters or cached keys (tests
# of the shared file cache start processes of their own with ACORN_CACHE_DIR).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
