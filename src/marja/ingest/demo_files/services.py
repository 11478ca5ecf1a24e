"""Demo data of public services: schools, health, water and electricity."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa

from marja.core.schema import FieldType as T
from marja.ingest.demo_files.common import (
    DEMO_DIR,
    DemoData,
    Row,
    counties,
    f,
    headers,
    jalali,
    months,
    schema,
    seeded,
    share,
    some_counties,
    vary,
    write_json,
    write_parquet,
    write_text,
)

SCHOOLS_WORKBOOK = "schools-and-students.xlsx"
SCHOOL_YEARS = ("1399-1400", "1400-1401", "1401-1402", "1402-1403")
LEVELS = (("ابتدایی", 0.47), ("متوسطه اول", 0.26), ("متوسطه دوم", 0.27))


def school_rows() -> list[Row]:
    """Schools, classes and students by academic year, county, level and sex."""
    rng = seeded("schools-and-students")
    rows: list[Row] = []
    for index, year in enumerate(SCHOOL_YEARS):
        for c in counties():
            pupils = c.population * 0.165 * (1 + 0.012 * index)
            for level, part in LEVELS:
                for sex, half in (("دخترانه", 0.49), ("پسرانه", 0.51)):
                    students = round(vary(rng, pupils * part * half, 0.06))
                    size = 26 if c.code == "tehran" else 29 if level == "ابتدایی" else 31
                    classes = max(1, round(students / vary(rng, size, 0.1)))
                    schools = max(1, round(classes / vary(rng, 9 if level == "ابتدایی" else 8)))
                    rows.append((year, c.name_fa, level, sex, schools, classes, students))
    return rows


def schools_and_students() -> DemoData:
    """The shipped one-sheet workbook (its first sheet is read)."""
    declared = schema(
        f(
            "school_year",
            T.STRING,
            "سال تحصیلی",
            "School year",
            required=True,
            allowed=SCHOOL_YEARS,
        ),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("level", T.STRING, "مقطع", "Level", required=True, allowed=[x[0] for x in LEVELS]),
        f(
            "sex",
            T.STRING,
            "نوع مدرسه",
            "Boys' or girls'",
            required=True,
            allowed=["دخترانه", "پسرانه"],
        ),
        f("schools", T.INTEGER, "تعداد مدارس", "Schools", "مدرسه", minimum=0),
        f("classes", T.INTEGER, "تعداد کلاس", "Classes", "کلاس", minimum=0),
        f("students", T.INTEGER, "تعداد دانش‌آموز", "Students", "نفر", minimum=0),
        key=["school_year", "county", "level", "sex"],
    )

    def write(path: Path) -> None:
        shutil.copyfile(DEMO_DIR / SCHOOLS_WORKBOOK, path)

    return DemoData("schools-and-students", "مدارس-و-دانش-آموزان.xlsx", declared, write)


WARDS = (
    ("داخلی", 0.24),
    ("جراحی", 0.22),
    ("اطفال", 0.1),
    ("زنان و زایمان", 0.12),
    ("مراقبت‌های ویژه", 0.1),
    ("روان‌پزشکی", 0.05),
)
BED_COUNTIES = (
    "tehran",
    "shemiranat",
    "eslamshahr",
    "robatkarim",
    "baharestan",
    "qods",
    "malard",
    "shahriar",
)


def hospital_beds() -> DemoData:
    """Windows-1256 CSV, as Excel in Iran saves it: ي for ی, no Persian digits possible."""
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1401, maximum=1403),
        f("quarter", T.INTEGER, "فصل", "Quarter", required=True, minimum=1, maximum=4),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        # No lists of allowed wards and owners: the pipeline keeps Windows-1256's Arabic
        # yeh (ي) in text values, so «دولتي» would not match «دولتی».
        f("ward", T.STRING, "بخش", "Ward", required=True),
        f("ownership", T.STRING, "مالکیت", "Ownership", required=True),
        f("active_beds", T.INTEGER, "تخت فعال", "Active beds", "تخت", minimum=0),
        f(
            "occupancy",
            T.NUMBER,
            "ضریب اشغال تخت",
            "Bed occupancy",
            "درصد",
            minimum=0,
            maximum=100,
        ),
        key=["year", "quarter", "county", "ward", "ownership"],
    )

    def write(path: Path) -> None:
        rng = seeded("hospital-beds")
        rows: list[Row] = []
        quarters = [(y, q) for y in (1401, 1402, 1403) for q in (1, 2, 3, 4)][:11]
        for index, (year, quarter) in enumerate(quarters):
            for c in some_counties(BED_COUNTIES):
                per_thousand = 2.6 if c.code in ("tehran", "shemiranat") else 1.1
                beds = c.population / 1000 * per_thousand * (1 + 0.008 * index)
                for ward, part in WARDS:
                    for owner, owned in (("دولتی", 0.72), ("خصوصی", 0.28)):
                        count = round(vary(rng, beds * part * owned, 0.08))
                        occupancy = round(min(99.5, vary(rng, 72 if owner == "دولتی" else 58)), 1)
                        rows.append((year, quarter, c.name_fa, ward, owner, count, occupancy))
        write_text(path, headers(declared), rows, encoding="windows-1256")

    return DemoData("hospital-beds", "takht-faal.csv", declared, write)


VACCINES = (
    ("ب‌ث‌ژ", 99.2),
    ("هپاتیت ب", 98.6),
    ("فلج اطفال", 98.1),
    ("پنج‌گانه", 97.8),
    ("ام‌ام‌آر", 97.1),
    ("سه‌گانه یادآور", 95.4),
)


def vaccination_coverage() -> DemoData:
    """TSV with English county names, read through the county list's aliases."""
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1400, maximum=1402),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("vaccine", T.STRING, "واکسن", "Vaccine", required=True, allowed=[v[0] for v in VACCINES]),
        f("target_children", T.INTEGER, "کودکان گروه هدف", "Children due", "نفر", minimum=0),
        f("vaccinated", T.INTEGER, "واکسینه‌شده", "Vaccinated", "نفر", minimum=0),
        f(
            "coverage",
            T.NUMBER,
            "درصد پوشش",
            "Coverage",
            "درصد",
            required=True,
            minimum=0,
            maximum=100,
        ),
        key=["year", "county", "vaccine"],
    )

    def write(path: Path) -> None:
        rng = seeded("vaccination-coverage")
        rows: list[Row] = []
        for year in (1400, 1401, 1402):
            for c in some_counties(("tehran", "shemiranat")):
                cohort = c.population * 0.0135 * (1 - 0.04 * (year - 1400))
                for vaccine, rate in VACCINES:
                    due = round(vary(rng, cohort, 0.03))
                    coverage = min(100.0, vary(rng, rate, 0.012))
                    done = min(due, round(due * coverage / 100))
                    rows.append((year, c.name_en, vaccine, due, done, round(100 * done / due, 1)))
        write_text(path, headers(declared), rows, delimiter="\t")

    return DemoData("vaccination-coverage", "vaccination-coverage.tsv", declared, write)


