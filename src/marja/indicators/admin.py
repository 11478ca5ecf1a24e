"""The Persian admin where administrators define plans, goals and indicators.

Targets, hand-entered values and factors are shown here but changed only on the
indicator's manage page (or the API), through the services, so every change is checked
as a whole and recorded in the ledger. Saving an indicator recomputes it at once and says
whether its measure works on the current data.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from marja.common.display import digits
from marja.core.query import Filter, Measure, QueryError
from marja.indicators.computation import definition_problem, recompute
from marja.indicators.display import computation_error_text, computation_problem_text
from marja.indicators.models import Actual, Factor, Goal, Indicator, Plan, Target
from marja.query.messages import query_message


class GoalInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Goal
    extra = 1
    fields = ["order", "code", "title_fa", "title_en"]


class PlanForm(forms.ModelForm):  # type: ignore[type-arg]
    """Jalali years in order and thresholds in order, said in words (the database's
    constraints hold them too)."""

    class Meta:
        model = Plan
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin chooses the fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("start_year"), data.get("end_year")
        for name in ("start_year", "end_year"):
            year = data.get(name)
            if year is not None and not 1300 <= year <= 1500:
                self.add_error(name, _("Give a Jalali year, e.g. 1403."))
        if first is not None and last is not None and last < first:
            self.add_error("end_year", _("The last year is before the first year."))
        on_track, slower = data.get("on_track"), data.get("needs_acceleration")
        if on_track is not None and slower is not None and not 0 < slower < on_track <= 2:
            self.add_error(
                "on_track",
                _("The thresholds are ratios with 0 < needs acceleration < on track ≤ 2 "
                  "(Open SDG: 0.6 and 0.95)."),
            )  # fmt: skip
        return data


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = PlanForm
    inlines = [GoalInline]
    list_display = ["name_fa", "slug", "start_year", "end_year", "on_track", "needs_acceleration"]
    search_fields = ["name_fa", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


def _query_problem(exc: QueryError) -> str:
    message, params = query_message(exc)
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return str(message)


class IndicatorForm(forms.ModelForm):  # type: ignore[type-arg]
    """Checks the measure and filters as the computation will read them, and that a
    computed indicator names its dataset, measure and year column."""

    class Meta:
        model = Indicator
        fields = "__all__"  # noqa: DJ007 (the ModelAdmin chooses the fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        plan = data.get("plan")
        if data.get("goal") and plan and data["goal"].plan_id != plan.pk:
            self.add_error("goal", _("The goal belongs to another plan."))
        year = data.get("baseline_year")
        if plan and year is not None and not 1300 <= year <= plan.end_year:
            self.add_error(
                "baseline_year",
                _("Give a Jalali year no later than the plan's last year (%(last)s).")
                % {"last": digits(plan.end_year)},
            )
        if data.get("origin") != Indicator.Origin.DATASET:
            return data
        for name in ("dataset", "measure", "period_column"):
            if not data.get(name):
                self.add_error(name, _("An indicator computed from a dataset needs this."))
        self._check_measure(data, "measure", "filters")
        if data.get("denominator_dataset"):
            if not data.get("denominator_measure"):
                self.add_error("denominator_measure", _("A ratio needs its denominator."))
            self._check_measure(data, "denominator_measure", "denominator_filters")
        if data.get("scale") == 0:
            self.add_error("scale", _("A scale of zero would make every value zero."))
        if not self.errors:
            self._check_on_the_data()
        return data

    def _check_on_the_data(self) -> None:
        """Compute the definition on the current versions, storing nothing: a column that
        is not there is refused here rather than saved and failing in the worker."""
        candidate = self.instance
        for name, value in self.cleaned_data.items():
            if name in {f.name for f in Indicator._meta.concrete_fields}:
                setattr(candidate, name, value)
        problem = definition_problem(candidate)
        if problem is not None:
            self.add_error(None, computation_problem_text(problem))

    def _check_measure(self, data: dict[str, Any], measure: str, filters: str) -> None:
        if data.get(measure):
            try:
                Measure.parse(data[measure])
            except QueryError as exc:
                self.add_error(measure, _query_problem(exc))
        given = data.get(filters) or []
        if not isinstance(given, list) or not all(
            isinstance(f, list) and len(f) == 2 for f in given
        ):
            self.add_error(
                filters, _('Filters are a list of [column, value] pairs: [["year__gte", 1400]].')
            )
            return
        for key, _value in given:
            try:
                Filter.parse(str(key), "")
            except QueryError as exc:
                self.add_error(filters, _query_problem(exc))


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TargetInline(ReadOnlyInline):
    model = Target
    fields = ["year", "county", "value", "low", "high"]
    verbose_name_plural = _("targets (changed on the indicator's manage page, in the ledger)")


class ActualInline(ReadOnlyInline):
    model = Actual
    fields = ["year", "county", "value", "note", "evidence_url", "measured_on"]


class FactorInline(ReadOnlyInline):
    model = Factor
    fields = ["year", "kind", "category", "description", "responsible"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = IndicatorForm
    inlines = [TargetInline, FactorInline, ActualInline]
    list_display = ["code", "name_fa", "plan", "goal", "owner", "origin", "access", "computed_at"]
    list_filter = ["plan", "origin", "access", "direction"]
    search_fields = ["code", "name_fa", "name_en"]
    autocomplete_fields = ["owner", "dataset", "denominator_dataset"]
    readonly_fields = ["computed_at", "computation_error", "computation_warnings"]
    fieldsets = [
        (None, {"fields": ["plan", "goal", "code", "name_fa", "name_en", "description_fa"]}),
        (
            _("What is judged"),
            {
                "fields": [
                    "unit",
                    "owner",
                    "direction",
                    "frequency",
                    "access",
                    "baseline_year",
                    "baseline_value",
                ]
            },
        ),
        (
            _("How it is measured"),
            {
                "fields": [
                    "origin",
                    "dataset",
                    "measure",
                    "filters",
                    "period_column",
                    "county_column",
                    "denominator_dataset",
                    "denominator_measure",
                    "denominator_filters",
                    "denominator_period_column",
                    "denominator_county_column",
                    "scale",
                ]
            },
        ),
        (
            _("Last computation"),
            {"fields": ["computed_at", "computation_error", "computation_warnings"]},
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Indicator, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.origin != Indicator.Origin.DATASET:
            return
        outcome = recompute(obj)
        if outcome.ok:
            self.message_user(
                request,
                _("Computed from the current data: %(n)s values.") % {"n": digits(outcome.actuals)},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, computation_error_text(outcome.error), messages.WARNING)
