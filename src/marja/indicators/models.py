"""Development plans → goals → indicators, their targets, actuals and recorded factors.

Periods are Jalali years (the plans are yearly: the 7th plan runs 1403–1407). A row with
no county is the province's. Actuals computed from data keep the dataset versions
(hashes) they came from, so every figure on a page traces back to published data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.catalog.models import County, Dataset
from marja.common.language import in_request_language
from marja.common.validators import validate_identifier, validate_plain_text

#: The Jalali years a plan, baseline or target may name.
FIRST_YEAR, LAST_YEAR = 1300, 1500


class Plan(models.Model):
    """A development plan (e.g. the 7th, 1403–1407), with its progress thresholds."""

    slug = models.SlugField(
        _("identifier"), max_length=60, unique=True, validators=[validate_identifier]
    )
    name_fa = models.CharField(
        _("name (Persian)"), max_length=200, validators=[validate_plain_text]
    )
    name_en = models.CharField(
        _("name (English)"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    #: Ratios of observed to required growth at which "on track" and "needs
    #: acceleration" begin (marja.core.progress.Thresholds).
    on_track = models.FloatField(_("on track from (ratio)"), default=0.95)
    needs_acceleration = models.FloatField(_("needs acceleration from (ratio)"), default=0.60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_year", "slug"]
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="plan_years_in_order"
            ),
            models.CheckConstraint(
                condition=Q(needs_acceleration__gt=0, on_track__gt=models.F("needs_acceleration")),
                name="plan_thresholds_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_request_language(self.name_fa, self.name_en)


class Goal(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    code = models.CharField(_("code"), max_length=20, validators=[validate_plain_text])
    title_fa = models.CharField(
        _("title (Persian)"), max_length=300, validators=[validate_plain_text]
    )
    title_en = models.CharField(
        _("title (English)"), max_length=300, blank=True, validators=[validate_plain_text]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "order", "code"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="goal_code_per_plan")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return in_request_language(self.title_fa, self.title_en)


class Indicator(models.Model):
    """What is measured, toward what, and how it is computed from published data."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")
        BAND = "band", _("within a target band")

    class Access(models.TextChoices):
        PUBLIC = "public", _("public")
        INTERNAL = "internal", _("government users")

    class Origin(models.TextChoices):
        DATASET = "dataset", _("computed from a dataset")
        MANUAL = "manual", _("entered by hand with evidence")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=30, validators=[validate_plain_text])
    name_fa = models.CharField(
        _("name (Persian)"), max_length=300, validators=[validate_plain_text]
    )
    name_en = models.CharField(
        _("name (English)"), max_length=300, blank=True, validators=[validate_plain_text]
    )
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    unit = models.CharField(_("unit"), max_length=60, blank=True, validators=[validate_plain_text])
    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="indicators"
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    frequency = models.CharField(
        _("frequency"), max_length=12, choices=Dataset.Frequency.choices, default="yearly"
    )
    access = models.CharField(
        _("access"), max_length=10, choices=Access.choices, default=Access.PUBLIC
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    #: None: the computed actual of the baseline year is the baseline.
    baseline_value = models.FloatField(_("baseline value"), null=True, blank=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    # The measure (origin "dataset"): an aggregate such as "sum:beds" of a dataset,
    # optionally filtered ([[key, value], …] as the API's filters), by year and county,
    # optionally scale × its ratio to an aggregate of a second dataset.
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators"
    )
    measure = models.CharField(_("measure"), max_length=120, blank=True)
    filters = models.JSONField(_("filters"), default=list, blank=True)
    period_column = models.CharField(_("year column"), max_length=63, blank=True)
    county_column = models.CharField(_("county column"), max_length=63, blank=True)
    denominator_dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    denominator_measure = models.CharField(_("denominator"), max_length=120, blank=True)
    denominator_filters = models.JSONField(_("denominator filters"), default=list, blank=True)
    denominator_period_column = models.CharField(
        _("denominator year column"), max_length=63, blank=True
    )
    denominator_county_column = models.CharField(
        _("denominator county column"), max_length=63, blank=True
    )
    scale = models.FloatField(_("scale"), default=1.0)
    computed_at = models.DateTimeField(_("last computed"), null=True, blank=True)
    #: Why the last computation failed ({"code", "params"}); empty when it worked.
    computation_error = models.JSONField(default=dict, blank=True)
    #: What the last computation left out (unknown counties, periods that are not years).
    computation_warnings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["plan", "goal__order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicator_code_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return in_request_language(self.name_fa, self.name_en)


def _per_county(model: str) -> list[models.BaseConstraint]:
    """One row per indicator, year and county, and one for the province (no county):
    two partial unique indexes, as NULLs are distinct in a plain one."""
    return [
        models.UniqueConstraint(
            fields=["indicator", "year"],
            condition=Q(county__isnull=True),
            name=f"{model}_one_province_row",
        ),
        models.UniqueConstraint(
            fields=["indicator", "year", "county"],
            condition=Q(county__isnull=False),
            name=f"{model}_one_county_row",
        ),
    ]


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.FloatField(_("target"), null=True, blank=True)
    low = models.FloatField(_("band: lowest"), null=True, blank=True)
    high = models.FloatField(_("band: highest"), null=True, blank=True)

    class Meta:
        ordering = ["indicator", "year", "county__code"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = _per_county("target")

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year} {self.county_id or 'province'}"


class Actual(models.Model):
    """A value of an indicator for a year (and county): computed, or entered by hand."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="actuals")
    year = models.PositiveSmallIntegerField(_("year"))
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: None when it could not be computed (``note`` says why: a zero denominator…).
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    note = models.CharField(max_length=40, blank=True)
    #: [{"dataset", "version", "sha256"}]: the versions the value came from.
    sources = models.JSONField(_("sources"), default=list, blank=True)
    evidence_url = models.URLField(_("evidence"), max_length=500, blank=True)
    #: The day a hand-entered value was measured or reported (its evidence's date).
    measured_on = models.DateField(_("measured on"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    computed_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        ordering = ["indicator", "year", "county__code"]
        verbose_name = _("actual value")
        verbose_name_plural = _("actual values")
        constraints = _per_county("actual")

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year} {self.county_id or 'province'}: {self.value}"


class Factor(models.Model):
    """A driver or an obstacle a manager recorded against an indicator and a year."""

    class Kind(models.TextChoices):
        DRIVER = "driver", _("driver")
        OBSTACLE = "obstacle", _("obstacle")

    class Category(models.TextChoices):
        FUNDING = "funding", _("funding and credits")
        LEGAL = "legal", _("laws and regulations")
        CAPACITY = "capacity", _("staff and capacity")
        INFRASTRUCTURE = "infrastructure", _("infrastructure")
        COORDINATION = "coordination", _("coordination between agencies")
        DATA = "data", _("data and measurement")
        EXTERNAL = "external", _("external conditions")
        OTHER = "other", _("other")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="factors")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), validators=[validate_plain_text])
    evidence = models.CharField(_("evidence"), max_length=500, blank=True)
    responsible = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator", "-year", "kind", "created_at"]
        verbose_name = _("factor")
        verbose_name_plural = _("factors")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.indicator_id} {self.year}"
