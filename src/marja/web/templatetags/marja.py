"""Template filters for Persian display: Jalali dates and Persian digits.

Registered as builtins, so every template has them without ``{% load %}``.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from marja.core import jalali
from marja.core.text import format_number, to_persian_digits

register = template.Library()


def _persian() -> bool:
    return get_language() != "en"


@register.filter
def jdate(value: dt.date | dt.datetime | None, style: str = "numeric") -> str:
    """A date as Jalali: ``۱۴۰۲/۰۸/۱۷``; ``|jdate:"long"`` gives ``۱۷ آبان ۱۴۰۲``."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return jalali.format_date(
        value,
        style="long" if style == "long" else "numeric",
        digits="persian" if _persian() else "latin",
        language="fa" if _persian() else "en",
    )


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    """A moment as Jalali date and local time: ``۱۴۰۲/۰۸/۱۷ ۱۴:۰۵``."""
    if value is None or value == "":
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return jalali.format_datetime(local, digits="persian" if _persian() else "latin")


@register.filter
def num(value: int | float | None) -> str:
    """A number with grouped thousands, in Persian digits on Persian pages."""
    if value is None:
        return "—"
    return format_number(value, persian=_persian())


@register.filter
def digits(value: object) -> str:
    """Any text with its digits shown in Persian on Persian pages."""
    text = str(value)
    return to_persian_digits(text) if _persian() else text


@register.simple_tag(takes_context=True)
def facet_query(context: template.Context, name: str, key: str, selected: bool) -> str:
    """The query string that toggles one facet value, keeping the other filters."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    if selected:
        params.pop(name, None)
    else:
        params[name] = key
    return str(params.urlencode())


@register.filter
def cell(value: object) -> str:
    """A table value for display: Jalali dates, grouped Persian digits, yes/no."""
    from django.utils.translation import gettext

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dt.datetime):
        return jdatetime(value)
    if isinstance(value, dt.date):
        return jdate(value)
    if isinstance(value, int):
        return num(value)
    if isinstance(value, float):
        decimals = 0 if value.is_integer() else min(4, len(repr(value).split(".")[-1]))
        return format_number(value, persian=_persian(), decimals=decimals)
    return str(value)
