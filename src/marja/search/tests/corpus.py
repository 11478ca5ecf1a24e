"""A small catalog written the ways Persian is really typed, and what queries must find.

Titles mix Persian and Arabic letters, ZWNJ, joined and spaced compounds, diacritics,
tatweel and three digit systems on purpose; the queries are typed the other way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marja.accounts.models import Organisation
from marja.catalog.models import County, Dataset, Licence, Theme
from marja.catalog.services import DatasetIn, create_dataset
from marja.core.schema import Schema
from marja.ingest.services import update_schema

ZWNJ = "\u200c"


@dataclass(frozen=True)
class Entry:
    slug: str
    title_fa: str
    title_en: str = ""
    description_fa: str = ""
    publisher: str = "mpo"
    theme: str = "population"
    tags: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    fields: tuple[tuple[str, str, str], ...] = ()
    access: str = Dataset.Access.PUBLIC


CORPUS = (
    Entry("c-libraries", f"کتابخانه{ZWNJ}های عمومی استان", "Public libraries of the province",
          "تعداد کتابخانه، عضو و کتاب امانت داده شده.", "heritage-tourism", "culture-tourism",
          ("کتاب", "فرهنگ"), ("tehran",),
          (("library_count", "تعداد کتابخانه", "Libraries"), ("members", "اعضا", "Members"))),
    Entry("c-insured", f"بیمه{ZWNJ}شدگان تأمین اجتماعی به تفکیک شهرستان",
          "Social security insured persons by county", "بیمه شدگان اصلی و تبعی.",
          "labour-welfare", "economy", ("بیمه",), ("rey", "varamin"),
          (("insured_main", "بیمه‌شدگان اصلی", "Main insured"),)),
    Entry("c-workshops", "کارگاه‌های صنایع کوچک", "Small industry workshops",
          "کارگاه‌های کوچک صنعتی فعال.", "industry-mine-trade", "economy", ("صنعت",)),
    Entry("c-endowments", "مُوَقوفات و اماکن مذهبی", "Endowments and religious places",
          "فهرست موقوفات استان.", "heritage-tourism", "culture-tourism"),
    Entry("c-births-1402", "ولادت و وفات ثبت‌شده ۱۴۰۲", "Registered births and deaths 1402",
          "آمار ولادت و وفات سال ۱۴۰۲ به تفکیک شهرستان.", "governorate", "population",
          ("ثبت احوال",), ("tehran", "pakdasht"),
          (("birth_count", "تعداد ولادت", "Births"), ("death_count", "تعداد وفات", "Deaths"))),
    Entry("c-nowruz-1401", "سفرهای نوروزی 1401", "Nowruz travels 1401",
          "ورود مسافران نوروزی به استان.", "heritage-tourism", "culture-tourism",
          ("گردشگری", "نوروز")),
    Entry("c-food-security", "امنیت غذایی خانوارها", "Household food security",
          "شاخص‌های امنیت غذایی.", "labour-welfare", "economy"),
    Entry("c-covid", "COVID-19 Vaccination doses", "COVID-19 Vaccination doses",
          "Doses given by county and age group.", "tums", "health", ("کرونا",), ("tehran",)),
    Entry("c-schools-girls", "دانش‌آموزان دختر مقطع متوسطه", "Girl students in secondary schools",
          "", "education", "education", ("آموزش",), ("damavand",),
          (("girls_secondary", "دانش آموزان دختر", "Girl students"),)),
    Entry("c-national-ids", "شناسه‌های ملی اشخاص حقوقی", "National IDs of legal persons",
          "", "industry-mine-trade", "economy", (), (),
          (("national_id", "شناسه ملی", "National ID"), ("name", "نام", "Name"))),
    Entry("c-varamin-wells", "چاه‌های کشاورزی دشت ورامین", "Agricultural wells of Varamin plain",
          "چاه‌های مجاز و غیرمجاز.", "agriculture", "agriculture", ("آب", "کشاورزی"), ("varamin",)),
    Entry("c-rey-markets", "بازارچه‌های محلی شهرستان ری", "Local markets of Rey county",
          "", "tehran-municipality", "urban", ("بازار",), ("rey",)),
    Entry("c-eslamshahr-parks", "بوستان‌های اسلام‌شهر", "Parks of Eslamshahr",
          "مساحت و امکانات بوستان‌ها.", "tehran-municipality", "urban", ("فضای سبز",),
          ("eslamshahr",)),
    Entry("c-pakdasht-roads", "راه‌های روستایی پاکدشت", "Rural roads of Pakdasht",
          "طول راه آسفالته و شوسه.", "road-maintenance", "transport", ("راه",), ("pakdasht",)),
    Entry("c-water-quality", "کیفیت آب آشامیدنی", "Drinking water quality",
          "نتایج آزمایش نمونه‌های آب.", "water-wastewater", "water-environment", ("آب",)),
    Entry("c-groundwater-note", "سطح ایستابی چاه‌های مشاهده‌ای", "Observation wells water table",
          "عمق آب زیرزمینی در چاه‌های پیزومتری.", "water-wastewater", "water-environment"),
    Entry("c-primary-care", "مراقبت‌های اولیهٔ سلامت", "Primary health care",
          "خدمات مراقبتهای اولیه در خانه‌های بهداشت.", "tums", "health", ("سلامت",)),
    Entry("c-kindergartens", "مهدکودک‌های دارای مجوز", "Licensed kindergartens",
          "", "labour-welfare", "education", ("کودک",)),
    Entry("c-book-fair", "Tehran International Book Fair visitors",
          "Tehran International Book Fair visitors",
          "بازدیدکنندگان نمایشگاه کتاب.", "heritage-tourism", "culture-tourism", ("کتاب",)),
    Entry("c-restricted-salaries", "حقوق کارکنان دولت", "Government employee salaries",
          "", "mpo", "economy", (), (), (), Dataset.Access.RESTRICTED),
    Entry("c-fire-stations", "ایستگاه‌های آتش‌نشانی", "Fire stations",
          "موقعیت و تجهیزات ایستگاه‌ها.", "tehran-municipality", "urban", ("ایمنی",), ("tehran",)),
    Entry("c-bakeries", "نانوایی‌های یارانه‌ای فیروزکوه", "Subsidised bakeries of Firuzkuh",
          "", "industry-mine-trade", "economy", ("نان",), ("firuzkuh",)),
)  # fmt: skip


def published_dataset(
    slug: str, title_fa: str, *, publisher: str = "mpo", theme: str = "population", **extra: Any
) -> Dataset:
    """A published, yearly, openly licensed dataset made through the catalog's service."""
    data = DatasetIn(
        slug=slug,
        title_fa=title_fa,
        publisher=Organisation.objects.get(slug=publisher),
        theme=Theme.objects.get(slug=theme),
        licence=Licence.objects.get(slug="cc-by-4.0"),
        frequency=Dataset.Frequency.YEARLY,
        status=Dataset.Status.PUBLISHED,
        **extra,
    )
    return create_dataset(data, actor=None)


