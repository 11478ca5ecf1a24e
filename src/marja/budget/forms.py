"""Forms of the budget pages: a scenario (criteria picked from the plan's indicators
that have county values, or aggregates of datasets by county), consultation, comments
and votes. Numbers take Persian or
Latin digits; amounts are whole rials."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from marja.accounts.selectors import AnyUser
from marja.budget.models import AllocationScenario, Criterion, StakeholderGroup, Vote
from marja.budget.services import CriterionIn, FiguresIn, ProjectIn, ScenarioIn
from marja.catalog.models import County, Dataset
from marja.catalog.selectors import datasets_visible_to
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


#: Empty rows offered for criteria from datasets (editing a scenario adds one more).
DATASET_ROWS = 3


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

    def __init__(
        self,
        *args: Any,
        user: AnyUser | None = None,
        dataset_rows: int = DATASET_ROWS,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.main_fields = [self[name] for name in self.base_fields]
        self._add_dataset_rows(user, dataset_rows)
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

    def _add_dataset_rows(self, user: AnyUser | None, count: int) -> None:
        """Rows for criteria computed from a dataset: an aggregate by its county column."""
        datasets = datasets_visible_to(user or AnonymousUser()).exclude(
            access=Dataset.Access.RESTRICTED
        )
        self.dataset_rows: list[dict[str, Any]] = []
        for n in range(count):
            key = f"d{n}"
            self.fields[f"{key}_dataset"] = forms.ModelChoiceField(
                queryset=datasets.order_by("title_fa"),
                to_field_name="slug",
                required=False,
                label=_("dataset"),
            )
            self.fields[f"{key}_name"] = NormalizedCharField(
                required=False, max_length=200, label=_("name (Persian)")
            )
            self.fields[f"{key}_measure"] = forms.CharField(
                required=False,
                max_length=120,
                label=_("measure"),
                widget=forms.TextInput(attrs={"placeholder": "sum:population", "dir": "ltr"}),
            )
            for name, label in (
                ("county_column", _("county column")),
                ("year_column", _("year column")),
            ):
                self.fields[f"{key}_{name}"] = forms.CharField(
                    required=False,
                    max_length=63,
                    label=label,
                    widget=forms.TextInput(attrs={"dir": "ltr"}),
                )
            self.fields[f"{key}_year"] = PersianFloatField(required=False, label=_("year"))
            self.fields[f"{key}_zero"] = forms.BooleanField(
                required=False, label=_("a county without rows has zero")
            )
            self.fields[f"{key}_direction"] = forms.ChoiceField(
                choices=Criterion.Direction.choices, required=False, label=_("direction")
            )
            self.fields[f"{key}_weight"] = PersianFloatField(required=False, label=_("weight"))
            names = (
                "dataset",
                "name",
                "measure",
                "county_column",
                "year_column",
                "year",
                "zero",
                "direction",
                "weight",
            )
            self.dataset_rows.append({name: self[f"{key}_{name}"] for name in names})

    @classmethod
    def initial_from(cls, scenario: AllocationScenario) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(scenario, name) for name in cls.base_fields if hasattr(scenario, name)
        }
        rows = 0
        for criterion in scenario.criteria.select_related("figures__dataset"):
            figures = criterion.figures
            indicator_id = figures.indicator_id
            if figures.dataset is not None:
                key = f"d{rows}"
                rows += 1
                initial |= {
                    f"{key}_dataset": figures.dataset.slug,
                    f"{key}_name": criterion.name_fa,
                    f"{key}_measure": figures.measure,
                    f"{key}_county_column": figures.county_column,
                    f"{key}_year_column": figures.year_column,
                    f"{key}_year": figures.year,
                    f"{key}_zero": figures.absent_is_zero,
                    f"{key}_direction": criterion.direction,
                    f"{key}_weight": criterion.weight,
                }
            if indicator_id is not None:
                key = f"i{indicator_id}"
                initial |= {
                    f"{key}_use": True,
                    f"{key}_direction": criterion.direction,
                    f"{key}_weight": criterion.weight,
                }
        return initial

    def field_of(self, key: str) -> str | None:
        """The form field a service's refusal key is about (``criteria.N`` → its row)."""
        if key in self.fields:
            return key
        _criteria, _dot, index = key.partition(".")
        fields: list[str] = getattr(self, "criterion_fields", [])
        if index.isdigit() and int(index) < len(fields):
            return fields[int(index)]
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(len(self.dataset_rows)):
            if data.get(f"d{n}_dataset") and not (
                data.get(f"d{n}_measure") and data.get(f"d{n}_county_column")
            ):
                self.add_error(
                    f"d{n}_measure",
                    _(
                        "A dataset criterion needs a measure "
                        "(e.g. sum:population) and its county column."
                    ),
                )
        used = any(data.get(f"i{i.pk}_use") for i, _year in self.indicators)
        if not used and not any(data.get(f"d{n}_dataset") for n in range(len(self.dataset_rows))):
            raise forms.ValidationError(
                _("Choose at least one indicator or dataset as a criterion.")
            )
        return data

    def to_terms(self) -> ScenarioIn:
        data = self.cleaned_data
        #: The form field of each criterion, in the terms' order (for the refusals).
        self.criterion_fields = [
            f"i{indicator.pk}_weight"
            for indicator, _year in self.indicators
            if data.get(f"i{indicator.pk}_use")
        ] + [f"d{n}_measure" for n in range(len(self.dataset_rows)) if data.get(f"d{n}_dataset")]
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
        for n in range(len(self.dataset_rows)):
            dataset = data.get(f"d{n}_dataset")
            if dataset is None:
                continue
            year = data.get(f"d{n}_year")
            criteria.append(
                CriterionIn(
                    code=f"d{n + 1}",
                    name_fa=data.get(f"d{n}_name") or dataset.title_fa,
                    direction=data.get(f"d{n}_direction") or Criterion.Direction.HIGHER,
                    weight=data.get(f"d{n}_weight"),
                    figures=FiguresIn(
                        dataset=dataset,
                        measure=data[f"d{n}_measure"].strip(),
                        county_column=data[f"d{n}_county_column"].strip(),
                        year_column=(data.get(f"d{n}_year_column") or "").strip(),
                        year=None if year is None else round(year),
                        absent_is_zero=bool(data.get(f"d{n}_zero")),
                    ),
                )
            )

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


class ProjectForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=40)
    title = NormalizedCharField(label=_("title"), max_length=300)
    agency = NormalizedCharField(label=_("executing agency"), max_length=200, required=False)
    cost = PersianFloatField(label=_("cost this year (rials)"), min_value=1)
    start_year = PersianFloatField(label=_("first year"))
    end_year = PersianFloatField(label=_("last year"), required=False)
    progress = PersianFloatField(label=_("physical progress (%)"), min_value=0, max_value=100)
    priority = PersianFloatField(label=_("priority"), min_value=1, max_value=1000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("cost", "start_year", "end_year", "priority"):
            value = data.get(name)
            if value is not None and not float(value).is_integer():
                self.add_error(name, _("Write a whole number."))
        return data

    def to_terms(self, county: County) -> ProjectIn:
        data = self.cleaned_data
        end = data.get("end_year")
        return ProjectIn(
            code=data["code"].strip(),
            title=data["title"],
            county=county,
            cost=round(data["cost"]),
            start_year=round(data["start_year"]),
            end_year=None if end is None else round(end),
            progress=data["progress"],
            priority=round(data["priority"]),
            agency=data.get("agency") or "",
        )
