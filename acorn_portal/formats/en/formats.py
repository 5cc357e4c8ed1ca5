"""English: Django's formats, with ISO dates where a short date is shown (unambiguous for US and EU staff)."""

from django.conf.locale.en.formats import *  # noqa: F403

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
