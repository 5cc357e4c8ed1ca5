"""English sentences our services stored (verdict checks, history reasons), read in the reader's language.

A table pairs a pattern for the stored English with its words (marked with gettext_noop); the first
pattern that matches the whole text gives the sentence, and each named piece is rendered by the caller.
"""

from collections.abc import Callable

from django.utils.translation import gettext


def translate_stored(text: str, patterns, part: Callable[[str, str], str]) -> str:
    for english, words in patterns:
        if match := english.fullmatch(text):
            return gettext(words) % {key: part(key, value) for key, value in match.groupdict().items()}
    return gettext(text)
