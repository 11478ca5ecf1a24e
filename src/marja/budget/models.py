"""Budget cycles, their allocation scenarios, consultation, the council's decision.

A cycle is one Jalali year's programme (e.g. provincial capital assets) with a total in
rials. Scenarios compute a needs-based allocation among the counties from published
data (criteria), under rules the council can read. A scenario is opened to named
stakeholder groups for comments, then voted on in a recorded council session; the
adopted one becomes the cycle's :class:`FinalAllocation`, which never changes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marja.accounts.models import Organisation
from marja.catalog.models import County, Dataset
from marja.common.language import in_request_language
from marja.common.validators import validate_identifier, validate_plain_text
from marja.indicators.models import Indicator

FIRST_YEAR, LAST_YEAR = 1300, 1500


class CountyFigures(models.Model):
    """Where one figure per county comes from: an indicator's actuals for a year, or an
    aggregate (``sum:population``) of a dataset's current version grouped by its
    county column, optionally for one year; times ``scale`` (1,000,000 turns million
    rials into rials)."""

    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    measure = models.CharField(_("measure"), max_length=120, blank=True)
    county_column = models.CharField(_("county column"), max_length=63, blank=True)
    year_column = models.CharField(_("year column"), max_length=63, blank=True)
    #: The indicator's year, or the dataset rows' year (None: every row).
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    #: Further filters as the API takes them: [[key, value], …].
    filters = models.JSONField(_("filters"), default=list, blank=True)
    scale = models.FloatField(_("scale"), default=1.0)
    #: A register (hospitals, schools): a county with no rows has none, so a sum or a
    #: count is 0 there rather than missing.
    absent_is_zero = models.BooleanField(_("a county without rows has zero"), default=False)

    class Meta:
        verbose_name = _("county figures")
        verbose_name_plural = _("county figures")
        constraints = [
            models.CheckConstraint(
                condition=(Q(indicator__isnull=False) & Q(dataset__isnull=True))
                | (Q(indicator__isnull=True) & Q(dataset__isnull=False)),
                name="county_figures_one_source",
            )
        ]

    def __str__(self) -> str:
        if self.indicator_id:
            return f"{self.indicator} ({self.year})"
        return f"{self.dataset_id}: {self.measure} by {self.county_column}"

    def describe(self) -> dict[str, Any]:
        if self.indicator is not None:
            return {
                "indicator": self.indicator.code,
                "plan": self.indicator.plan.slug,
                "year": self.year,
            }
        return {
            "dataset": self.dataset.slug if self.dataset else None,
            "measure": self.measure,
            "county_column": self.county_column,
            "year_column": self.year_column or None,
            "year": self.year,
            "filters": self.filters,
            "scale": self.scale,
            "absent_is_zero": self.absent_is_zero,
        }


class BudgetCycle(models.Model):
    """One year's budget of a programme, to be divided among the counties."""

    slug = models.SlugField(
        _("identifier"), max_length=60, unique=True, validators=[validate_identifier]
    )
    year = models.PositiveSmallIntegerField(_("Jalali year"))
    programme_fa = models.CharField(
        _("programme (Persian)"), max_length=200, validators=[validate_plain_text]
    )
    programme_en = models.CharField(
        _("programme (English)"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    #: The whole amount to divide, in rials.
    total = models.PositiveBigIntegerField(_("total (rials)"))
    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    last_year = models.ForeignKey(
        CountyFigures,
        verbose_name=_("last year's allocation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    population = models.ForeignKey(
        CountyFigures,
        verbose_name=_("population"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    spending = models.ForeignKey(
        CountyFigures,
        verbose_name=_("actual spending"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: Votes needed for a council session to decide (None: a majority of the voting
    #: members at the session's opening).
    quorum = models.PositiveSmallIntegerField(_("quorum"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "slug"]
        verbose_name = _("budget cycle")
        verbose_name_plural = _("budget cycles")
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="budget_cycle_total_positive")
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}"

    @property
    def programme(self) -> str:
        return in_request_language(self.programme_fa, self.programme_en)


class AllocationScenario(models.Model):
    """One way to divide a cycle's total: criteria, weights, method and constraints,
    and the allocation they gave when last computed."""

    class Normalisation(models.TextChoices):
        MIN_MAX = "min_max", _("min–max")
        VECTOR = "vector", _("vector")
        Z_SCORE = "z_score", _("z-score")

    class Method(models.TextChoices):
        WEIGHTED_SUM = "weighted_sum", _("weighted sum")
        TOPSIS = "topsis", _("TOPSIS (distance from development)")

    class Weighting(models.TextChoices):
        MANUAL = "manual", _("manual")
        EQUAL = "equal", _("equal")
        ENTROPY = "entropy", _("Shannon entropy of the data")
        MIX = "mix", _("mix of manual and entropy")

    class Missing(models.TextChoices):
        REFUSE = "refuse", _("refuse the computation")
        MEDIAN = "median", _("fill with the median of the other counties")

    class Basis(models.TextChoices):
        NEED = "need", _("in proportion to need")
        PER_CAPITA = "per_capita", _("per capita, adjusted by need")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        CONSULTATION = "consultation", _("open for comments")
        VOTING = "voting", _("before the council")
        ADOPTED = "adopted", _("adopted")
        NOT_ADOPTED = "not_adopted", _("not adopted")

    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="scenarios")
    number = models.PositiveSmallIntegerField(_("number"))
    name_fa = models.CharField(
        _("name (Persian)"), max_length=200, validators=[validate_plain_text]
    )
    name_en = models.CharField(
        _("name (English)"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    normalisation = models.CharField(
        _("normalisation"), max_length=10, choices=Normalisation.choices, default="min_max"
    )
    method = models.CharField(
        _("method"), max_length=15, choices=Method.choices, default="weighted_sum"
    )
    weighting = models.CharField(
        _("weights"), max_length=10, choices=Weighting.choices, default="manual"
    )
    #: In a mix, the share of the manual weights, in percent.
    mix_percent = models.FloatField(_("manual share of a mix (%)"), default=50)
    missing = models.CharField(
        _("missing values"), max_length=10, choices=Missing.choices, default="refuse"
    )
    basis = models.CharField(_("basis"), max_length=12, choices=Basis.choices, default="need")
    need_exponent = models.FloatField(_("need exponent"), default=1.0)
    base_per_county = models.PositiveBigIntegerField(_("fixed base per county (rials)"), default=0)
    floor = models.PositiveBigIntegerField(_("floor per county (rials)"), default=0)
    cap_percent = models.FloatField(_("cap on any share (%)"), null=True, blank=True)
    change_limit_percent = models.FloatField(
        _("limit on the change against last year (%)"), null=True, blank=True
    )
    pace_percent = models.FloatField(_("pace of change (%)"), null=True, blank=True)
    draws = models.PositiveIntegerField(_("sensitivity draws"), default=1000)
    spread_percent = models.FloatField(_("weight perturbation (±%)"), default=20)
    seed = models.PositiveIntegerField(_("random seed"), default=1403)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.DRAFT
    )
    #: Stakeholder groups invited to comment, and the last day of the consultation.
    consultation_groups = models.JSONField(default=list, blank=True)
    consultation_closes_on = models.DateField(_("comments close on"), null=True, blank=True)
    #: The last computation: the allocation and everything needed to explain it
    #: (marja.budget.computation.Result.to_dict); empty before the first.
    result = models.JSONField(default=dict, blank=True)
    #: Why the last computation was refused ({"code", "params"}); empty when it worked.
    problem = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(_("last computed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "number"]
        verbose_name = _("allocation scenario")
        verbose_name_plural = _("allocation scenarios")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="scenario_number_per_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.cycle.slug} #{self.number} {self.name}"

    @property
    def name(self) -> str:
        return in_request_language(self.name_fa, self.name_en)

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT


class Criterion(models.Model):
    """One measure of need in a scenario, with its direction and weight."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("more need when higher")
        LOWER = "lower", _("more need when lower")

    scenario = models.ForeignKey(
        AllocationScenario, on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.CharField(_("code"), max_length=40, validators=[validate_identifier])
    name_fa = models.CharField(
        _("name (Persian)"), max_length=200, validators=[validate_plain_text]
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    weight = models.FloatField(_("weight"), null=True, blank=True)
    #: A ratio, rate or count: a negative value is an error in the data.
    non_negative = models.BooleanField(_("never negative"), default=True)
    figures = models.ForeignKey(CountyFigures, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scenario", "position", "code"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["scenario", "code"], name="criterion_code_per_scenario")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_fa}"


class StakeholderGroup(models.TextChoices):
    MPS = "mps", _("members of parliament")
    ISLAMIC_COUNCILS = "islamic_councils", _("city and village Islamic councils")
    AGENCY_MANAGERS = "agency_managers", _("agency managers")
    COUNTY_GOVERNORS = "county_governors", _("county governors")


class Stakeholder(models.Model):
    """A user who speaks for a stakeholder group (an MP, a council, a manager)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stakeholder_roles"
    )
    group = models.CharField(_("group"), max_length=20, choices=StakeholderGroup.choices)
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="stakeholder_once_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_group_display()})"


class Comment(models.Model):
    """A stakeholder's comment on a scenario open for consultation."""

    scenario = models.ForeignKey(
        AllocationScenario, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("group"), max_length=20, choices=StakeholderGroup.choices)
    county = models.ForeignKey(
        County, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"), validators=[validate_plain_text])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scenario", "created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.author} on {self.scenario_id}"


class CouncilMember(models.Model):
    """A member of the Provincial Planning and Development Council."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("chair (governor-general)")
        SECRETARY = "secretary", _("secretary (head of planning and budget)")
        MEMBER = "member", _("member")
        OBSERVER = "observer", _("observer (no vote)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="council_seat"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default="member")
    title_fa = models.CharField(
        _("position (Persian)"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["role", "user__username"]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def votes(self) -> bool:
        return self.active and self.role != self.Role.OBSERVER


class CouncilSession(models.Model):
    """A recorded council session that votes on one scenario."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _("adopted")
        NOT_ADOPTED = "not_adopted", _("not adopted")
        NO_QUORUM = "no_quorum", _("no quorum")

    scenario = models.ForeignKey(
        AllocationScenario, on_delete=models.PROTECT, related_name="sessions"
    )
    quorum = models.PositiveSmallIntegerField(_("quorum"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    #: {"for": n, "against": n, "abstain": n} when closed.
    tally = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("council session")
        verbose_name_plural = _("council sessions")

    def __str__(self) -> str:
        return f"session {self.pk} on {self.scenario_id}"

    @property
    def open(self) -> bool:
        return self.closed_at is None


class Vote(models.Model):
    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstain")

    session = models.ForeignKey(CouncilSession, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=8, choices=Choice.choices)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "cast_at"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="one_vote_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.choice}"


class FinalAllocationChangeError(Exception):
    """A final allocation is never changed or deleted."""


class FinalAllocation(models.Model):
    """The adopted allocation of a cycle: immutable, digested into the ledger."""

    cycle = models.OneToOneField(BudgetCycle, on_delete=models.PROTECT, related_name="final")
    scenario = models.OneToOneField(
        AllocationScenario, on_delete=models.PROTECT, related_name="final"
    )
    session = models.OneToOneField(CouncilSession, on_delete=models.PROTECT, related_name="+")
    #: [{"county", "amount", "need", "rank", "binding"}], the adopted figures.
    amounts = models.JSONField()
    total = models.PositiveBigIntegerField()
    #: SHA-256 of the canonical JSON of the cycle, scenario, amounts and result.
    digest = models.CharField(max_length=64)
    adopted_at = models.DateTimeField(auto_now_add=True)
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("final allocation")
        verbose_name_plural = _("final allocations")

    def __str__(self) -> str:
        return f"final {self.cycle_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("publishing", False):
            raise FinalAllocationChangeError(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FinalAllocationChangeError(self.pk)


class Project(models.Model):
    """A county planning committee's project, funded within the county's amount."""

    cycle = models.ForeignKey(BudgetCycle, on_delete=models.CASCADE, related_name="projects")
    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=40, validators=[validate_plain_text])
    title = models.CharField(_("title"), max_length=300, validators=[validate_plain_text])
    agency = models.CharField(
        _("executing agency"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    #: What it needs from this cycle, in rials.
    cost = models.PositiveBigIntegerField(_("cost this year (rials)"))
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    progress = models.FloatField(_("physical progress (%)"), default=0)
    #: 1 is the committee's first priority.
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)

    class Meta:
        ordering = ["cycle", "county__code", "priority", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="project_code_per_cycle"),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=100), name="project_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def unfinished(self) -> bool:
        """Started and not finished: the county committees' regulation funds these first."""
        return 0 < self.progress < 100
