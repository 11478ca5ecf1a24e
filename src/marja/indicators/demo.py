"""The demo province's 7th Development Plan (1403–1407): goals, indicators computed from
the demo datasets, baselines, targets and a few recorded factors.

Loaded after the demo datasets are published (``marja load-demo``); loading again
updates the definitions and leaves recorded factors and hand-entered values alone.
The targets are demo figures chosen near each baseline, not the plan's legal targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from marja.accounts.models import Organisation
from marja.catalog.models import County, Dataset
from marja.core.text import normalize
from marja.indicators.computation import recompute_all
from marja.indicators.models import Actual, Factor, Goal, Indicator, Plan, Target
from marja.indicators.services import (
    ActualIn,
    FactorIn,
    TargetIn,
    add_factor,
    enter_actual,
    set_target,
)

PLAN_SLUG = "seventh-plan"
CENSUS = "county-population-1395"
#: Monthly data stop mid-1403: sums are taken over whole years only.
WHOLE_YEARS = ["month__lt", "1403/01/01"]


@dataclass(frozen=True)
class Spec:
    goal: str
    code: str
    name_fa: str
    name_en: str
    unit: str
    owner: str
    direction: str
    baseline_year: int
    dataset: str = ""
    measure: str = ""
    period: str = "year"
    county: str = "county"
    filters: list[list[str]] = field(default_factory=list)
    denominator: str = ""
    denominator_measure: str = ""
    denominator_filters: list[list[str]] = field(default_factory=list)
    denominator_period: str = ""
    scale: float = 1.0
    access: str = "public"
    #: {year: value} or {year: (low, high)} for a band; county targets by county code.
    targets: dict[int, Any] = field(default_factory=dict)
    county_targets: dict[str, dict[int, float]] = field(default_factory=dict)
    description_fa: str = ""


GOALS = [
    ("1", "سلامت و درمان همگانی", "Health care for all"),
    ("2", "آب، برق و زیرساخت", "Water, power and infrastructure"),
    ("3", "اقتصاد، اشتغال و تسهیل کسب‌وکار", "Economy, jobs and ease of doing business"),
    ("4", "محیط زیست و ایمنی", "Environment and safety"),
    ("5", "توازن منطقه‌ای و عمران", "Regional balance and development"),
]

SPECS = [
    Spec(
        "1",
        "1.1",
        "تخت فعال بیمارستانی به ازای هر هزار نفر",
        "Active hospital beds per 1,000 people",
        "تخت در هزار نفر",
        "tums",
        "higher",
        1401,
        "hospital-beds",
        "sum:active_beds",
        filters=[["quarter", "1"]],
        denominator=CENSUS,
        denominator_measure="sum:population",
        scale=1000,
        targets={1407: 2.0},
        # The council's county targets: Tehran keeps its lead, the south gets its first beds.
        county_targets={"tehran": {1407: 2.9}, "shahriar": {1407: 1.0}, "varamin": {1407: 0.5}},
    ),
    Spec(
        "1",
        "1.2",
        "ضریب اشغال تخت",
        "Bed occupancy",
        "درصد",
        "tums",
        "band",
        1401,
        "hospital-beds",
        "avg:occupancy",
        targets={1407: (70, 85)},
    ),
    Spec(
        "1",
        "1.3",
        "پوشش واکسیناسیون ام‌ام‌آر",
        "MMR vaccination coverage",
        "درصد",
        "tums",
        "higher",
        1400,
        "vaccination-coverage",
        "sum:vaccinated",
        filters=[["vaccine", "ام‌ام‌آر"]],
        denominator="vaccination-coverage",
        denominator_measure="sum:target_children",
        denominator_filters=[["vaccine", "ام‌ام‌آر"]],
        denominator_period="year",
        scale=100,
        access="internal",
        targets={1407: 99},
    ),
    Spec(
        "1",
        "1.4",
        "مراکز جامع سلامت شهری به ازای صد هزار نفر",
        "Urban health centres per 100,000 people",
        "مرکز در صد هزار نفر",
        "tums",
        "higher",
        1400,
        "health-centres",
        "sum:urban_centres",
        denominator=CENSUS,
        denominator_measure="sum:population",
        scale=100_000,
        targets={1407: 3.0},
    ),
    Spec(
        "1",
        "1.5",
        "خانه‌های بهداشت روستایی",
        "Rural health houses",
        "خانه",
        "tums",
        "higher",
        1400,
        "health-centres",
        "sum:health_houses",
        targets={1407: 320},
    ),
    Spec(
        "2",
        "2.1",
        "مشترکان آب",
        "Water subscribers",
        "مشترک",
        "water-wastewater",
        "higher",
        1398,
        "water-subscribers",
        "sum:subscribers",
        targets={1405: 4_700_000, 1407: 4_900_000},
    ),
    Spec(
        "2",
        "2.2",
        "انشعاب‌های جدید آب",
        "New water connections",
        "انشعاب",
        "water-wastewater",
        "higher",
        1398,
        "water-subscribers",
        "sum:new_connections",
        targets={1407: 130_000},
    ),
    Spec(
        "2",
        "2.3",
        "آب شرب تحویلی سرانه",
        "Drinking water delivered per person",
        "مترمکعب در سال",
        "water-wastewater",
        "lower",
        1400,
        "drinking-water-consumption",
        "sum:water_delivered",
        period="month",
        filters=[WHOLE_YEARS],
        denominator=CENSUS,
        denominator_measure="sum:population",
        scale=1000,
        targets={1407: 65},
    ),
    Spec(
        "2",
        "2.4",
        "مشترکان برق",
        "Electricity subscribers",
        "مشترک",
        "regional-electricity",
        "higher",
        1398,
        "electricity-subscribers",
        "sum:subscribers",
        targets={1407: 6_000_000},
    ),
    Spec(
        "2",
        "2.5",
        "مشترکان خانگی برق به ازای هر هزار نفر",
        "Household electricity subscribers per 1,000 people",
        "مشترک در هزار نفر",
        "regional-electricity",
        "higher",
        1398,
        "electricity-subscribers",
        "sum:subscribers",
        filters=[["use", "خانگی"]],
        denominator=CENSUS,
        denominator_measure="sum:population",
        scale=1000,
        targets={1407: 400},
    ),
    Spec(
        "3",
        "3.1",
        "میانگین مدت صدور مجوز",
        "Average days to issue a permit",
        "روز",
        "industry-mine-trade",
        "lower",
        1401,
        "permits-issued-monthly",
        "avg:average_days",
        period="month",
        filters=[WHOLE_YEARS],
        targets={1407: 7},
    ),
    Spec(
        "3",
        "3.2",
        "مجوزهای صادره",
        "Permits issued",
        "فقره",
        "industry-mine-trade",
        "higher",
        1401,
        "permits-issued-monthly",
        "sum:issued",
        period="month",
        filters=[WHOLE_YEARS],
        targets={1405: 60_000, 1407: 75_000},
    ),
    Spec(
        "3",
        "3.3",
        "سهم مجوزهای صادره با سکوت دستگاه",
        "Share of permits issued by silence",
        "درصد",
        "industry-mine-trade",
        "lower",
        1401,
        "permits-issued-monthly",
        "sum:issued_by_silence",
        period="month",
        filters=[WHOLE_YEARS],
        denominator="permits-issued-monthly",
        denominator_measure="sum:issued",
        denominator_filters=[WHOLE_YEARS],
        denominator_period="month",
        scale=100,
        targets={1407: 1},
    ),
    Spec(
        "3",
        "3.4",
        "شاغلان واحدهای صنعتی",
        "Employees of industrial units",
        "نفر",
        "industry-mine-trade",
        "higher",
        1400,
        "industrial-units",
        "sum:employees",
        access="internal",
        targets={1407: 950_000},
    ),
    Spec(
        "4",
        "4.1",
        "میانگین شاخص کیفیت هوا",
        "Mean air quality index",
        "AQI",
        "environment",
        "lower",
        1402,
        "air-quality-index",
        "avg:aqi",
        period="date",
        targets={1407: 80},
    ),
    Spec(
        "4",
        "4.2",
        "جان‌باختگان تصادفات برون‌شهری",
        "Deaths in road accidents outside cities",
        "نفر",
        "road-maintenance",
        "lower",
        1401,
        "road-accidents",
        "sum:deaths",
        period="month",
        filters=[WHOLE_YEARS],
        access="internal",
        targets={1407: 280},
    ),
    Spec(
        "5",
        "5.1",
        "اعتبارات عمرانی مصوب سرانه",
        "Approved capital credits per person",
        "هزار ریال",
        "mpo",
        "higher",
        1398,
        "capital-credits-by-county",
        "sum:approved",
        denominator=CENSUS,
        denominator_measure="sum:population",
        scale=1000,
        access="internal",
        targets={1407: 2_500},
    ),
    Spec(
        "5",
        "5.2",
        "نرخ بیکاری استان",
        "Unemployment rate of the province",
        "درصد",
        "labour-welfare",
        "lower",
        1400,
        period="",
        county="",
        targets={1407: 7},
        description_fa="از گزارش‌های فصلی مرکز آمار ایران، با پیوند سند هر مقدار (مقادیر نمونه).",
    ),
]

#: Hand-entered values of the manual indicator: year → (value, evidence, Jalali date).
MANUAL_VALUES = {
    "5.2": [
        (1400, 9.4, "https://amar.example.ir/labour/1400", "1401/02/10"),
        (1401, 8.9, "https://amar.example.ir/labour/1401", "1402/02/12"),
        (1402, 8.6, "https://amar.example.ir/labour/1402", "1403/02/15"),
    ],
}

FACTORS = [
    (
        "1.1",
        1402,
        "obstacle",
        "funding",
        "تأخیر در تخصیص اعتبار تجهیز بیمارستان‌های در دست ساخت شهرستان‌های غرب استان.",
        "گزارش پایش طرح‌های عمرانی ۱۴۰۲",
        "mpo",
    ),
    (
        "1.1",
        1402,
        "driver",
        "infrastructure",
        "بهره‌برداری از بخش‌های جدید بیمارستانی در اسلامشهر و ملارد.",
        "",
        "tums",
    ),
    (
        "2.3",
        1402,
        "obstacle",
        "external",
        "خشکسالی و کاهش ذخایر سدهای تأمین‌کنندهٔ آب شرب تهران.",
        "گزارش شرکت آب منطقه‌ای",
        None,
    ),
    (
        "3.1",
        1402,
        "driver",
        "legal",
        "اجرای درگاه ملی مجوزها و صدور با سکوت دستگاه پس از مهلت قانونی.",
        "قانون تسهیل صدور مجوزهای کسب‌وکار",
        "industry-mine-trade",
    ),
    (
        "3.3",
        1402,
        "obstacle",
        "coordination",
        "پاسخ‌ندادن به‌موقع برخی دستگاه‌های استعلام‌شونده.",
        "",
        None,
    ),
    (
        "4.1",
        1402,
        "obstacle",
        "external",
        "وارونگی دما در فصل سرد و فرسودگی ناوگان حمل‌ونقل عمومی.",
        "",
        "environment",
    ),
]


def _dataset(slug: str) -> Dataset | None:
    return Dataset.objects.filter(slug=slug).first() if slug else None


def load_demo_plan() -> Plan:
    """Create or update the demo plan and compute its indicators from the current data."""
    with transaction.atomic():
        plan, _created = Plan.objects.update_or_create(
            slug=PLAN_SLUG,
            defaults={
                "name_fa": "برنامهٔ هفتم پیشرفت — استان تهران",
                "name_en": "The 7th Development Plan — Tehran province",
                "description_fa": (
                    "هدف‌ها و شاخص‌های برنامهٔ هفتم در استان، محاسبه‌شده از داده‌های "
                    "منتشرشدهٔ دستگاه‌ها (نمونهٔ نمایشی)."
                ),
                "start_year": 1403,
                "end_year": 1407,
            },
        )
        goals = {}
        for order, (code, title_fa, title_en) in enumerate(GOALS):
            goals[code], _c = Goal.objects.update_or_create(
                plan=plan,
                code=code,
                defaults={"title_fa": title_fa, "title_en": title_en, "order": order},
            )
        indicators = [_indicator(plan, goals, spec) for spec in SPECS]
    counties = {c.code for c in County.objects.all()}
    for indicator, spec in zip(indicators, SPECS, strict=True):
        for year, goal in spec.targets.items():
            low, high = goal if isinstance(goal, tuple) else (None, None)
            value = None if isinstance(goal, tuple) else float(goal)
            set_target(indicator, TargetIn(year, "", value, low, high), actor=None)
        for county, by_year in spec.county_targets.items():
            if county in counties:
                for year, value in by_year.items():
                    set_target(indicator, TargetIn(year, county, value), actor=None)
        for year, value, evidence, day in MANUAL_VALUES.get(spec.code, []):
            if not Actual.objects.filter(indicator=indicator, year=year, county=None).exists():
                enter_actual(indicator, ActualIn(year, value, evidence, day), actor=None)
    recompute_all([i for i in indicators if i.origin == Indicator.Origin.DATASET])
    _factors(plan)
    return plan


def _indicator(plan: Plan, goals: dict[str, Goal], spec: Spec) -> Indicator:
    dataset = _dataset(spec.dataset)
    denominator = _dataset(spec.denominator)
    indicator, _created = Indicator.objects.update_or_create(
        plan=plan,
        code=spec.code,
        defaults={
            "goal": goals[spec.goal],
            "name_fa": spec.name_fa,
            "name_en": spec.name_en,
            "description_fa": spec.description_fa,
            "unit": spec.unit,
            "owner": Organisation.objects.get(slug=spec.owner),
            "direction": spec.direction,
            "access": spec.access,
            "frequency": "yearly",
            "baseline_year": spec.baseline_year,
            "baseline_value": None,
            "origin": Indicator.Origin.DATASET if dataset else Indicator.Origin.MANUAL,
            "dataset": dataset,
            "measure": spec.measure,
            "filters": spec.filters,
            "period_column": spec.period if dataset else "",
            "county_column": spec.county if dataset else "",
            "denominator_dataset": denominator,
            "denominator_measure": spec.denominator_measure,
            "denominator_filters": spec.denominator_filters,
            "denominator_period_column": spec.denominator_period,
            "denominator_county_column": "county" if denominator else "",
            "scale": spec.scale,
        },
    )
    Target.objects.filter(indicator=indicator).exclude(year__in=list(spec.targets)).filter(
        county__isnull=True
    ).delete()
    return indicator


def _factors(plan: Plan) -> None:
    for code, year, kind, category, description, evidence, responsible in FACTORS:
        indicator = Indicator.objects.get(plan=plan, code=code)
        stored = normalize(description, digits="keep")
        if Factor.objects.filter(indicator=indicator, description=stored).exists():
            continue
        organisation = (
            Organisation.objects.filter(slug=responsible).first() if responsible else None
        )
        add_factor(
            indicator,
            FactorIn(year, kind, category, description, evidence, organisation),
            actor=None,
        )