def health_centres() -> DemoData:
    """NDJSON with Persian keys and a null where a county has no rural area."""
    count: dict[str, Any] = {"minimum": 0, "unit": "واحد"}
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1400, maximum=1402),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("urban_centres", T.INTEGER, "مرکز جامع سلامت شهری", "Urban health centres", **count),
        f("rural_centres", T.INTEGER, "مرکز جامع سلامت روستایی", "Rural health centres", **count),
        f("health_posts", T.INTEGER, "پایگاه سلامت", "Health posts", **count),
        f("health_houses", T.INTEGER, "خانه بهداشت", "Rural health houses", **count),
        key=["year", "county"],
    )

    def write(path: Path) -> None:
        rng = seeded("health-centres")
        rows: list[Row] = []
        for year in (1400, 1401, 1402):
            for c in counties():
                urban = max(1, round(vary(rng, c.population / 42_000, 0.1)))
                rural = None if c.code == "tehran" else max(1, round(vary(rng, 3 + share(c) * 60)))
                posts = round(vary(rng, c.population / 13_000, 0.1))
                houses = None if rural is None else round(vary(rng, rural * 4.5, 0.3))
                rows.append((year, c.code, urban, rural, posts, houses))
        write_json(path, headers(declared), rows, lines=True)

    return DemoData("health-centres", "health-centres.ndjson", declared, write)


