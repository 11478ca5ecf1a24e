"""Choosing between the Persian and English forms of a text."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import get_language, override


def in_request_language(fa: str, en: str) -> str:
    """The English text on English pages when there is one; otherwise the Persian."""
    return en if en and get_language() == "en" else fa


def persian_and_english(
    text: Promise | str, params: dict[str, object] | None = None
) -> tuple[str, str]:
    """A translatable text rendered in Persian and in English, ``params`` filled in each
    (labels stored with data carry both, whatever the language of the request)."""
    rendered = []
    for language in ("fa", "en"):
        with override(language):
            rendered.append(str(text) % params if params else str(text))
    return rendered[0], rendered[1]
