"""The demo budget: the 1403 provincial capital-assets cycle of Tehran province.

Two cycles: 1402, decided by the council and published (its spending is the credits
actually released in 1402, from the demo dataset ``capital-credits-by-county``), and
1403, being decided, whose last year's amounts are 1402's final allocation; the
population is the 1395 census. Two scenarios divide the total: a weighted sum of the plan's health,
water and power indicators with manual weights, and TOPSIS with half manual, half entropy weights
and a pace of change; the council (the governor-general, the planning head, four members,
two MPs as observers, per Article 31 of the law of permanent provisions) and
stakeholders are demo accounts. The figures are demo figures, not the province's.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from marja.accounts.models import Organisation, User
from marja.budget.decision import cast_vote, close_session, open_session
from marja.budget.models import (
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


#: Passwords of the demo's council members and stakeholders made in this run.
_created: dict[str, str] = {}


def _user(username: str, title: str = "") -> User:
    """A demo account (a new one gets a random password, written to a private file)."""
    user, created = User.objects.get_or_create(username=username)
    if created:
        password = secrets.token_urlsafe(16)
        user.set_password(password)
        user.first_name = title
        user.save()
        _created[username] = password
    return user


def write_council_credentials(path: Path) -> int:
    """Append the new council and stakeholder accounts' passwords to ``path`` (0600)."""
    if not _created:
        return 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        for username, password in _created.items():
            seat = CouncilMember.objects.filter(user__username=username).first()
            groups = Stakeholder.objects.filter(user__username=username)
            roles = [seat.role] if seat else []
            roles += [g.group for g in groups]
            handle.write(f"{username}\t{password}\t{', '.join(roles)}\n")
    count = len(_created)
    _created.clear()
    return count


def _year_before(code: str, cycle_year: int) -> int | None:
    """The latest year with county values before the cycle's (the needs it is decided
    on), or the earliest there is when none is before."""
    years = set(
        Actual.objects.filter(
            indicator__plan__slug=PLAN,
            indicator__code=code,
            county__isnull=False,
            value__isnull=False,
        ).values_list("year", flat=True)
    )
    before = [y for y in years if y < cycle_year]
    return max(before) if before else min(years, default=None)


def _criteria(cycle_year: int) -> list[CriterionIn]:
    found = []
    for indicator_code, code, direction, weight in CRITERIA:
        indicator = Indicator.objects.filter(plan__slug=PLAN, code=indicator_code).first()
        year = _year_before(indicator_code, cycle_year)
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


def load_demo_budget() -> BudgetCycle | None:
    """Create the demo cycle, council and scenarios (once); None without demo data."""
    existing = BudgetCycle.objects.filter(slug=CYCLE).first()
    if existing is not None:
        return existing
    credits = Dataset.objects.filter(slug="capital-credits-by-county").first()
    census = Dataset.objects.filter(slug="county-population-1395").first()
    owner = Organisation.objects.filter(slug="mpo").first()
    criteria = _criteria(1403)
    if credits is None or census is None or owner is None or len(criteria) < 2:
        return None
    _council()
    _decided_1402(owner, credits, census)
    cycle = _cycle_1403(owner, credits, census, criteria)
    _demo_projects(cycle)
    return cycle


def _council() -> None:
    for username, role, title in COUNCIL:
        CouncilMember.objects.get_or_create(
            user=_user(username, title), defaults={"role": role, "title_fa": title}
        )
    for username, group, county in STAKEHOLDERS:
        Stakeholder.objects.get_or_create(
            user=_user(username),
            group=group,
            defaults={"county": County.objects.filter(code=county).first() if county else None},
        )


def _cycle_1403(
    owner: Organisation, credits: Dataset, census: Dataset, criteria: list[CriterionIn]
) -> BudgetCycle:
    cycle = create_cycle(
        CycleIn(
            slug=CYCLE,
            year=1403,
            programme_fa="تملک دارایی‌های سرمایه‌ای استانی",
            programme_en="Provincial capital assets",
            total=13_500_000 * MILLION,
            owner=owner,
            description_fa="تقسیم اعتبارات تملک دارایی‌های سرمایه‌ای استان میان شهرستان‌ها.",
            last_year=_last_year_1403(credits),
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
            floor=120_000 * MILLION,
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
            floor=120_000 * MILLION,
            cap_percent=40,
        ),
        actor=None,
    )
    return cycle


