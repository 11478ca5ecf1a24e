"""Demo data of planning, budget and the economy: the census, credits, projects, permits."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa

from marja.core.schema import FieldType as T
from marja.core.sources import ReadOptions
from marja.ingest.demo_files.common import (
    DEMO_DIR,
    DemoData,
    Row,
    Writer,
    counties,
    f,
    headers,
    jalali,
    months,
    schema,
    seeded,
    share,
    vary,
    write_json,
    write_parquet,
    write_text,
)

CENSUS_NOTE = (
    "ارقام واقعی سرشماری عمومی نفوس و مسکن ۱۳۹۵ مرکز آمار ایران، به نقل از مقاله‌های "
    "ویکی‌پدیا دربارهٔ شهرستان‌ها. سه رقم اسلامشهر، رباط‌کریم و ورامین از منبعی خوانده "
    "نشده و دقیقاً باقی‌ماندهٔ کل استان (۱۳٬۲۶۷٬۶۳۷) پس از ۱۳ شهرستان دیگر است؛ رقم "
    "فیروزکوه از منبع ضعیف‌تری است؛ خانوار برخی شهرستان‌ها در دست نیست. "
    "Source: Statistical Centre of Iran, 1395 (2016) census, as cited by Wikipedia county "
    "articles; the column «منبع» says where each figure comes from."
)


def census() -> DemoData:
    """The real 1395 census figures of the reference list (CSV, UTF-8, Persian headers)."""
    declared = schema(
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("capital", T.STRING, "مرکز شهرستان", "County seat", required=True),
        f("population", T.INTEGER, "جمعیت", "Population", "نفر", required=True, minimum=0),
        f("households", T.INTEGER, "خانوار", "Households", "خانوار", minimum=0),
        f("source", T.STRING, "منبع", "Source", required=True),
        key=["county"],
    )

    def write(path: Path) -> None:
        rows = [(c.name_fa, c.capital_fa, c.population, c.households, c.source) for c in counties()]
        write_text(path, headers(declared), rows)

    return DemoData("county-population-1395", "سرشماری-۱۳۹۵.csv", declared, write, CENSUS_NOTE)


CHAPTERS = (
    "منابع آب",
    "کشاورزی و منابع طبیعی",
    "آموزش و پرورش",
    "بهداشت و درمان",
    "راه و ترابری",
    "عمران شهری و روستایی",
    "فرهنگ و هنر",
    "تربیت بدنی",
)
CHAPTER_SHARES = (0.16, 0.08, 0.14, 0.12, 0.2, 0.18, 0.06, 0.06)
CREDIT_SHEET = "اعتبارات"
CREDITS_WORKBOOK = "capital-credits.xlsx"


def capital_credit_rows() -> list[Row]:
    """Approved and allocated provincial capital credits (million rials), 1398–1402."""
    rng = seeded("capital-credits-by-county")
    weights = {c.code: share(c) ** 0.6 for c in counties()}
    total_weight = sum(weights.values())
    rows: list[Row] = []
    for year in range(1398, 1403):
        province_total = 4_200_000 * 1.32 ** (year - 1398)
        for c in counties():
            for chapter, part in zip(CHAPTERS, CHAPTER_SHARES, strict=True):
                approved = round(
                    vary(rng, province_total * weights[c.code] / total_weight * part, 0.35), -2
                )
                allocated = round(approved * rng.uniform(0.45, 0.97), -1)
                percent = round(100 * allocated / approved, 1)
                rows.append((year, c.name_fa, chapter, int(approved), int(allocated), percent))
    return rows


def capital_credits() -> DemoData:
    """The shipped two-sheet workbook; the data is on its second sheet."""
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1398, maximum=1402),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("chapter", T.STRING, "فصل", "Chapter", required=True, allowed=CHAPTERS),
        f("approved", T.INTEGER, "اعتبار مصوب", "Approved credit", "میلیون ریال", minimum=0),
        f(
            "allocated",
            T.INTEGER,
            "اعتبار تخصیص‌یافته",
            "Allocated credit",
            "میلیون ریال",
            minimum=0,
        ),
        f(
            "allocation_percent",
            T.NUMBER,
            "درصد تخصیص",
            "Share allocated",
            "درصد",
            minimum=0,
            maximum=100,
        ),
        key=["year", "county", "chapter"],
    )
    return DemoData(
        "capital-credits-by-county",
        "اعتبارات-تملک-۱۳۹۸-۱۴۰۲.xlsx",
        declared,
        _copy_shipped(CREDITS_WORKBOOK),
        options=ReadOptions(sheet=CREDIT_SHEET),
    )


def _copy_shipped(name: str) -> Writer:
    def write(path: Path) -> None:
        shutil.copyfile(DEMO_DIR / name, path)

    return write


PROJECT_KINDS = (
    ("احداث مدرسهٔ ۱۲ کلاسه", "اداره کل نوسازی مدارس", 20_000, 90_000),
    ("تکمیل مرکز جامع سلامت", "دانشگاه علوم پزشکی", 30_000, 150_000),
    ("بهسازی و تعریض محور", "اداره کل راهداری", 50_000, 400_000),
    ("احداث مخزن ذخیرهٔ آب", "شرکت آب و فاضلاب", 40_000, 250_000),
    ("احداث سالن ورزشی چندمنظوره", "اداره کل ورزش و جوانان", 15_000, 80_000),
    ("تکمیل کتابخانهٔ عمومی", "نهاد کتابخانه‌های عمومی", 8_000, 40_000),
    ("احداث پل روگذر", "اداره کل راه و شهرسازی", 60_000, 500_000),
    ("تکمیل شبکهٔ فاضلاب", "شرکت آب و فاضلاب", 80_000, 600_000),
)


def unfinished_projects() -> DemoData:
    """Unfinished projects as a JSON array with Persian keys, booleans and dates."""
    declared = schema(
        f("project_code", T.STRING, "کد طرح", "Project code", required=True, unique=True),
        f("title", T.STRING, "عنوان طرح", "Project", required=True),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("agency", T.STRING, "دستگاه اجرایی", "Executing agency", required=True),
        f("start_year", T.INTEGER, "سال شروع", "Started", minimum=1385, maximum=1403),
        f(
            "physical_progress",
            T.NUMBER,
            "پیشرفت فیزیکی",
            "Physical progress",
            "درصد",
            required=True,
            minimum=0,
            maximum=100,
        ),
        f(
            "credit_needed",
            T.INTEGER,
            "اعتبار مورد نیاز",
            "Credit needed to finish",
            "میلیون ریال",
            minimum=0,
        ),
        f("priority", T.BOOLEAN, "اولویت‌دار", "Priority project"),
        f("last_visit", T.JALALI_DATE, "آخرین بازدید", "Last site visit"),
        f("updated_at", T.DATETIME, "زمان به‌روزرسانی", "Updated at"),
        key=["project_code"],
    )

    def write(path: Path) -> None:
        rng = seeded("unfinished-projects")
        rows: list[Row] = []
        for number in range(1, 121):
            c = rng.choices(counties(), weights=[share(x) ** 0.5 for x in counties()])[0]
            title, agency, low, high = rng.choice(PROJECT_KINDS)
            start = rng.randint(1388, 1401)
            progress = round(rng.uniform(4, 97), 1)
            needed = round(rng.uniform(low, high) * (1 - progress / 100) * 1.3 ** (1403 - start))
            visit = jalali(1403, rng.randint(1, 6), rng.randint(1, 30))
            stamp = f"2024-{rng.randint(4, 9):02d}-{rng.randint(1, 28):02d} {rng.randint(8, 16):02d}:{rng.choice(('00', '30'))}"  # noqa: E501
            rows.append(
                (
                    f"T{start}-{number:03d}",
                    f"{title} {c.capital_fa}",
                    c.name_fa,
                    agency,
                    start,
                    progress,
                    needed,
                    progress >= 70 or rng.random() < 0.15,
                    visit,
                    stamp,
                )
            )
        write_json(path, headers(declared), rows, lines=False)

    return DemoData("unfinished-projects", "طرح-های-نیمه-تمام.json", declared, write)


def municipal_revenue() -> DemoData:
    """Tehran Municipality by district and year, as a JSON array (billion rials)."""
    amount: dict[str, Any] = {"unit": "میلیارد ریال", "minimum": 0, "required": True}
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1397, maximum=1402),
        f("district", T.INTEGER, "منطقه", "District", required=True, minimum=1, maximum=22),
        f("sustainable_revenue", T.INTEGER, "درآمد پایدار", "Sustainable revenue", **amount),
        f("one_off_revenue", T.INTEGER, "درآمد ناپایدار", "One-off revenue", **amount),
        f("current_spending", T.INTEGER, "هزینهٔ جاری", "Current expenditure", **amount),
        f("capital_spending", T.INTEGER, "هزینهٔ عمرانی", "Capital expenditure", **amount),
        key=["year", "district"],
    )

    def write(path: Path) -> None:
        rng = seeded("tehran-municipal-revenue")
        weights = [rng.uniform(0.5, 1.2) * (2.2 if d in (1, 2, 3, 6) else 1) for d in range(1, 23)]
        rows: list[Row] = []
        for year in range(1397, 1403):
            total = 170_000 * 1.35 ** (year - 1397)
            sustainable_part = 0.3 + 0.03 * (year - 1397)
            for district, weight in enumerate(weights, start=1):
                revenue = vary(rng, total * weight / sum(weights))
                current = vary(rng, revenue * 0.45)
                rows.append(
                    (
                        year,
                        district,
                        round(revenue * sustainable_part),
                        round(revenue * (1 - sustainable_part)),
                        round(current),
                        round(vary(rng, revenue * 0.5)),
                    )
                )
        write_json(path, headers(declared), rows, lines=False)

    return DemoData("tehran-municipal-revenue", "tehran-municipality-revenue.json", declared, write)


PERMIT_TYPES = (
    ("جواز تأسیس", 6, 18.0),
    ("پروانه بهره‌برداری", 4, 35.0),
    ("پروانه کسب", 40, 9.0),
    ("کارت بازرگانی", 5, 12.0),
)


def permits_issued() -> DemoData:
    """Permits issued per month (CSV, UTF-8, Latin Jalali dates 1401/01/01)."""
    declared = schema(
        f("month", T.JALALI_DATE, "ماه", "Month", required=True),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f(
            "permit_type",
            T.STRING,
            "نوع مجوز",
            "Permit",
            required=True,
            allowed=[p[0] for p in PERMIT_TYPES],
        ),
        f("issued", T.INTEGER, "مجوزهای صادره", "Permits issued", "فقره", minimum=0),
        f(
            "issued_by_silence",
            T.INTEGER,
            "صدور با سکوت دستگاه",
            "Issued by silence",
            "فقره",
            minimum=0,
        ),
        f("average_days", T.NUMBER, "میانگین مدت صدور", "Average days to issue", "روز", minimum=0),
        key=["month", "county", "permit_type"],
    )

    def write(path: Path) -> None:
        rng = seeded("permits-issued-monthly")
        rows: list[Row] = []
        for index, (year, month) in enumerate(months((1401, 1), (1403, 6))):
            trend = 1 + 0.02 * index
            for c in counties():
                scale = 3 * share(c) ** 0.8 * 16
                for name, base, days in PERMIT_TYPES:
                    issued = max(0, round(vary(rng, base * scale * trend, 0.3)))
                    silence = round(issued * rng.uniform(0, 0.06 + 0.01 * index / 3))
                    mean_days = round(vary(rng, days * (1 - 0.01 * index), 0.25), 1)
                    rows.append((jalali(year, month), c.name_fa, name, issued, silence, mean_days))
        write_text(path, headers(declared), rows)

    return DemoData("permits-issued-monthly", "مجوزهای-صادره-ماهانه.csv", declared, write)


SECTORS = (
    ("صنایع غذایی و آشامیدنی", 22),
    ("شیمیایی، لاستیک و پلاستیک", 18),
    ("فلزات اساسی و محصولات فلزی", 16),
    ("کانی غیرفلزی", 8),
    ("نساجی و پوشاک", 10),
    ("ماشین‌آلات و تجهیزات", 14),
    ("برق و الکترونیک", 12),
)
INDUSTRIAL = {"shahriar": 2.2, "eslamshahr": 1.8, "robatkarim": 2.6, "qods": 2.0, "malard": 2.0}


def industrial_units() -> DemoData:
    """Operating industrial units, as Parquet with typed columns and English names."""
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1400, maximum=1402),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f(
            "sector",
            T.STRING,
            "گروه صنعت",
            "Industry group",
            required=True,
            allowed=[s[0] for s in SECTORS],
        ),
        f("units", T.INTEGER, "واحدهای فعال", "Operating units", "واحد", minimum=0),
        f("employees", T.INTEGER, "شاغلان", "Employees", "نفر", minimum=0),
        f("extracted_on", T.DATE, "تاریخ استخراج (میلادی)", "Extracted on"),
        key=["year", "county", "sector"],
    )

    def write(path: Path) -> None:
        import datetime as dt

        rng = seeded("industrial-units")
        rows: list[Row] = []
        for year in range(1400, 1403):
            extracted = dt.date(year + 622, 3, 20)
            for c in counties():
                factor = INDUSTRIAL.get(c.code, 1.0) * (0.35 if c.code == "tehran" else 1)
                for sector, per_thousand in SECTORS:
                    units = round(vary(rng, c.population / 1000 * per_thousand * factor / 30, 0.3))
                    units = round(units * (1 + 0.04 * (year - 1400)))
                    employees = round(units * vary(rng, 24, 0.4))
                    rows.append((year, c.code, sector, units, employees, extracted))
        types = [pa.int16(), pa.string(), pa.string(), pa.int32(), pa.int64(), pa.date32()]
        write_parquet(path, headers(declared, "name"), rows, types)

    return DemoData("industrial-units", "industrial-units.parquet", declared, write)


def unemployment_insurance() -> DemoData:
    """Semicolon-separated CSV (as Excel saves with some regional settings)."""
    groups = ("18-24", "25-34", "35-44", "45+")
    declared = schema(
        f("month", T.JALALI_DATE, "ماه", "Month", required=True),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("sex", T.STRING, "جنسیت", "Sex", required=True, allowed=["مرد", "زن"]),
        f("age_group", T.STRING, "گروه سنی", "Age group", required=True, allowed=groups),
        f("recipients", T.INTEGER, "مقرری‌بگیران", "Recipients", "نفر", minimum=0),
        f(
            "average_benefit",
            T.INTEGER,
            "میانگین مقرری ماهانه",
            "Average monthly benefit",
            "هزار ریال",
            minimum=0,
        ),
        key=["month", "county", "sex", "age_group"],
    )
    age_parts = (0.18, 0.4, 0.28, 0.14)

    def write(path: Path) -> None:
        rng = seeded("unemployment-insurance")
        rows: list[Row] = []
        for index, (year, month) in enumerate(months((1401, 1), (1403, 7))):
            wave = 1 + 0.08 * ((index % 12) in (9, 10, 11))
            benefit = 75_000 * 1.3 ** (year - 1401)
            for c in counties():
                base = c.population * 0.0042 * wave
                for sex, part in (("مرد", 0.7), ("زن", 0.3)):
                    for group, age in zip(groups, age_parts, strict=True):
                        count = round(vary(rng, base * part * age, 0.2))
                        amount = round(vary(rng, benefit * (0.85 if sex == "زن" else 1), 0.1))
                        rows.append((jalali(year, month), c.name_fa, sex, group, count, amount))
        write_text(path, headers(declared), rows, delimiter=";")

    return DemoData("unemployment-insurance", "بیمه-بیکاری.csv", declared, write)
