"""The catalogues: every Chinese message translated, compiled as committed, and nothing left unextracted.

The compiled .mo files are committed (docs/decisions/0401-languages.md), so `make run` and `make
test` need no msgfmt; these tests prove that what is committed is complete and current.
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from acorn_portal.model_labels import CATALOGUE, catalogue_source
from tests.i18n.catalogue import placeholders, read_po

BASE = Path(settings.BASE_DIR)
LOCALE = BASE / "locale"
LANGUAGES = ("zh_Hans", "en")
# What `makemessages` reads: the apps and templates people see; never tests, benchmarks, the
# Python client or the demo's simulator (whose pages are for developers only).
SOURCES = ("acorn_portal", "refunds", "datasources", "developer", "templates", "simulator", "tests")
IGNORE = ["tests/*", "bench/*", "clients/*", "simulator/*", "var/*", "artifacts/*", ".venv/*"]


def po_path(language):
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def messages(language):
    return [entry for entry in read_po(po_path(language)) if entry.msgid and not entry.obsolete]


def test_every_chinese_message_is_translated():
    untranslated = [e.msgid for e in messages("zh_Hans") if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in messages("zh_Hans") if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} messages without a Chinese translation: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy messages: {fuzzy[:10]}"


# Messages whose Chinese is rightly without Chinese characters: codes, product names, pure patterns.
NOT_WORDS = {
    "ARN", "ASIN", "ID", "SHA-256", "URL", "id", "sha256", "url", "uuid", "ACORN", "Webhook URL", "Vendor Central",
    "→ %(text_value)s", "%(field)s %(old)s → %(new)s", "%(day)s %(time)s UTC", "OpenID Connect", "SAML 2.0",
}  # fmt: skip


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" for c in text)


def test_every_chinese_translation_is_written_in_chinese():
    """A msgstr copied from the English (or left in English) is not a translation."""
    english = [
        (e.msgid, text)
        for e in messages("zh_Hans")
        for text in e.msgstr.values()
        if e.msgid not in NOT_WORDS and not _has_chinese(text)
    ]
    assert not english, f"{len(english)} messages whose Chinese has no Chinese in it: {english[:10]}"


def test_translations_keep_their_placeholders():
    broken = [
        (e.msgid, text)
        for e in messages("zh_Hans")
        for text in e.msgstr.values()
        if placeholders(text) != placeholders(e.msgid_plural if e.msgid_plural and "%(" in e.msgid_plural else e.msgid)
    ]
    assert not broken, broken[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_po_compiled(language):
    """The .mo gettext loads holds exactly the .po's translations (compile with msgfmt after editing)."""
    path = po_path(language).with_suffix(".mo")
    with path.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in messages(language):
        for index, text in entry.msgstr.items():
            if text and "fuzzy" not in entry.flags:
                expected[(entry.key, index) if entry.msgid_plural is not None else entry.key] = text
    found = {key: text for key, text in catalog.items() if key != ""}
    assert found == expected, f"{path} differs from its .po: run msgfmt -o {path} {po_path(language)}"


def test_the_model_labels_catalogue_is_current():
    assert (BASE / CATALOGUE).read_text() == catalogue_source(), "run: manage.py model_labels --write"


def test_makemessages_finds_nothing_new(tmp_path):
    """Extract into a copy of the sources and compare: the repository's catalogues are never written."""
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "static")
    for name in SOURCES:
        shutil.copytree(BASE / name, copy / name, ignore=ignore)
    shutil.copytree(LOCALE, copy / "locale", ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(BASE / "manage.py", copy / "manage.py")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "ACORN_ENV_FILE": "", "PYTHONPATH": str(copy)}
    command = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location"]
    command += [f"--ignore={pattern}" for pattern in IGNORE]
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert result.returncode == 0, result.stderr
    extracted = {e.key for e in read_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po") if e.msgid}
    committed = {e.key for e in messages("zh_Hans")}
    assert not extracted - committed, (
        f"not in the catalogue yet (makemessages, translate, msgfmt): {sorted(extracted - committed)[:20]}"
    )
    assert not committed - extracted, f"no longer in the code: {sorted(committed - extracted)[:20]}"
