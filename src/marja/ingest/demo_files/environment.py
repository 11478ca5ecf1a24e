"""Demo data of roads, air, rain, farms and heritage."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa

from marja.core.jalali import month_length
from marja.core.schema import FieldType as T
from marja.ingest.demo_files.common import (
    DemoData,
    Row,
    counties,
    county,
    days,
    f,
    fa,
    fa_grouped,
    headers,
    jalali,
    months,
    schema,
    seeded,
    some_counties,
    vary,
    write_parquet,
    write_text,
)

ROADS = (
    ("آزادراه تهران–قم", "rey", 1.6),
    ("آزادراه تهران–ساوه", "robatkarim", 1.2),
    ("آزادراه آزادگان", "eslamshahr", 1.3),
    ("جادهٔ قدیم کرج", "qods", 1.0),
    ("آزادراه تهران–پردیس", "pardis", 0.9),
    ("جادهٔ هراز", "damavand", 1.4),
    ("جادهٔ فیروزکوه", "firuzkuh", 1.2),
    ("جادهٔ ورامین", "varamin", 1.0),
    ("جادهٔ خاوران", "pakdasht", 1.1),
    ("جادهٔ پیشوا", "pishva", 0.5),
    ("جادهٔ قرچک", "qarchak", 0.6),
    ("جادهٔ ملارد", "malard", 0.7),
    ("جادهٔ شهریار", "shahriar", 0.8),
    ("جادهٔ لواسان", "shemiranat", 0.6),
    ("جادهٔ نسیم‌شهر", "baharestan", 0.6),
    ("بزرگراه امام رضا", "tehran", 0.9),
)
OUTCOMES = (("فوتی", 0.03), ("جرحی", 0.27), ("خسارتی", 0.7))


def road_accidents() -> DemoData:
    """Parquet with Persian column names; months as Jalali text «1401/01/01»."""
    declared = schema(
        f("month", T.JALALI_DATE, "ماه", "Month", required=True),
        f("road", T.STRING, "محور", "Road", required=True, allowed=[r[0] for r in ROADS]),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f(
            "outcome",
            T.STRING,
            "نوع تصادف",
            "Outcome",
            required=True,
            allowed=[o[0] for o in OUTCOMES],
        ),
        f("accidents", T.INTEGER, "تعداد تصادف", "Accidents", "فقره", minimum=0),
        f("deaths", T.INTEGER, "فوتی", "Deaths", "نفر", minimum=0),
        f("injured", T.INTEGER, "مجروح", "Injured", "نفر", minimum=0),
        key=["month", "road", "outcome"],
    )
    travel = (1.3, 1.0, 0.95, 1.0, 1.1, 1.15, 0.95, 0.9, 0.9, 0.95, 0.95, 1.1)

    def write(path: Path) -> None:
        rng = seeded("road-accidents")
        rows: list[Row] = []
        for year, month in months((1401, 1), (1403, 8)):
            for road, code, traffic in ROADS:
                total = 55 * traffic * travel[month - 1]
                for outcome, part in OUTCOMES:
                    count = max(0, round(vary(rng, total * part, 0.35)))
                    deaths = round(count * rng.uniform(1.0, 1.3)) if outcome == "فوتی" else 0
                    injured = round(count * rng.uniform(1.2, 1.8)) if outcome != "خسارتی" else 0
                    rows.append((jalali(year, month), road, code, outcome, count, deaths, injured))
        types = [pa.string(), pa.string(), pa.string(), pa.string()] + [pa.int32()] * 3
        write_parquet(path, headers(declared), rows, types)

    return DemoData("road-accidents", "تصادفات-برون-شهری.parquet", declared, write)


STATIONS = (
    ("مسعودیه", "tehran", 1.05),
    ("شریف", "tehran", 1.0),
    ("پیروزی", "tehran", 1.1),
    ("شهرری", "rey", 1.2),
    ("تجریش", "shemiranat", 0.8),
    ("اسلامشهر", "eslamshahr", 1.15),
    ("پاکدشت", "pakdasht", 1.05),
    ("ورامین", "varamin", 1.0),
)
POLLUTANTS = ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")


def air_quality() -> DemoData:
    """UTF-8 CSV with a BOM; dates «۱۴۰۲-۰۸-۱۷» and values in Persian digits."""
    declared = schema(
        f("date", T.JALALI_DATE, "تاریخ", "Date", required=True),
        f(
            "station",
            T.STRING,
            "ایستگاه",
            "Station",
            required=True,
            allowed=[s[0] for s in STATIONS],
        ),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f(
            "aqi",
            T.INTEGER,
            "شاخص کیفیت هوا",
            "Air quality index",
            required=True,
            minimum=0,
            maximum=500,
        ),
        f(
            "pm25",
            T.NUMBER,
            "ذرات معلق کوچکتر از ۲٫۵ میکرون",
            "PM2.5",
            "میکروگرم بر مترمکعب",
            minimum=0,
        ),
        f("dominant", T.STRING, "آلایندهٔ مسئول", "Dominant pollutant", allowed=POLLUTANTS),
        key=["date", "station"],
    )

    def write(path: Path) -> None:
        rng = seeded("air-quality-index")
        rows: list[Row] = []
        for n, (year, month, day) in enumerate(days((1402, 1, 1), (1403, 9, 3))):
            # Worst in early winter (Azar–Dey), best in spring; some bad days in a row.
            winter = 0.5 + 0.5 * math.cos(2 * math.pi * (n % 365 - 270) / 365)
            spell = 1 + 0.6 * max(0.0, math.sin(n / 4.3)) * winter
            for station, code, level in STATIONS:
                pm25 = max(4.0, vary(rng, (14 + 26 * winter) * level * spell, 0.3))
                aqi = min(500, round(pm25 * 2.6 + rng.uniform(5, 25)))
                dominant = "PM2.5" if aqi > 80 else rng.choice(("PM10", "O3", "PM2.5", "NO2"))
                rows.append(
                    (
                        jalali(year, month, day, sep="-", persian=True),
                        station,
                        county(code).name_fa,
                        fa(aqi),
                        fa(pm25, 1),
                        dominant,
                    )
                )
        write_text(path, headers(declared), rows, encoding="utf-8-sig")

    return DemoData("air-quality-index", "شاخص-کیفیت-هوا.csv", declared, write)


RAIN_STATIONS = (
    ("مهرآباد", "tehran", 1.0),
    ("ژئوفیزیک", "tehran", 1.2),
    ("شمیران", "shemiranat", 1.7),
    ("فرودگاه امام خمینی", "rey", 0.55),
    ("آبعلی", "damavand", 2.3),
    ("فیروزکوه", "firuzkuh", 1.15),
    ("ورامین", "varamin", 0.6),
    ("شهریار", "shahriar", 0.75),
)
#: Long-run monthly rainfall in Tehran (mm), Farvardin to Esfand, roughly.
RAIN_NORMAL = (36.0, 16.0, 3.0, 2.0, 1.0, 1.0, 6.0, 20.0, 30.0, 34.0, 32.0, 38.0)


def rainfall() -> DemoData:
    """Pipe-separated text, as a station logger exports it; some decimals in Persian."""
    declared = schema(
        f(
            "station",
            T.STRING,
            "ایستگاه",
            "Station",
            required=True,
            allowed=[s[0] for s in RAIN_STATIONS],
        ),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("month", T.JALALI_DATE, "ماه", "Month", required=True),
        f("rainfall", T.NUMBER, "بارندگی", "Rainfall", "میلی‌متر", required=True, minimum=0),
        f("rainy_days", T.INTEGER, "روزهای بارانی", "Rainy days", "روز", minimum=0, maximum=31),
        key=["station", "month"],
    )

    def write(path: Path) -> None:
        rng = seeded("rainfall-monthly")
        rows: list[Row] = []
        for year, month in months((1398, 7), (1403, 6)):
            wetness = rng.uniform(0.3, 1.9)
            for station, code, level in RAIN_STATIONS:
                amount = max(0.0, RAIN_NORMAL[month - 1] * level * wetness * rng.uniform(0.6, 1.4))
                rainy = min(month_length(year, month), round(amount / 5.5 + rng.uniform(0, 2)))
                text = fa(amount, 1) if rng.random() < 0.3 else f"{amount:.1f}"
                rows.append((station, county(code).name_en, jalali(year, month), text, rainy))
        write_text(path, headers(declared), rows, delimiter="|")

    return DemoData("rainfall-monthly", "rainfall-stations.txt", declared, write)


CROPS = (
    # name, irrigated yield (kg/ha), rain-fed yield (kg/ha) or 0, area per county (ha)
    ("گندم", 5200, 1100, 9000),
    ("جو", 4300, 900, 6000),
    ("ذرت علوفه‌ای", 52000, 0, 2500),
    ("یونجه", 11000, 0, 2200),
    ("گوجه‌فرنگی", 48000, 0, 700),
    ("پنبه", 2900, 0, 900),
)
CROP_COUNTIES = {
    "varamin": 2.2,
    "pakdasht": 1.0,
    "pishva": 1.1,
    "qarchak": 0.5,
    "damavand": 0.6,
    "firuzkuh": 0.7,
    "shahriar": 0.8,
    "malard": 0.9,
    "robatkarim": 1.0,
}
CROP_YEARS = ("1398-1399", "1399-1400", "1400-1401", "1401-1402")


def crop_production() -> DemoData:
    """TSV in Persian digits throughout, production grouped as «۱۲٬۳۴۵»."""
    declared = schema(
        f("crop_year", T.STRING, "سال زراعی", "Crop year", required=True, allowed=CROP_YEARS),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("crop", T.STRING, "محصول", "Crop", required=True, allowed=[c[0] for c in CROPS]),
        f("farming", T.STRING, "نوع کشت", "Farming", required=True, allowed=["آبی", "دیم"]),
        f("area", T.NUMBER, "سطح زیر کشت", "Area", "هکتار", required=True, minimum=0),
        f("yield_per_ha", T.INTEGER, "عملکرد در هکتار", "Yield", "کیلوگرم در هکتار", minimum=0),
        f("production", T.INTEGER, "تولید", "Production", "تن", required=True, minimum=0),
        key=["crop_year", "county", "crop", "farming"],
    )

    def write(path: Path) -> None:
        rng = seeded("crop-production")
        rows: list[Row] = []
        for index, crop_year in enumerate(CROP_YEARS):
            drought = (1.0, 0.82, 0.9, 0.86)[index]
            for c in some_counties(CROP_COUNTIES):
                weight = CROP_COUNTIES[c.code]
                for crop, irrigated, rainfed, area in CROPS:
                    kinds = [("آبی", irrigated, 1.0)]
                    if rainfed and c.code in ("damavand", "firuzkuh", "varamin", "pakdasht"):
                        kinds.append(("دیم", rainfed, 0.6))
                    for farming, per_ha, part in kinds:
                        hectares = round(vary(rng, area * weight * part, 0.25), 1)
                        made = round(vary(rng, per_ha * drought, 0.12))
                        tonnes = round(hectares * made / 1000)
                        rows.append(
                            (
                                crop_year,
                                c.name_fa,
                                crop,
                                farming,
                                fa(hectares),
                                fa(made),
                                fa_grouped(tonnes),
                            )
                        )
        write_text(path, headers(declared), rows, delimiter="\t")

    return DemoData("crop-production", "tolid-zeraat.tsv", declared, write)


ERAS = (
    "پیش از تاریخ",
    "اشکانی",
    "ساسانی",
    "سده‌های نخستین اسلامی",
    "سلجوقی",
    "ایلخانی",
    "صفوی",
    "قاجار",
    "پهلوی",
)
#: Kind, the words a site's name starts with, and the eras such a site may date from.
SITE_KINDS = (
    ("بنا", ("کاروانسرای", "حمام تاریخی", "مسجد جامع", "آب‌انبار", "امامزاده", "برج"), ERAS[4:]),
    ("محوطه", ("محوطهٔ تاریخی", "قلعهٔ"), ERAS[1:7]),
    ("تپه باستانی", ("تپهٔ باستانی",), ERAS[:3]),
    ("بافت تاریخی", ("بافت تاریخی",), ERAS[6:]),
    ("اثر طبیعی", ("چنار کهنسال", "چشمهٔ"), ()),
)


def heritage_sites() -> DemoData:
    """UTF-8 CSV with a BOM; registration dates «1352/06/12»; yes/no as «بله»/«خیر»."""
    declared = schema(
        f(
            "registration_number",
            T.INTEGER,
            "شماره ثبت",
            "Registration number",
            required=True,
            unique=True,
            minimum=1,
        ),
        f("name", T.STRING, "نام اثر", "Site", required=True),
        f("kind", T.STRING, "نوع اثر", "Kind", required=True, allowed=[k[0] for k in SITE_KINDS]),
        f("era", T.STRING, "دوره", "Era", allowed=ERAS),
        f("county", T.COUNTY, "شهرستان", "County", required=True),
        f("registered_on", T.JALALI_DATE, "تاریخ ثبت", "Registered on", required=True),
        f("world_heritage", T.BOOLEAN, "ثبت جهانی", "World heritage"),
        key=["registration_number"],
    )

    def write(path: Path) -> None:
        rng = seeded("registered-heritage-sites")
        numbers = sorted(rng.sample(range(20, 32_000), 160))
        rows: list[Row] = []
        named: dict[str, int] = {}
        for number in numbers:
            year = 1310 + round((number / 32_000) ** 0.6 * 92)
            month = rng.randint(1, 12)
            day = rng.randint(1, month_length(year, month))
            c = rng.choices(
                counties(), weights=[5 if x.code == "tehran" else 1 for x in counties()]
            )[0]
            kind, words, eras = rng.choice(SITE_KINDS)
            base = f"{rng.choice(words)} {c.capital_fa}"
            named[base] = named.get(base, 0) + 1
            name = base if named[base] == 1 else f"{base} {fa(named[base])}"
            era = rng.choice(eras) if eras else None
            world = "بله" if kind == "بنا" and rng.random() < 0.03 else "خیر"
            rows.append((number, name, kind, era, c.name_fa, jalali(year, month, day), world))
        write_text(path, headers(declared), rows, encoding="utf-8-sig")

    return DemoData("registered-heritage-sites", "آثار-ثبت-ملی.csv", declared, write)
