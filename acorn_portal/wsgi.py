import os

from django.core.wsgi import get_wsgi_application

from acorn_portal import dotenv

dotenv.load()  # this checkout's .env when there is one; the environment wins
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acorn_portal.settings")
application = get_wsgi_application()

from acorn_portal.deploy import require_collected_static  # noqa: E402 - needs the settings loaded above

require_collected_static()  # fail at start-up, not with a 500 on every page
