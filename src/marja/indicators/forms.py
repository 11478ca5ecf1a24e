"""The forms of the indicator's management page: a target, a value entered by hand with
its evidence, a driver or an obstacle. The services check the rest (the plan's years,
the county list) and name the field at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.catalog.models import County
from marja.common.forms import NormalizedCharField, PersianFloatField
from marja.common.validators import validate_plain_text
from marja.core.text import to_latin_digits
from marja.indicators.models import Factor, Indicator
from marja.indicators.services import ActualIn, FactorIn, TargetIn


class YearField(forms.IntegerField):
    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = to_latin_digits(value.strip())
        return super().to_python(value)


def _counties() -> list[tuple[str, str]]:
    return [("", str(_("the province")))] + [
        (c.code, c.name) for c in County.objects.order_by("name_fa")
    ]


class _PlaceForm(forms.Form):
    year = YearField(label=_("year"), widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    county = forms.ChoiceField(label=_("county"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = _counties()  # type: ignore[attr-defined]


class TargetForm(_PlaceForm):
    value = PersianFloatField(label=_("target"), required=False)
    low = PersianFloatField(label=_("band: lowest"), required=False)
    high = PersianFloatField(label=_("band: highest"), required=False)

    def __init__(self, *args: Any, indicator: Indicator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if indicator.direction == Indicator.Direction.BAND:
            del self.fields["value"]
        else:
            del self.fields["low"], self.fields["high"]

    def to_terms(self) -> TargetIn:
        data = self.cleaned_data
        return TargetIn(
            year=data["year"],
            county=data.get("county") or "",
            value=data.get("value"),
            low=data.get("low"),
            high=data.get("high"),
        )


class ActualForm(_PlaceForm):
    value = PersianFloatField(label=_("value"))
    evidence_url = forms.CharField(
        label=_("evidence (address of the document)"),
        max_length=500,
        widget=forms.URLInput(attrs={"dir": "ltr"}),
    )
    # Checked by the service, so its message names the Jalali format.
    measured_on = forms.CharField(
        label=_("date of the evidence"),
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "۱۴۰۳/۰۲/۱۵"}),
    )

    def to_value(self) -> ActualIn:
        data = self.cleaned_data
        return ActualIn(
            year=data["year"],
            value=data["value"],
            evidence_url=data["evidence_url"].strip(),
            measured_on=data["measured_on"],
            county=data.get("county") or "",
        )


class FactorForm(forms.Form):
    year = YearField(label=_("year"), widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    kind = forms.ChoiceField(label=_("kind"), choices=Factor.Kind.choices)
    category = forms.ChoiceField(label=_("category"), choices=Factor.Category.choices)
    description = NormalizedCharField(
        label=_("description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        validators=[validate_plain_text],
    )
    evidence = NormalizedCharField(label=_("evidence"), required=False, max_length=500)
    responsible = forms.ModelChoiceField(
        label=_("responsible organisation"),
        queryset=Organisation.objects.order_by("name_fa"),
        required=False,
    )

    def to_factor(self) -> FactorIn:
        data = self.cleaned_data
        return FactorIn(
            year=data["year"],
            kind=data["kind"],
            category=data["category"],
            description=data["description"],
            evidence=data.get("evidence") or "",
            responsible=data.get("responsible"),
        )
