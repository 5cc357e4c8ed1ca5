"""What a production start needs beyond settings: collected static files.

With DEBUG off, static files come from `collectstatic`'s output with hashed names (whitenoise's
manifest storage). Without it every page that links a stylesheet answers 500 ("Missing staticfiles
manifest entry"), so the web server refuses to start instead and says what to run.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

COLLECT = "python manage.py collectstatic --noinput"


def manifest_path() -> Path | None:
    """The manifest the static storage needs, or None when it needs none (DEBUG, tests)."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    return Path(settings.STATIC_ROOT) / storage.manifest_name


def require_collected_static() -> None:
    path = manifest_path()
    if path is not None and not path.is_file():
        raise ImproperlyConfigured(
            f"Static files have not been collected ({path} is missing): with ACORN_DEBUG off every page would "
            f"answer 500. Run `{COLLECT}` as part of every deploy (manage.py run_portal --production does it), "
            "then start the web server again."
        )