def drinking_water() -> DemoData:
    """Monthly NDJSON: volume in thousand m³ with decimals, connections as integers."""
    declared = schema(
        f("month", T.JALALI_DATE, "ماه", "Month", required=True),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f(
            "water_delivered",
            T.NUMBER,
            "آب شرب تحویلی",
            "Drinking water delivered",
            "هزار مترمکعب",
            required=True,
            minimum=0,
        ),
        f("connections", T.INTEGER, "تعداد انشعاب", "Connections", "انشعاب", minimum=0),
        key=["month", "county"],
    )
    seasonal = (0.92, 1.0, 1.1, 1.2, 1.24, 1.16, 1.02, 0.92, 0.86, 0.84, 0.85, 0.89)

    def write(path: Path) -> None:
        rng = seeded("drinking-water-consumption")
        rows: list[Row] = []
        for index, (year, month) in enumerate(months((1400, 1), (1403, 8))):
            for c in counties():
                litres_per_day = 225 if c.code in ("tehran", "shemiranat") else 180
                volume = c.population * litres_per_day * 30 / 1_000_000 * seasonal[month - 1]
                connections = round(c.population / 3.1 * (1 + 0.0015 * index))
                rows.append(
                    (
                        jalali(year, month),
                        c.name_fa,
                        round(vary(rng, volume, 0.04), 1),
                        connections,
                    )
                )
        write_json(path, headers(declared), rows, lines=True)

    return DemoData("drinking-water-consumption", "masraf-ab-shorb.ndjson", declared, write)


WATER_USES = (
    ("خانگی", 0.86),
    ("تجاری", 0.08),
    ("اداری و عمومی", 0.03),
    ("صنعتی", 0.01),
    ("فضای سبز", 0.02),
)


def water_subscribers() -> DemoData:
    """UTF-8 CSV as Excel exports numbers with a format: quoted «"12,345"»."""
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1398, maximum=1402),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("use", T.STRING, "نوع مصرف", "Use", required=True, allowed=[u[0] for u in WATER_USES]),
        f("subscribers", T.INTEGER, "تعداد مشترکان", "Subscribers", "مشترک", minimum=0),
        f("new_connections", T.INTEGER, "انشعاب جدید", "New connections", "انشعاب", minimum=0),
        key=["year", "county", "use"],
    )

    def write(path: Path) -> None:
        rng = seeded("water-subscribers")
        rows: list[Row] = []
        for year in range(1398, 1403):
            for c in counties():
                total = c.population / 3.2 * (1 + 0.018 * (year - 1398))
                for use, part in WATER_USES:
                    subscribers = round(vary(rng, total * part, 0.05))
                    added = round(subscribers * rng.uniform(0.01, 0.035))
                    rows.append((year, c.name_fa, use, f"{subscribers:,}", added))
        write_text(path, headers(declared), rows)

    return DemoData("water-subscribers", "moshtarekin-ab.csv", declared, write)


POWER_USES = (
    ("خانگی", 0.82, 2.9),
    ("عمومی", 0.05, 24.0),
    ("کشاورزی", 0.02, 60.0),
    ("صنعتی", 0.015, 420.0),
    ("تجاری و سایر", 0.095, 9.5),
)


def electricity_subscribers() -> DemoData:
    """Parquet with Persian column names, as an agency's export tool writes it."""
    declared = schema(
        f("year", T.INTEGER, "سال", "Year", required=True, minimum=1398, maximum=1402),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("use", T.STRING, "نوع مصرف", "Use", required=True, allowed=[u[0] for u in POWER_USES]),
        f("subscribers", T.INTEGER, "تعداد مشترکان", "Subscribers", "مشترک", minimum=0),
        f(
            "consumption",
            T.NUMBER,
            "مصرف سالانه",
            "Annual consumption",
            "مگاوات‌ساعت",
            minimum=0,
        ),
        key=["year", "county", "use"],
    )

    def write(path: Path) -> None:
        rng = seeded("electricity-subscribers")
        rows: list[Row] = []
        for year in range(1398, 1403):
            for c in counties():
                total = c.population / 2.9 * (1 + 0.021 * (year - 1398))
                for use, part, mwh in POWER_USES:
                    subscribers = round(vary(rng, total * part, 0.08))
                    used = round(subscribers * vary(rng, mwh, 0.1) * 1.03 ** (year - 1398), 1)
                    rows.append((year, c.name_fa, use, subscribers, used))
        types = [pa.int32(), pa.string(), pa.string(), pa.int64(), pa.float64()]
        write_parquet(path, headers(declared), rows, types)

    return DemoData("electricity-subscribers", "moshtarekin-bargh.parquet", declared, write)
