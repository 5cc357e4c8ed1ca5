"""Simplified Chinese: Django's formats; short dates written the Chinese way (2026年12月7日)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
NUMBER_GROUPING = 3
