"""Showing why a result was found: marked words, an excerpt, the fields that matched."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from marja.core.fulltext import excerpt, marked_segments
from marja.search import highlight

register = template.Library()


@register.simple_tag
def marked(text: str, terms: Iterable[str] = ()) -> SafeString:
    """``text`` escaped, with the words the query found in ``<mark>``."""
    html = "".join(
        f"<mark>{escape(segment)}</mark>" if hit else str(escape(segment))
        for segment, hit in marked_segments(text, tuple(terms or ()))
    )
    return mark_safe(html)  # noqa: S308 (every segment is escaped above)


@register.simple_tag
def marked_excerpt(text: str, terms: Iterable[str] = ()) -> SafeString:
    return marked(excerpt(text, tuple(terms or ())), terms)


@register.simple_tag
def matched_fields(fields: Any, terms: Iterable[str] = ()) -> list[str]:
    return highlight.matched_fields(fields, tuple(terms or ()))
