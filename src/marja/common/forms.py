"""Form fields that read Persian input: Jalali dates in any digit system."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marja.common.validators import validate_identifier
from marja.core import jalali
from marja.core.text import normalize, to_latin_digits

_DATE_ERRORS = {
    "format": _("“%(text)s” is not a date. Write it as year/month/day, e.g. 1402/08/17."),
    "year": _("“%(text)s”: write the year with four digits, e.g. 1402."),
    "month": _("“%(text)s”: there is no month %(month)s; months run from 1 to 12."),
    "day": _("“%(text)s”: month %(month)s of %(year)s has no day %(day)s."),
    "leap": _("“%(text)s”: %(year)s is not a leap year, so Esfand has only 29 days."),
}


class JalaliDateField(forms.Field):
    """A date typed as Jalali (1402/08/17, ۱۴۰۲/۰۸/۱۷) or Gregorian (2023-11-08).

    Cleans to a Gregorian ``datetime.date``; shows the Jalali form when editing.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "۱۴۰۲/۰۸/۱۷")
        self.widget.attrs.setdefault("inputmode", "numeric")
        self.widget.attrs.setdefault("dir", "ltr")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return jalali.format_date(value, digits="persian")
        return value

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        text = normalize(str(value))
        try:
            return jalali.parse_date(text)
        except jalali.JalaliDateError as exc:
            raise ValidationError(
                _DATE_ERRORS[exc.code],
                code=f"jalali_{exc.code}",
                params={
                    "text": str(value),
                    "year": exc.year,
                    "month": exc.month,
                    "day": exc.day,
                },
            ) from None


class NormalizedCharField(forms.CharField):
    """A text field whose value is Persian-normalised (ی/ک, spacing, digits kept)."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        return normalize(text, digits="keep") if text else ""


class IdentifierField(forms.CharField):
    """An address identifier; typed capitals are lowered so «Tehran-Roads» meets «tehran-roads»."""

    default_validators = [validate_identifier]

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().lower()


_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


class PersianFloatField(forms.FloatField):
    """A number typed in Persian or Latin digits, with «٫» or «.» as the decimal point
    and «٬» or «,» between thousands (۱٬۲۵۰٫۵ → 1250.5).

    A text box, not ``type=number``: browsers refuse Persian digits in a number box.
    """

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {"inputmode": "decimal", "dir": "ltr"}

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        if isinstance(value, str):
            value = to_latin_digits(value.strip()).replace("\u066b", ".").replace("/", ".")
            value = value.replace("\u066c", "").replace("\u2212", "-")
            if "," in value:
                # «2,5» is a decimal in much of the world and «2,500» thousands here:
                # only whole groups of three are thousands, anything else is refused.
                if not _GROUPED.fullmatch(value):
                    raise ValidationError(
                        _("“%(text)s”: write the decimal point as «٫» or «.», e.g. 2.5."),
                        code="ambiguous_comma",
                        params={"text": value},
                    )
                value = value.replace(",", "")
        return super().to_python(value)