def _last_year_1403(credits: Dataset) -> FiguresIn:
    """1402's amounts as the council adopted them (the published final allocation); the
    approved credits of the demo workbook when that cycle could not be decided."""
    final = Dataset.objects.filter(slug="budget-capital-1402").first()
    if final is not None and final.versions.exists():
        return FiguresIn(dataset=final, measure="sum:amount_rials", county_column="county")
    return FiguresIn(
        dataset=credits,
        measure="sum:approved",
        county_column="county",
        year_column="year",
        year=1402,
        scale=MILLION,
    )


def _decided_1402(owner: Organisation, credits: Dataset, census: Dataset) -> None:
    """Last year's cycle, decided by the council and published; its spending is the
    credits actually released in 1402, and the plan's indicator 5.3 (released against
    adopted) is computed from the two."""
    approved = sum(_credits_by_county(credits, "approved", 1402).values())
    cycle = create_cycle(
        CycleIn(
            slug="capital-1402",
            year=1402,
            programme_fa="تملک دارایی‌های سرمایه‌ای استانی",
            programme_en="Provincial capital assets",
            total=round(approved),
            owner=owner,
            description_fa=(
                "دورهٔ تصمیم‌گرفته‌شدهٔ سال گذشته؛ هزینه‌کرد واقعی آن را کاربران دستگاه‌ها می‌بینند."
            ),
            last_year=FiguresIn(
                dataset=credits,
                measure="sum:approved",
                county_column="county",
                year_column="year",
                year=1401,
                scale=MILLION,
            ),
            population=FiguresIn(dataset=census, measure="sum:population", county_column="county"),
            spending=FiguresIn(
                dataset=credits,
                measure="sum:allocated",
                county_column="county",
                year_column="year",
                year=1402,
                scale=MILLION,
            ),
        ),
        actor=None,
    )
    scenario = save_scenario(
        cycle,
        ScenarioIn(
            name_fa="سرانهٔ تعدیل‌شده با نیاز، گام ۵۰٪",
            name_en="Per capita by need, 50% pace",
            criteria=_criteria(1402),
            basis="per_capita",
            pace_percent=50,
            floor=100_000 * MILLION,
            cap_percent=45,
        ),
        actor=None,
    )
    if scenario.problem:
        return
    chair = User.objects.get(username="admin")
    session = open_session(scenario, actor=chair)
    votes = {
        "admin": "for",
        "mpo.editor": "for",
        "council.health": "for",
        "council.roads": "for",
        "council.water": "abstain",
        "council.education": "against",
    }
    for username, choice in votes.items():
        cast_vote(session, choice, actor=User.objects.get(username=username))
    close_session(session, actor=chair)
    _execution_indicator()


def _credits_by_county(credits: Dataset, column: str, year: int) -> dict[str, float]:
    from marja.budget.figures import read_figures
    from marja.budget.models import CountyFigures
    from marja.core.query import connect
    from marja.query.selectors import county_aliases

    spec = CountyFigures(
        dataset=credits,
        measure=f"sum:{column}",
        county_column="county",
        year_column="year",
        year=year,
        scale=MILLION,
    )
    con = connect()
    try:
        found = read_figures(spec, con=con, aliases=county_aliases(), label=column)
    finally:
        con.close()
    return found.values


def _execution_indicator() -> None:
    """Indicator 5.3 of the demo plan: credits released per county against the amounts
    the council adopted for 1402 (the published final allocation), in percent."""
    from marja.indicators.computation import recompute
    from marja.indicators.models import Goal, Plan

    plan = Plan.objects.filter(slug=PLAN).first()
    final = Dataset.objects.filter(slug="budget-capital-1402").first()
    credits = Dataset.objects.filter(slug="capital-credits-by-county").first()
    goal = Goal.objects.filter(plan=plan, code="5").first()
    owner = Organisation.objects.filter(slug="mpo").first()
    if plan is None or final is None or credits is None or goal is None or owner is None:
        return
    indicator, _created = Indicator.objects.update_or_create(
        plan=plan,
        code="5.3",
        defaults={
            "goal": goal,
            "name_fa": "تحقق تخصیص اعتبارات مصوب شورا",
            "name_en": "Credits released against the council's allocation",
            "unit": "درصد",
            "owner": owner,
            "direction": Indicator.Direction.HIGHER,
            "baseline_year": 1402,
            "origin": Indicator.Origin.DATASET,
            "dataset": credits,
            "measure": "sum:allocated",
            "period_column": "year",
            "county_column": "county",
            "denominator_dataset": final,
            "denominator_measure": "sum:amount_rials",
            "denominator_period_column": "year",
            "denominator_county_column": "county",
            "scale": 100 * MILLION,
            "description_fa": "اعتبار تخصیص‌یافتهٔ هر شهرستان به مبلغ مصوب شورا در تخصیص نهایی.",
        },
    )
    recompute(indicator)


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
