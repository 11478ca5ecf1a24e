"""The demo budget: the 1403 provincial capital-assets cycle of Tehran province.

Last year's amounts are the 1402 allocated credits of the demo dataset
``capital-credits-by-county`` (million rials, scaled to rials); the population is the
1395 census. Two scenarios divide the total: a weighted sum of the plan's health,
water and power indicators with manual weights, and TOPSIS with half manual, half entropy weights
and a pace of change; the council (the governor-general, the planning head, four members,
two MPs as observers, per Article 31 of the law of permanent provisions) and
stakeholders are demo accounts. The figures are demo figures, not the province's.
"""

from __future__ import annotations

from django.db import transaction

from marja.accounts.models import Organisation, User
from marja.budget.models import (
    AllocationScenario,
    BudgetCycle,
    CouncilMember,
    Stakeholder,
    StakeholderGroup,
)
from marja.budget.services import (
    CriterionIn,
    CycleIn,
    FiguresIn,
    ProjectIn,
    ScenarioIn,
    add_project,
    create_cycle,
    save_scenario,
)
from marja.catalog.models import County, Dataset
from marja.indicators.models import Actual, Indicator

CYCLE = "capital-1403"
PLAN = "seventh-plan"
MILLION = 1_000_000
#: Criteria: indicator code, criterion code, direction, manual weight.
CRITERIA = [
    ("1.1", "beds", "lower", 0.30),
    ("1.4", "health-centres", "lower", 0.20),
    ("2.3", "water", "lower", 0.25),
    ("2.5", "power", "lower", 0.25),
]
#: username, role, position.
COUNCIL = [
    ("admin", CouncilMember.Role.CHAIR, "استاندار"),
    ("mpo.editor", CouncilMember.Role.SECRETARY, "رئیس سازمان مدیریت و برنامه‌ریزی"),
    ("council.health", CouncilMember.Role.MEMBER, "رئیس دانشگاه علوم پزشکی"),
    ("council.roads", CouncilMember.Role.MEMBER, "مدیرکل راه و شهرسازی"),
    ("council.water", CouncilMember.Role.MEMBER, "مدیرعامل شرکت آب و فاضلاب"),
    ("council.education", CouncilMember.Role.MEMBER, "مدیرکل آموزش و پرورش"),
    ("mp.varamin", CouncilMember.Role.OBSERVER, "نماینده ورامین"),
]
STAKEHOLDERS = [
    ("mp.varamin", StakeholderGroup.MPS, "varamin"),
    ("council.varamin", StakeholderGroup.ISLAMIC_COUNCILS, "varamin"),
    ("tums.admin", StakeholderGroup.AGENCY_MANAGERS, None),
    ("varamin.viewer", StakeholderGroup.COUNTY_GOVERNORS, "varamin"),
]


def _user(username: str) -> User:
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _latest_year(code: str) -> int | None:
    years = Actual.objects.filter(
        indicator__plan__slug=PLAN, indicator__code=code, county__isnull=False, value__isnull=False
    ).values_list("year", flat=True)
    return max(years, default=None)


def _criteria() -> list[CriterionIn]:
    found = []
    for indicator_code, code, direction, weight in CRITERIA:
        indicator = Indicator.objects.filter(plan__slug=PLAN, code=indicator_code).first()
        year = _latest_year(indicator_code)
        if indicator is None or year is None:
            continue
        found.append(
            CriterionIn(
                code=code,
                name_fa=indicator.name_fa,
                direction=direction,
                weight=weight,
                figures=FiguresIn(indicator=indicator, year=year),
            )
        )
    total = sum(c.weight or 0 for c in found)
    return [CriterionIn(**{**c.__dict__, "weight": (c.weight or 0) / total}) for c in found]


