"""Production settings with the bench's URLconf (the floor view lives only here, never in the portal)."""

from acorn_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
# The bench measures the API, which links no static files: no collectstatic run needed before it.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
