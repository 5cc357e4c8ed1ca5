"""Production settings with the bench's URLconf (the floor view lives only here, never in the portal)."""

from acorn_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
