"""Choosing between the Persian and English forms of a stored text."""

from __future__ import annotations

from django.utils.translation import get_language


def in_request_language(fa: str, en: str) -> str:
    """The English text on English pages when there is one; otherwise the Persian."""
    return en if en and get_language() == "en" else fa
