"""Values as Persian pages show them: Jalali dates, grouped Persian digits, yes/no.

Plain functions, used by the template filters of the web layer and by any app that
renders labels in Python (chart axes, exports for people).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language

from marja.core import jalali
from marja.core.text import format_number, to_persian_digits


def _persian() -> bool:
    return get_language() != "en"


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


def jdatetime(value: dt.datetime | None) -> str:
    """A moment as Jalali date and local time: ``۱۴۰۲/۰۸/۱۷ ۱۴:۰۵``."""
    if value is None or value == "":
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return jalali.format_datetime(local, digits="persian" if _persian() else "latin")


def num(value: int | float | str | None) -> str:
    """A number with grouped thousands, in Persian digits on Persian pages ("—" for none:
    templates give "" for a missing value)."""
    if value is None or isinstance(value, str):
        return "—"
    return format_number(value, persian=_persian())


def figure(value: int | float | str | None, places: int = 2) -> str:
    """A measured value: grouped, with up to ``places`` decimals and no trailing zeros
    (2.50 → «۲٫۵», 1200.0 → «۱٬۲۰۰»); "—" for none."""
    if value is None or isinstance(value, str):
        return "—"
    rounded = round(float(value), places) + 0.0  # + 0.0: no «-۰» for a tiny negative
    decimals = 0
    for decimals in range(places + 1):
        if round(rounded, decimals) == rounded:
            break
    return format_number(rounded, persian=_persian(), decimals=decimals)


def percent(value: int | float | None) -> str:
    """A percentage to one decimal, e.g. «۴۲٫۵٪»; "—" for none."""
    if value is None:
        return "—"
    sign = "٪" if _persian() else "%"
    return figure(value, 1) + sign


def digits(value: object) -> str:
    """Any text with its digits shown in Persian on Persian pages."""
    text = str(value)
    return to_persian_digits(text) if _persian() else text


#: :func:`digits` rendered when read: for messages made once and read in each language.
digits_lazy = lazy(digits, str)


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
        # Four digits and fewer are read whole (years: ۱۴۰۲, not ۱٬۴۰۲).
        return digits(value) if -10000 < value < 10000 else num(value)
    if isinstance(value, float):
        decimals = 0 if value.is_integer() else min(4, len(repr(value).split(".")[-1]))
        return format_number(value, persian=_persian(), decimals=decimals)
    return str(value)


def rials(value: int | float | None) -> str:
    """An amount of money for reading: «۱۲٬۳۴۵٫۷ میلیارد ریال» from a billion rials up,
    «۸۵۰ میلیون ریال» from a million, whole rials below; "—" for none."""
    from django.utils.translation import gettext

    if value is None:
        return "—"
    amount = float(value)
    if abs(amount) >= 1e9:
        return gettext("%(amount)s billion rials") % {"amount": figure(amount / 1e9, 1)}
    if abs(amount) >= 1e6:
        return gettext("%(amount)s million rials") % {"amount": figure(amount / 1e6, 1)}
    return gettext("%(amount)s rials") % {"amount": num(round(amount))}


def _sentence(message: object, params: dict[str, object]) -> str:
    shown = {
        key: digits(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for key, value in params.items()
    }
    return str(message) % shown


#: ``message % params`` rendered when read, numbers in the reader's digits and text (a
#: slug, a measure) as it is: for refusals read later in Persian and in English.
sentence_lazy = lazy(_sentence, str)