def load_corpus() -> dict[str, Dataset]:
    """Create the corpus through the catalog's services (after the demo province)."""
    created = {}
    for entry in CORPUS:
        dataset = published_dataset(
            entry.slug,
            entry.title_fa,
            publisher=entry.publisher,
            theme=entry.theme,
            title_en=entry.title_en,
            description_fa=entry.description_fa,
            access=entry.access,
            tags=list(entry.tags),
            counties=list(County.objects.filter(code__in=entry.counties)),
        )
        if entry.fields:
            schema = Schema.from_dict(
                {
                    "fields": [
                        {"name": n, "type": "string", "label_fa": fa, "label_en": en}
                        for n, fa, en in entry.fields
                    ]
                }
            )
            update_schema(dataset, schema, actor=None)
        created[entry.slug] = dataset
    return created


@dataclass(frozen=True)
class Case:
    """``query`` must rank ``first`` within its first ``within`` results (when given),
    and may not return any of ``never``."""

    query: str
    first: str
    never: tuple[str, ...] = field(default=())
    why: str = ""
    within: int = 1


CASES = (
    Case("كتابخانه", "c-libraries", why="Arabic kaf, title with Persian kaf"),
    Case("کتاب‌خانه", "c-libraries", why="ZWNJ in the query, joined in the title"),
    Case("کتاب خانه", "c-libraries", why="a space in the query, joined in the title"),
    Case("کتابخانه های عمومی", "c-libraries", why="ZWNJ in the title, spaces in the query"),
    Case("بيمه شدگان", "c-insured", why="Arabic yeh; a space where the title has ZWNJ"),
    Case("بیمهشدگان", "c-insured", why="joined where the title has ZWNJ"),
    Case("كارگاه", "c-workshops", why="Arabic kaf in the query"),
    Case("كارگاههاي صنايع", "c-workshops", why="Arabic letters, joined plural"),
    Case("موقوفات", "c-endowments", why="the title carries diacritics"),
    Case("مَوقوفات", "c-endowments", why="the query carries diacritics"),
    Case("وفات 1402", "c-births-1402", why="Latin digits, Persian in the title"),
    Case("ولادت ١٤٠٢", "c-births-1402", why="Arabic-Indic digits"),
    Case("نوروزی ۱۴۰۱", "c-nowruz-1401", why="Persian digits, Latin in the title"),
    Case("أمنیت غذایی", "c-food-security", why="alef with hamza"),
    Case("covid", "c-covid", why="case folding"),
    Case("Covid-19", "c-covid", why="hyphenated English"),
    Case("بیمارس", "hospital-beds", why="a prefix, as typed"),
    Case("جمعی", "county-population-1395", why="a prefix of «جمعیت»", within=2),
    Case("hospital beds", "hospital-beds", why="English title"),
    Case("تخت های بیمارستانی", "hospital-beds", why="stop word «های» between"),
    Case("بـیـمـارسـتـان", "hospital-beds", why="tatweel"),
    Case("دانش آموزان دختر", "c-schools-girls", why="a field label; ZWNJ in the title"),
    Case("national_id", "c-national-ids", why="a field name"),
    Case("شناسه ملي", "c-national-ids", why="Arabic yeh in a field label"),
    Case("چاه ورامين", "c-varamin-wells", why="Arabic yeh in a county name"),
    Case("بازارچه ري", "c-rey-markets", why="a two-letter county, Arabic yeh"),
    Case("بوستان اسلامشهر", "c-eslamshahr-parks", why="joined, the title has ZWNJ"),
    Case("بوستان اسلام شهر", "c-eslamshahr-parks", why="spaced, the title has ZWNJ"),
    Case("پاكدشت روستايي", "c-pakdasht-roads", why="Arabic kaf and yeh"),
    Case("مراقبتهای اولیه", "c-primary-care", why="joined, the title has ZWNJ"),
    Case("مهد کودک", "c-kindergartens", why="a space where the title is joined"),
    Case("آتشنشانی", "c-fire-stations", why="joined, the title has ZWNJ"),
    Case("مجوز کسبوکار", "permits-issued-monthly", why="«کسب‌وکار» written joined"),
    Case("نانوایی فيروزکوه", "c-bakeries", why="Arabic yeh in a county"),
    Case("کیفیت آب", "c-water-quality", why="title words outrank description words"),
    Case("جمعیت -۱۳۹۰", "county-population-1395", ("county-population-1390",), "exclusion"),
    Case("جمعیت population", "county-population-1395", why="mixed scripts", within=2),
    Case("book fair", "c-book-fair", why="English words, Persian tag"),
    Case("حقوق کارکنان", "", ("c-restricted-salaries",), "restricted is never found"),
)