@transaction.atomic
def load_demo_budget() -> BudgetCycle | None:
    """Create the demo cycle, council and scenarios (once); None without demo data."""
    existing = BudgetCycle.objects.filter(slug=CYCLE).first()
    if existing is not None:
        return existing
    credits = Dataset.objects.filter(slug="capital-credits-by-county").first()
    census = Dataset.objects.filter(slug="county-population-1395").first()
    owner = Organisation.objects.filter(slug="mpo").first()
    criteria = _criteria()
    if credits is None or census is None or owner is None or len(criteria) < 2:
        return None
    for username, role, title in COUNCIL:
        CouncilMember.objects.get_or_create(
            user=_user(username), defaults={"role": role, "title_fa": title}
        )
    for username, group, county in STAKEHOLDERS:
        Stakeholder.objects.get_or_create(
            user=_user(username),
            group=group,
            defaults={"county": County.objects.filter(code=county).first() if county else None},
        )
    cycle = create_cycle(
        CycleIn(
            slug=CYCLE,
            year=1403,
            programme_fa="تملک دارایی‌های سرمایه‌ای استانی",
            programme_en="Provincial capital assets",
            total=10_000_000 * MILLION,
            owner=owner,
            description_fa="تقسیم اعتبارات تملک دارایی‌های سرمایه‌ای استان میان شهرستان‌ها.",
            last_year=FiguresIn(
                dataset=credits,
                measure="sum:allocated",
                county_column="county",
                year_column="year",
                year=1402,
                scale=MILLION,
            ),
            population=FiguresIn(dataset=census, measure="sum:population", county_column="county"),
        ),
        actor=None,
    )
    save_scenario(
        cycle,
        ScenarioIn(
            name_fa="جمع وزنی شاخص‌های سلامت، آب و برق",
            name_en="Weighted sum, manual weights",
            criteria=criteria,
            basis="per_capita",
            need_exponent=1.0,
            floor=150_000 * MILLION,
            cap_percent=40,
            change_limit_percent=30,
        ),
        actor=None,
    )
    save_scenario(
        cycle,
        ScenarioIn(
            name_fa="تاپسیس با وزن آمیخته و گام تغییر ۳۰٪",
            name_en="TOPSIS, mixed weights, 30% pace",
            criteria=criteria,
            normalisation="vector",
            method="topsis",
            weighting="mix",
            basis="per_capita",
            pace_percent=30,
            floor=150_000 * MILLION,
            cap_percent=40,
        ),
        actor=None,
    )
    _demo_projects(cycle)
    return cycle


def _demo_projects(cycle: BudgetCycle) -> None:
    """A few projects of Varamin's and Pakdasht's planning committees."""
    projects = [
        ("varamin", "P-V-01", "تکمیل بیمارستان ورامین", 420_000, 1398, 78, 1),
        ("varamin", "P-V-02", "آبرسانی روستاهای جنوب ورامین", 260_000, 1401, 35, 2),
        ("varamin", "P-V-03", "احداث مدرسه ۱۲ کلاسه", 180_000, 1403, 0, 1),
        ("varamin", "P-V-04", "بهسازی راه روستایی", 300_000, 1403, 0, 3),
        ("pakdasht", "P-P-01", "تکمیل مرکز جامع سلامت پاکدشت", 150_000, 1400, 62, 1),
        ("pakdasht", "P-P-02", "شبکه فاضلاب شهر پاکدشت", 900_000, 1402, 12, 2),
        ("pakdasht", "P-P-03", "سالن ورزشی چندمنظوره", 120_000, 1403, 0, 1),
    ]
    for county, code, title, cost, start, progress, priority in projects:
        found = County.objects.filter(code=county).first()
        if found is None:
            continue
        add_project(
            cycle,
            ProjectIn(
                code=code,
                title=title,
                county=found,
                cost=cost * MILLION,
                start_year=start,
                progress=progress,
                priority=priority,
            ),
            actor=None,
        )


def scenarios_of_demo() -> list[AllocationScenario]:
    return list(AllocationScenario.objects.filter(cycle__slug=CYCLE))
