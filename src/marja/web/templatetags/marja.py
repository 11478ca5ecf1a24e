"""Template filters for Persian display: Jalali dates and Persian digits.

Registered as builtins, so every template has them without ``{% load %}``.
"""

from __future__ import annotations

from django import template

from marja.common import display

register = template.Library()


for _name in ("jdate", "jdatetime", "num", "figure", "percent", "digits", "cell", "rials"):
    register.filter(_name, getattr(display, _name))


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
