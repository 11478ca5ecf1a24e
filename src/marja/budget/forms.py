"""Forms of the budget pages: a scenario (criteria picked from the plan's indicators
that have county values), consultation, comments and votes. Numbers take Persian or
Latin digits; amounts are whole rials."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marja.budget.models import AllocationScenario, Criterion, StakeholderGroup, Vote
from marja.budget.services import CriterionIn, FiguresIn, ScenarioIn
from marja.catalog.models import County
from marja.common.forms import JalaliDateField, NormalizedCharField, PersianFloatField
from marja.indicators.models import Actual, Indicator


def indicator_choices() -> list[tuple[Indicator, int]]:
    """Indicators with county values, each with its latest year of them."""
    latest: dict[int, int] = {}
    for indicator_id, year in Actual.objects.filter(
        county__isnull=False, value__isnull=False
    ).values_list("indicator_id", "year"):
        latest[indicator_id] = max(year, latest.get(indicator_id, 0))
    found = Indicator.objects.filter(pk__in=latest).select_related("plan").order_by("plan", "code")
    return [(i, latest[i.pk]) for i in found]


def _rials(label: Any) -> PersianFloatField:
    return PersianFloatField(label=label, required=False, min_value=0)


class ScenarioForm(forms.Form):
    name_fa = NormalizedCharField(label=_("name (Persian)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200, required=False)
    description_fa = forms.CharField(
        label=_("description (Persian)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    normalisation = forms.ChoiceField(
        label=_("normalisation"), choices=AllocationScenario.Normalisation.choices
    )
    method = forms.ChoiceField(label=_("method"), choices=AllocationScenario.Method.choices)
    weighting = forms.ChoiceField(label=_("weights"), choices=AllocationScenario.Weighting.choices)
    mix_percent = PersianFloatField(label=_("manual share of a mix (%)"), required=False)
    missing = forms.ChoiceField(
        label=_("missing values"), choices=AllocationScenario.Missing.choices
    )
    basis = forms.ChoiceField(label=_("basis"), choices=AllocationScenario.Basis.choices)
    need_exponent = PersianFloatField(label=_("need exponent"), required=False)
    base_per_county = _rials(_("fixed base per county (rials)"))
    floor = _rials(_("floor per county (rials)"))
    cap_percent = PersianFloatField(label=_("cap on any share (%)"), required=False)
    change_limit_percent = PersianFloatField(
        label=_("limit on the change against last year (%)"), required=False
    )
    pace_percent = PersianFloatField(label=_("pace of change (%)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.main_fields = [self[name] for name in self.base_fields]
        self.indicators = indicator_choices()
        self.criterion_rows: list[dict[str, Any]] = []
        for indicator, year in self.indicators:
            key = f"i{indicator.pk}"
            self.fields[f"{key}_use"] = forms.BooleanField(required=False, label=indicator.name)
            # An indicator where higher is better (beds per 1,000) is a need when lower.
            self.fields[f"{key}_direction"] = forms.ChoiceField(
                choices=Criterion.Direction.choices,
                required=False,
                label=_("direction"),
                initial=Criterion.Direction.LOWER
                if indicator.direction == "higher"
                else Criterion.Direction.HIGHER,
            )
            self.fields[f"{key}_weight"] = PersianFloatField(required=False, label=_("weight"))
            self.criterion_rows.append(
                {
                    "indicator": indicator,
                    "year": year,
                    "use": self[f"{key}_use"],
                    "direction": self[f"{key}_direction"],
                    "weight": self[f"{key}_weight"],
                }
            )

    @classmethod
    def initial_from(cls, scenario: AllocationScenario) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(scenario, name) for name in cls.base_fields if hasattr(scenario, name)
        }
        for criterion in scenario.criteria.select_related("figures"):
            indicator_id = criterion.figures.indicator_id
            if indicator_id is not None:
                key = f"i{indicator_id}"
                initial |= {
                    f"{key}_use": True,
                    f"{key}_direction": criterion.direction,
                    f"{key}_weight": criterion.weight,
                }
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(f"i{i.pk}_use") for i, _year in self.indicators):
            raise forms.ValidationError(_("Choose at least one indicator as a criterion."))
        return data

    def to_terms(self) -> ScenarioIn:
        data = self.cleaned_data
        criteria = [
            CriterionIn(
                code=f"c{indicator.pk}",
                name_fa=indicator.name_fa,
                direction=data.get(f"i{indicator.pk}_direction") or Criterion.Direction.HIGHER,
                weight=data.get(f"i{indicator.pk}_weight"),
                figures=FiguresIn(indicator=indicator, year=year),
            )
            for indicator, year in self.indicators
            if data.get(f"i{indicator.pk}_use")
        ]

        def number(name: str, default: float | None) -> float | None:
            value = data.get(name)
            return default if value is None else value

        return ScenarioIn(
            name_fa=data["name_fa"],
            name_en=data.get("name_en", ""),
            description_fa=data.get("description_fa", ""),
            criteria=criteria,
            normalisation=data["normalisation"],
            method=data["method"],
            weighting=data["weighting"],
            mix_percent=number("mix_percent", 50) or 0,
            missing=data["missing"],
            basis=data["basis"],
            need_exponent=number("need_exponent", 1.0) or 0,
            base_per_county=round(data.get("base_per_county") or 0),
            floor=round(data.get("floor") or 0),
            cap_percent=data.get("cap_percent"),
            change_limit_percent=data.get("change_limit_percent"),
            pace_percent=data.get("pace_percent"),
        )


class ConsultationForm(forms.Form):
    groups = forms.MultipleChoiceField(
        label=_("stakeholder groups"),
        choices=StakeholderGroup.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    closes_on = JalaliDateField(label=_("comments close on"))


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    county = forms.ModelChoiceField(
        label=_("about the county"),
        queryset=County.objects.order_by("name_fa"),
        required=False,
        to_field_name="code",
    )


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("vote"), choices=Vote.Choice.choices, widget=forms.RadioSelect
    )
