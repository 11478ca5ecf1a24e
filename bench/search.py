"""Benchmark: full-text search of a 10,000-dataset catalog, on SQLite and on PostgreSQL.

The script runs itself twice as child processes, once per database (a fresh SQLite file
in a temporary folder under ``MARJA_DATA_DIR``; a PostgreSQL database made afresh with
psycopg, ``--postgres-url``, dropped at the end; skipped with the reason printed when no
server answers), with the same seed, so both see the same catalog and the same queries.
Each child:

- setup: loads the demo province (``load_demo``: themes, licences, counties, users), adds
  organisations up to 200 and datasets up to 10,000 with ``bulk_create`` (no signals):
  Persian and English titles made from a subject, one to three of the 16 counties, a year
  and sometimes a breakdown, descriptions, tags, themes, access levels (mostly public),
  statuses, frequencies, a declared schema (``DatasetSchema``) for most and a
  metadata-only latest version (source format, publication date) for many; then times
  ``marja.search.indexing.rebuild()``, which is what `marja reindex` does. On PostgreSQL
  it then runs ANALYZE, as autovacuum would soon after a bulk load (``--no-analyze`` to
  see the plans without statistics, as on a server with autovacuum off);
- latency: 200 mixed requests of ``GET /api/v1/search`` (one, two and three Persian words,
  prefixes as typed, Arabic ي/ك, the three spellings of a compound, Persian digits,
  English, a facet filter with words, sort=title and sort=updated, browsing with no
  words, words that no dataset has together, and a signed-in government user) through
  Django's test ``Client`` (no network, no server), facets on as by default. A short
  warm-up, then up to ``--rounds`` timed passes (fewer when they would take more than
  ``--budget`` seconds; at least one). Prints median and p95 in ms, overall and per kind,
  and each as a multiple of a baseline measured in the same run: ``GET
  /api/v1/datasets/<slug>`` of one dataset (a plain catalog read through the same API
  stack). The issue's goal is p95 under 50 ms; whether it is met is printed. The same
  requests with ``facets=false`` are timed once more, to tell the search from the facet
  counts;
- slow spots: the five slowest requests again, with the SQL they ran (how many
  statements, the time of each, the slowest one and the scans of its plan);
- relevance: a gold set of 300 (query -> expected dataset) pairs made from the catalog:
  a public dataset's subject, county and year typed with a variation (Arabic letters,
  ZWNJ removed or made a space, the other digit system, the county's first letters, the
  English title's words, a field label instead of the subject, the breakdown added, the
  whole title, the subject in the singular). Each query has at most 10 equally good
  answers (datasets of the same subject, year and county; "tied"), so a correct engine
  puts the expected dataset in its first 10. Prints recall@10 (count and %), the mean
  rank of the found ones, MRR@10 next to the MRR of an ideal engine that orders tied
  answers at random, and the five worst queries, so ranking changes are judged by numbers.

At the end the parent prints both databases side by side, and whether both engines gave
the same answers (count, "matched" and first page in order) as they promise. Absolute
times depend on the machine; compare the multiples of the baseline across machines. The
exit status is non-zero only on errors. Run with `make bench`, or alone:
``MARJA_DATA_DIR=/tmp/bench-search .venv/bin/python bench/search.py`` (``--help`` for
the options; ``--databases sqlite`` for one database, ``--keep`` to keep the data).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL: Final = "postgres://postgres@127.0.0.1:5432/marja_bench_search"
ZWNJ: Final = "\u200c"
GOAL_P95_MS: Final = 50.0

# --- the vocabulary ------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    key: str
    #: Spellings of the subject in titles (the first is the usual one).
    title_fa: tuple[str, ...]
    title_en: str
    #: What someone looking for it types.
    words_fa: str
    words_en: str
    theme: str
    tags: tuple[str, ...]
    #: name, type, Persian label, English label
    fields: tuple[tuple[str, str, str, str], ...]
    agency: str


def _s(
    key: str,
    title_fa: str | tuple[str, ...],
    title_en: str,
    words_fa: str,
    words_en: str,
    theme: str,
    tags: tuple[str, ...],
    fields: tuple[tuple[str, str, str, str], ...],
    agency: str,
) -> Subject:
    spellings = (title_fa,) if isinstance(title_fa, str) else title_fa
    return Subject(key, spellings, title_en, words_fa, words_en, theme, tags, fields, agency)


INT, NUM, STR = "integer", "number", "string"
SUBJECTS: Final = (
    _s("population", "جمعیت و خانوار", "Population and households", "جمعیت خانوار",
       "population households", "population", ("جمعیت", "سرشماری"),
       (("population", INT, "جمعیت", "Population"),
        ("households", INT, "تعداد خانوار", "Households")),
       "governorate"),
    _s("births", "ولادت و وفات ثبت‌شده", "Registered births and deaths", "ولادت وفات",
       "births deaths", "population", ("ثبت احوال",),
       (("births", INT, "تعداد ولادت", "Births"), ("deaths", INT, "تعداد وفات", "Deaths")),
       "governorate"),
    _s("marriages", "ازدواج و طلاق", "Marriages and divorces", "ازدواج طلاق",
       "marriages divorces", "population", ("ثبت احوال", "خانواده"),
       (("marriages", INT, "تعداد ازدواج", "Marriages"),
        ("divorces", INT, "تعداد طلاق", "Divorces")),
       "governorate"),
    _s("hospital-beds", "تخت‌های فعال بیمارستان‌ها", "Active hospital beds", "تخت بیمارستان",
       "hospital beds", "health", ("بیمارستان", "درمان"),
       (("hospital", STR, "نام بیمارستان", "Hospital"), ("bed_count", INT, "تعداد تخت", "Beds"),
        ("icu_beds", INT, "تخت مراقبت ویژه", "ICU beds")),
       "health"),
    _s("health-centres", "مراکز جامع خدمات سلامت", "Comprehensive health centres",
       "مراکز سلامت", "health centres", "health", ("بهداشت",),
       (("centre", STR, "نام مرکز", "Centre"), ("staff", INT, "تعداد کارکنان", "Staff")), "health"),
    _s("pharmacies", "داروخانه‌های شبانه‌روزی", "Night pharmacies", "داروخانه شبانه‌روزی",
       "night pharmacies", "health", ("دارو",),
       (("pharmacy", STR, "نام داروخانه", "Pharmacy"), ("address", STR, "نشانی", "Address")),
       "health"),
    _s("vaccination", "پوشش واکسیناسیون کودکان", "Child vaccination coverage",
       "واکسیناسیون کودکان", "child vaccination", "health", ("واکسن", "کودکان"),
       (("vaccine", STR, "نوع واکسن", "Vaccine"), ("coverage", NUM, "درصد پوشش", "Coverage")),
       "health"),
    _s("primary-schools", "مدارس ابتدایی", "Primary schools", "مدارس ابتدایی",
       "primary schools", "education", ("مدرسه",),
       (("school", STR, "نام مدرسه", "School"), ("pupils", INT, "تعداد دانش‌آموز", "Pupils")),
       "education"),
    _s("teachers", "معلمان و کادر آموزشی", "Teachers and teaching staff", "معلمان آموزشی",
       "teachers staff", "education", ("معلم",),
       (("teachers", INT, "تعداد معلم", "Teachers"),
        ("female", INT, "معلمان زن", "Female teachers")),
       "education"),
    _s("secondary-pupils", "دانش‌آموزان دورهٔ متوسطه", "Secondary school pupils",
       "دانش‌آموزان متوسطه", "secondary pupils", "education", ("دانش‌آموز",),
       (("grade", INT, "پایه تحصیلی", "Grade"), ("students", INT, "شمار دانش‌آموزان", "Students")),
       "education"),
    _s("libraries", ("کتابخانه‌های عمومی و اعضا", "کتاب‌خانه‌های عمومی و اعضا"),
       "Public libraries and members", "کتابخانه عمومی", "public libraries",
       "culture-tourism", ("کتابخانه", "کتاب"),
       (("library", STR, "نام کتابخانه", "Library"), ("members", INT, "تعداد اعضا", "Members"),
        ("books", INT, "تعداد جلد کتاب", "Books")),
       "libraries"),
    _s("drinking-water", "کیفیت آب شرب", "Drinking water quality", "آب شرب",
       "drinking water", "water-environment", ("آب", "کیفیت آب"),
       (("sample_point", STR, "محل نمونه‌برداری", "Sampling point"),
        ("turbidity", NUM, "کدورت", "Turbidity"),
        ("chlorine", NUM, "کلر باقیمانده", "Residual chlorine")),
       "water"),
    _s("water-use", "مصرف آب مشترکان", "Water consumption of subscribers", "مصرف آب",
       "water consumption", "water-environment", ("آب",),
       (("subscribers", INT, "تعداد مشترکان", "Subscribers"),
        ("volume_m3", NUM, "حجم مصرف", "Volume")),
       "water"),
    _s("rainfall", "بارندگی ماهانه", "Monthly rainfall", "بارندگی", "rainfall",
       "water-environment", ("بارش", "اقلیم"),
       (("month", INT, "ماه", "Month"), ("rainfall_mm", NUM, "میزان بارش", "Rainfall")), "weather"),
    _s("temperature", "دمای هوا", "Air temperature", "دمای هوا", "air temperature",
       "water-environment", ("اقلیم", "هواشناسی"),
       (("min_temp", NUM, "کمینه دما", "Minimum temperature"),
        ("max_temp", NUM, "بیشینه دما", "Maximum temperature")),
       "weather"),
    _s("air-quality", "شاخص آلودگی هوا", "Air quality index", "آلودگی هوا", "air pollution",
       "water-environment", ("آلودگی", "محیط زیست"),
       (("station", STR, "ایستگاه سنجش", "Station"), ("aqi", INT, "شاخص کیفیت هوا", "AQI")),
       "environment"),
    _s("road-accidents", "تصادفات جاده‌ای", "Road accidents", "تصادفات جاده‌ای",
       "road accidents", "transport", ("تصادف", "ایمنی راه"),
       (("road", STR, "محور", "Road"), ("injured", INT, "تعداد مجروحان", "Injured"),
        ("killed", INT, "تعداد جان‌باختگان", "Killed")),
       "police"),
    _s("urban-accidents", "تصادفات درون‌شهری", "Urban traffic accidents", "تصادفات درون‌شهری",
       "urban accidents", "transport", ("تصادف", "ترافیک"),
       (("intersection", STR, "تقاطع", "Intersection"), ("crashes", INT, "شمار تصادف", "Crashes")),
       "police"),
    _s("traffic", "تردد خودروها در محورهای مواصلاتی", "Vehicle traffic on main roads",
       "تردد خودرو", "vehicle traffic", "transport", ("ترافیک",),
       (("axis", STR, "محور مواصلاتی", "Road axis"), ("vehicles", INT, "تعداد خودرو", "Vehicles")),
       "roads"),
    _s("bus-fleet", "ناوگان اتوبوس‌رانی", "Bus fleet", "ناوگان اتوبوس", "bus fleet",
       "transport", ("اتوبوس", "حمل‌ونقل عمومی"),
       (("buses", INT, "تعداد اتوبوس", "Buses"), ("routes", INT, "تعداد خطوط", "Routes")),
       "municipality"),
    _s("employment", "نرخ اشتغال", "Employment rate", "نرخ اشتغال", "employment rate",
       "economy", ("اشتغال", "بازار کار"),
       (("employed", INT, "شاغلان", "Employed"), ("rate", NUM, "درصد شاغلان", "Employment rate")),
       "labour"),
    _s("unemployment", "نرخ بیکاری جوانان", "Youth unemployment rate", "بیکاری جوانان",
       "youth unemployment", "economy", ("بیکاری", "بازار کار"),
       (("age_group", STR, "گروه سنی", "Age group"),
        ("unemployed", NUM, "درصد بیکاران", "Unemployed")),
       "labour"),
    _s("insured", "بیمه‌شدگان تأمین اجتماعی", "Social security insured persons",
       "بیمه تامین اجتماعی", "social security insured", "economy", ("بیمه",),
       (("insured", INT, "تعداد بیمه‌شدگان", "Insured"),
        ("pensioners", INT, "مستمری‌بگیران", "Pensioners")),
       "labour"),
    _s("industrial-units", "واحدهای صنعتی فعال", "Active industrial units", "واحدهای صنعتی",
       "industrial units", "economy", ("صنعت",),
       (("unit", STR, "نام واحد", "Unit"),
        ("workers", INT, "تعداد کارگران", "Workers")), "industry"),
    _s("business-permits", "مجوزهای کسب‌وکار صادرشده", "Business permits issued",
       "مجوز کسب‌وکار", "business permits", "economy", ("مجوز", "کسب‌وکار"),
       (("permit_type", STR, "نوع مجوز", "Permit type"),
        ("issued", INT, "تعداد صادرشده", "Issued")),
       "industry"),
    _s("wheat", "تولید گندم آبی و دیم", "Irrigated and rain-fed wheat production",
       "تولید گندم", "wheat production", "agriculture", ("گندم", "کشاورزی"),
       (("area_ha", NUM, "سطح زیر کشت", "Cultivated area"),
        ("yield_t", NUM, "میزان محصول", "Yield")),
       "agriculture"),
    _s("livestock", "دام و طیور", "Livestock and poultry", "دام طیور", "livestock poultry",
       "agriculture", ("دامداری",),
       (("cattle", INT, "تعداد گاو", "Cattle"), ("poultry", INT, "تعداد مرغ", "Poultry")),
       "agriculture"),
    _s("orchards", "باغات میوه", "Fruit orchards", "باغات میوه", "fruit orchards",
       "agriculture", ("باغ", "میوه"),
       (("fruit", STR, "نوع میوه", "Fruit"), ("area_ha", NUM, "مساحت باغ", "Orchard area")),
       "agriculture"),
    _s("building-permits", "پروانه‌های ساختمانی", "Building permits", "پروانه ساختمانی",
       "building permits", "urban", ("ساختمان", "شهرسازی"),
       (("permits", INT, "تعداد پروانه", "Permits"), ("floor_area", NUM, "زیربنا", "Floor area")),
       "municipality"),
    _s("green-space", "پارک‌ها و فضای سبز شهری", "Parks and urban green space", "فضای سبز",
       "green space", "urban", ("پارک",),
       (("park", STR, "نام پارک", "Park"), ("area_m2", NUM, "مساحت", "Area")), "municipality"),
    _s("waste", "پسماند شهری جمع‌آوری‌شده", "Municipal waste collected", "پسماند شهری",
       "municipal waste", "urban", ("پسماند", "بازیافت"),
       (("waste_t", NUM, "وزن پسماند", "Waste"),
        ("recycled_t", NUM, "پسماند بازیافتی", "Recycled")),
       "municipality"),
    _s("fires", ("حوادث آتش‌سوزی", "حوادث آتشسوزی"), "Fire incidents", "آتش‌سوزی",
       "fire incidents", "urban", ("آتش‌نشانی", "حوادث"),
       (("incidents", INT, "تعداد حادثه", "Incidents"),
        ("response_min", NUM, "زمان رسیدن", "Response time")),
       "fire"),
    _s("electricity", "مصرف برق خانگی و صنعتی", "Household and industrial electricity use",
       "مصرف برق", "electricity use", "urban", ("برق", "انرژی"),
       (("sector", STR, "بخش مصرف", "Sector"), ("mwh", NUM, "انرژی مصرفی", "Consumption")),
       "electricity"),
    _s("tourism", "گردشگران و اقامتگاه‌ها", "Tourists and lodgings", "گردشگران اقامتگاه",
       "tourists lodgings", "culture-tourism", ("گردشگری", "هتل"),
       (("lodging", STR, "نام اقامتگاه", "Lodging"), ("guests", INT, "تعداد مسافران", "Guests")),
       "culture"),
    _s("sports", "اماکن ورزشی", "Sports venues", "اماکن ورزشی", "sports venues",
       "culture-tourism", ("ورزش",),
       (("venue", STR, "نام مکان", "Venue"), ("capacity", INT, "ظرفیت", "Capacity")), "culture"),
    _s("capital-credits", "اعتبارات تملک دارایی‌های سرمایه‌ای",
       "Capital asset acquisition credits", "اعتبارات تملک", "capital credits",
       "planning-budget", ("بودجه", "اعتبارات"),
       (("project", STR, "عنوان طرح", "Project"),
        ("credit", NUM, "اعتبار مصوب", "Approved credit")),
       "governorate"),
    _s("unfinished-projects", "طرح‌های عمرانی نیمه‌تمام", "Unfinished development projects",
       "طرح نیمه‌تمام", "unfinished projects", "planning-budget", ("عمران", "طرح"),
       (("project", STR, "عنوان طرح", "Project"), ("progress", NUM, "درصد پیشرفت", "Progress")),
       "governorate"),
    _s("dams", "حجم مخازن سدها", "Dam reservoir volumes", "مخازن سد", "dam reservoirs",
       "water-environment", ("سد", "آب"),
       (("dam", STR, "نام سد", "Dam"),
        ("volume_mcm", NUM, "حجم مخزن", "Reservoir volume")), "water"),
)  # fmt: skip

#: Each subject's words in the singular, as often typed: Persian broken plurals (مراکز/مرکز,
#: حوادث/حادثه) and English -ies/-y are not prefixes of what the titles say.
SINGULAR: Final = {
    "population": ("جمعیت خانوار", "population household"),
    "births": ("ولادت وفات", "birth death"),
    "marriages": ("ازدواج طلاق", "marriage divorce"),
    "hospital-beds": ("تخت بیمارستان", "hospital bed"),
    "health-centres": ("مرکز سلامت", "health centre"),
    "pharmacies": ("داروخانه شبانه‌روزی", "night pharmacy"),
    "vaccination": ("واکسیناسیون کودک", "child vaccination"),
    "primary-schools": ("مدرسه ابتدایی", "primary school"),
    "teachers": ("معلم آموزشی", "teacher"),
    "secondary-pupils": ("دانش‌آموز متوسطه", "secondary pupil"),
    "libraries": ("کتابخانه عمومی", "public library"),
    "drinking-water": ("آب شرب", "drinking water"),
    "water-use": ("مصرف آب", "water consumption"),
    "rainfall": ("بارندگی", "rainfall"),
    "temperature": ("دمای هوا", "air temperature"),
    "air-quality": ("آلودگی هوا", "air quality"),
    "road-accidents": ("تصادف جاده‌ای", "road accident"),
    "urban-accidents": ("تصادف درون‌شهری", "urban accident"),
    "traffic": ("تردد خودرو", "vehicle traffic"),
    "bus-fleet": ("ناوگان اتوبوس", "bus fleet"),
    "employment": ("نرخ اشتغال", "employment rate"),
    "unemployment": ("بیکاری جوان", "youth unemployment"),
    "insured": ("بیمه تأمین اجتماعی", "insured person"),
    "industrial-units": ("واحد صنعتی", "industrial unit"),
    "business-permits": ("مجوز کسب‌وکار", "business permit"),
    "wheat": ("تولید گندم", "wheat production"),
    "livestock": ("دام طیور", "livestock poultry"),
    "orchards": ("باغ میوه", "fruit orchard"),
    "building-permits": ("پروانه ساختمانی", "building permit"),
    "green-space": ("پارک فضای سبز", "park green space"),
    "waste": ("پسماند شهری", "municipal waste"),
    "fires": ("حادثه آتش‌سوزی", "fire incident"),
    "electricity": ("مصرف برق", "electricity use"),
    "tourism": ("گردشگر اقامتگاه", "tourist lodging"),
    "sports": ("مکان ورزشی", "sports venue"),
    "capital-credits": ("اعتبار تملک", "capital credit"),
    "unfinished-projects": ("طرح نیمه‌تمام", "unfinished project"),
    "dams": ("مخزن سد", "dam reservoir"),
}

#: A breakdown added to some titles: Persian, English, the word someone would type.
QUALIFIERS: Final = (
    ("", "", ""),
    ("به تفکیک جنسیت", "by sex", "جنسیت"),
    ("به تفکیک ماه‌های سال", "by month", "ماه‌های"),
    ("به تفکیک بخش و دهستان", "by district", "دهستان"),
    ("به تفکیک گروه سنی", "by age group", "سنی"),
    ("در مناطق روستایی", "rural areas", "روستایی"),
)
YEARS: Final = tuple(range(1395, 1404))

#: Agencies per county: Persian name, English name, kind, the provincial body used where a
#: county has none.
AGENCIES: Final = {
    "health": ("شبکه بهداشت و درمان شهرستان {fa}", "{en} County Health Network",
               "department", "tums"),
    "education": ("اداره آموزش و پرورش شهرستان {fa}", "{en} Education Office",
                  "department", "education"),
    "water": ("امور آب و فاضلاب شهرستان {fa}", "{en} Water and Wastewater",
              "company", "water-wastewater"),
    "roads": ("اداره راهداری و حمل‌ونقل جاده‌ای شهرستان {fa}", "{en} Road Maintenance Office",
              "department", "road-maintenance"),
    "agriculture": ("مدیریت جهاد کشاورزی شهرستان {fa}", "{en} Agriculture Jihad Office",
                    "department", "agriculture"),
    "municipality": ("شهرداری {fa}", "{en} Municipality",
                     "municipality", "tehran-municipality"),
    "governorate": ("فرمانداری {fa}", "{en} County Governorate",
                    "county_governorate", "governorate"),
    "labour": ("اداره تعاون، کار و رفاه اجتماعی شهرستان {fa}", "{en} Labour and Welfare Office",
               "department", "labour-welfare"),
    "culture": ("اداره فرهنگ و ارشاد اسلامی شهرستان {fa}", "{en} Culture Office",
                "department", "heritage-tourism"),
    "libraries": ("اداره کتابخانه‌های عمومی شهرستان {fa}", "{en} Public Libraries Office",
                  "department", "heritage-tourism"),
    "police": ("پلیس راهور شهرستان {fa}", "{en} Traffic Police",
               "organisation", "road-maintenance"),
    "fire": ("سازمان آتش‌نشانی و خدمات ایمنی شهرداری {fa}", "{en} Fire Service",
             "organisation", "tehran-municipality"),
    "weather": ("ایستگاه هواشناسی {fa}", "{en} Weather Station",
                "department", "meteorology"),
    "electricity": ("امور برق شهرستان {fa}", "{en} Electricity Office",
                    "company", "regional-electricity"),
    "environment": ("اداره حفاظت محیط زیست شهرستان {fa}", "{en} Environment Office",
                    "department", "environment"),
    "industry": ("اداره صنعت، معدن و تجارت شهرستان {fa}", "{en} Industry, Mine and Trade Office",
                 "department", "industry-mine-trade"),
}  # fmt: skip
#: Demo organisations that already are the agency of a county.
DEMO_AGENCIES: Final = {
    ("municipality", "tehran"): "tehran-municipality",
    ("governorate", "varamin"): "farmandari-varamin",
    ("governorate", "pakdasht"): "farmandari-pakdasht",
}

GENERAL_TAGS: Final = (
    "آمار", "استان تهران", "داده باز", "شاخص", "گزارش سالانه", "سرانه", "برنامه هفتم",
    "توسعه متوازن", "شهرستان", "سری زمانی",
)  # fmt: skip
FREQUENCY_FA: Final = {
    "daily": "روزانه", "weekly": "هفتگی", "monthly": "ماهانه", "quarterly": "فصلی",
    "yearly": "سالانه", "irregular": "به‌طور نامنظم", "once": "یک‌بار",
}  # fmt: skip
FILLERS_FA: Final = (
    "داده‌ها از گزارش‌های رسمی استخراج و پس از بازبینی منتشر شده‌اند.",
    "واحد شمارش هر ستون در طرح‌وارهٔ داده آمده است.",
    "برای مقایسه با سال‌های پیش، نسخه‌های قبلی این مجموعه نیز در دسترس است.",
    "ارقام سال جاری موقت است و پس از تأیید نهایی اصلاح می‌شود.",
    "این داده برای پایش شاخص‌های توسعهٔ شهرستان در برنامهٔ هفتم پیشرفت به کار می‌رود.",
    "مرز شهرستان‌ها بر پایهٔ آخرین تقسیمات کشوری است.",
    "برای مطالعهٔ {other} در همین شهرستان، مجموعه‌های مرتبط را ببینید.",
)
FILLERS_EN: Final = (
    "Figures were taken from official reports and checked before publication.",
    "The unit of each column is given in the data schema.",
    "Earlier versions are kept for comparison with previous years.",
    "Figures for the current year are provisional.",
    "Used to monitor the county's development indicators under the 7th development plan.",
    "See the related datasets on {other} in the same county.",
)
FORMATS: Final = (("csv", 50), ("xlsx", 30), ("json", 8), ("parquet", 7), ("ods", 5))
FREQUENCIES: Final = (
    ("yearly", 40), ("monthly", 15), ("quarterly", 10), ("once", 15), ("irregular", 10),
    ("weekly", 5), ("daily", 5),
)  # fmt: skip
ACCESS: Final = (("public", 80), ("internal", 12), ("restricted", 8))
STATUS: Final = (("published", 92), ("draft", 4), ("deprecated", 4))
#: Words no dataset has, for queries whose words match nothing together.
NONSENSE: Final = ("زرافه", "کهکشان", "دایناسور", "پنگوئن", "giraffe")
#: Compound words and the three ways of typing them.
COMPOUNDS: Final = (
    ("کتاب", "خانه"), ("آتش", "سوزی"), ("درون", "شهری"), ("دانش", "آموزان"), ("رباط", "کریم"),
)  # fmt: skip


def weighted(rng: random.Random, options: Sequence[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def persian_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def arabic_letters(text: str) -> str:
    return text.replace("ی", "ي").replace("ک", "ك")


# --- the catalog ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    code: str
    fa: str
    en: str


@dataclass
class Made:
    """What the bench knows of a dataset it generated (for queries and the gold set)."""

    slug: str
    subject: int
    places: list[Place]
    year: int
    latin_year: bool
    qualifier: int
    access: str
    status: str
    has_schema: bool
    publisher: str
    title_fa: str
    title_en: str

    @property
    def anonymous_visible(self) -> bool:
        return self.access == "public" and self.status in ("published", "deprecated")


def place_fa(places: list[Place]) -> str:
    names = [p.fa for p in places]
    if len(names) == 1:
        return f"شهرستان {names[0]}"
    return "شهرستان‌های " + "، ".join(names[:-1]) + " و " + names[-1]


def place_en(places: list[Place]) -> str:
    names = [p.en for p in places]
    if len(names) == 1:
        return f"{names[0]} county"
    return ", ".join(names[:-1]) + " and " + names[-1] + " counties"


def make_organisations(rng: random.Random, total: int, places: list[Place]) -> dict[Any, str]:
    """Agencies of the counties up to ``total`` organisations; returns (agency, county
    code) -> organisation slug for every pair that has one."""
    from marja.accounts.models import Organisation

    agency_of: dict[Any, str] = dict(DEMO_AGENCIES)
    pairs = [(a, p) for a in AGENCIES for p in places if (a, p.code) not in DEMO_AGENCIES]
    rng.shuffle(pairs)
    wanted = max(0, total - Organisation.objects.count())
    rows = []
    for agency, place in pairs[:wanted]:
        name_fa, name_en, kind, _ = AGENCIES[agency]
        slug = f"{agency}-{place.code}"
        rows.append(
            Organisation(
                slug=slug,
                name_fa=name_fa.format(fa=place.fa),
                name_en=name_en.format(en=place.en),
                kind=kind,
                description_fa=f"{name_fa.format(fa=place.fa)}، استان تهران",
            )
        )
        agency_of[agency, place.code] = slug
    Organisation.objects.bulk_create(rows, batch_size=500)
    return agency_of


def make_catalog(rng: random.Random, total: int, organisations: int) -> list[Made]:
    """Organisations up to ``organisations`` and datasets up to ``total``."""
    from django.db import transaction
    from django.utils import timezone

    from marja.accounts.models import Organisation
    from marja.catalog.models import County, Dataset, Licence, Tag, Theme
    from marja.core.schema import Field, FieldType, Schema
    from marja.core.text import normalize
    from marja.ingest.models import DatasetSchema, DatasetVersion

    counties = {c.code: c for c in County.objects.all()}
    places = [Place(c.code, c.name_fa, c.name_en.split(" (")[0]) for c in counties.values()]
    places.sort(key=lambda p: p.code)
    with transaction.atomic():
        agency_of = make_organisations(rng, organisations, places)
    org_ids = dict(Organisation.objects.values_list("slug", "pk"))
    theme_ids = dict(Theme.objects.values_list("slug", "pk"))
    licence_ids = dict(Licence.objects.values_list("slug", "pk"))

    wanted = max(0, total - Dataset.objects.count())
    combos: set[tuple[int, str, int, int]] = set()
    made: list[Made] = []
    rows: list[Any] = []
    tags_of: dict[str, list[str]] = {}
    extra: dict[str, dict[str, Any]] = {}
    while len(made) < wanted:
        si = rng.randrange(len(SUBJECTS))
        subject = SUBJECTS[si]
        n_places = rng.choices([1, 2, 3], weights=[70, 20, 10])[0]
        chosen = rng.sample(places, n_places)
        year = rng.choice(YEARS)
        qualifier = rng.choices(range(len(QUALIFIERS)), weights=[40, 12, 12, 12, 12, 12])[0]
        combo = (si, chosen[0].code, year, qualifier)
        if combo in combos:
            continue
        combos.add(combo)
        latin_year = rng.random() < 0.1
        year_text = str(year) if latin_year else persian_digits(str(year))
        spelling = rng.choice(subject.title_fa)
        q_fa, q_en, _ = QUALIFIERS[qualifier]
        title_fa = f"{spelling} {place_fa(chosen)}{' ' + q_fa if q_fa else ''}، سال {year_text}"
        title_en = f"{subject.title_en}, {place_en(chosen)}{', ' + q_en if q_en else ''}, {year}"
        access = weighted(rng, ACCESS)
        status = weighted(rng, STATUS)
        frequency = weighted(rng, FREQUENCIES)
        publisher = agency_of.get((subject.agency, chosen[0].code), AGENCIES[subject.agency][3])
        other = rng.choice(SUBJECTS)
        description_fa = " ".join(
            [
                f"{spelling} در {place_fa(chosen)} در سال {year_text}{' ' + q_fa if q_fa else ''}.",
                f"این داده‌ها {FREQUENCY_FA[frequency]} به‌روز می‌شود.",
                *(
                    f.format(other=other.title_fa[0])
                    for f in rng.sample(FILLERS_FA, rng.randint(1, 3))
                ),
            ]
        )
        description_en = " ".join(
            [
                f"{subject.title_en} in {place_en(chosen)}, {year}.",
                *(
                    f.format(other=other.title_en.lower())
                    for f in rng.sample(FILLERS_EN, rng.randint(0, 2))
                ),
            ]
        )
        slug = f"{subject.key}-{chosen[0].code}-{year}-{len(made) + 1}"
        licence = {"public": "cc-by-4.0", "internal": "government-use"}.get(
            access, "restricted-use"
        )
        has_schema = rng.random() < 0.7
        rows.append(
            Dataset(
                slug=slug,
                title_fa=title_fa,
                title_en=title_en if rng.random() < 0.9 else "",
                description_fa=description_fa,
                description_en=description_en if rng.random() < 0.7 else "",
                publisher_id=org_ids[publisher],
                theme_id=theme_ids[subject.theme],
                licence_id=licence_ids[licence],
                access=access,
                status=status,
                frequency=frequency,
                contact_name="واحد آمار" if rng.random() < 0.6 else "",
                published_at=timezone.now() if status != "draft" else None,
            )
        )
        tags = {*subject.tags, *rng.sample(GENERAL_TAGS, rng.randint(0, 2))}
        tags_of[slug] = sorted(normalize(t, digits="keep") for t in tags)
        extra[slug] = {
            "places": [p.code for p in chosen],
            "age_days": int(rng.triangular(0, 900, 60)),
            "version": rng.random() < 0.6 and status != "draft",
            "format": weighted(rng, FORMATS),
        }
        made.append(
            Made(
                slug=slug,
                subject=si,
                places=chosen,
                year=year,
                latin_year=latin_year,
                qualifier=qualifier,
                access=access,
                status=status,
                has_schema=has_schema,
                publisher=publisher,
                title_fa=title_fa,
                title_en=title_en,
            )
        )

    with transaction.atomic():
        Dataset.objects.bulk_create(rows, batch_size=1000)
        ids = dict(
            Dataset.objects.filter(slug__in=[m.slug for m in made]).values_list("slug", "pk")
        )
        names = {name for names in tags_of.values() for name in names}
        Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
        tag_ids = dict(Tag.objects.values_list("name", "pk"))
        Dataset.tags.through.objects.bulk_create(
            [
                Dataset.tags.through(dataset_id=ids[slug], tag_id=tag_ids[name])
                for slug, names_of in tags_of.items()
                for name in names_of
            ],
            batch_size=2000,
        )
        Dataset.counties.through.objects.bulk_create(
            [
                Dataset.counties.through(dataset_id=ids[slug], county_id=counties[code].pk)
                for slug, info in extra.items()
                for code in info["places"]
            ],
            batch_size=2000,
        )
        schemas, versions = [], []
        for m in made:
            subject = SUBJECTS[m.subject]
            fields = (
                Field("county", FieldType.COUNTY, "شهرستان", "County"),
                Field("year", FieldType.INTEGER, "سال", "Year"),
                *(Field(n, FieldType(t), fa, en) for n, t, fa, en in subject.fields),
            )
            definition = Schema(fields=fields).to_dict()
            if m.has_schema:
                schemas.append(DatasetSchema(dataset_id=ids[m.slug], definition=definition))
            info = extra[m.slug]
            if info["version"]:
                versions.append(
                    DatasetVersion(
                        dataset_id=ids[m.slug],
                        number=1,
                        sha256="0" * 64,
                        size=1000,
                        row_count=100,
                        schema=definition,
                        stats={},
                        source_name=f"{m.slug}.{info['format']}",
                        source_sha256="0" * 64,
                        source_size=1000,
                        read={"format": info["format"]},
                    )
                )
        DatasetSchema.objects.bulk_create(schemas, batch_size=1000)
        DatasetVersion.objects.bulk_create(versions, batch_size=1000)
        # Spread the dates (a week at a time, so a few hundred UPDATEs): bulk_create set
        # every auto_now field to now.
        now = timezone.now()
        by_week: dict[int, list[int]] = defaultdict(list)
        for slug, info in extra.items():
            by_week[info["age_days"] // 7].append(ids[slug])
        for week, members in by_week.items():
            moment = now - dt.timedelta(days=week * 7, hours=week % 24)
            Dataset.objects.filter(pk__in=members).update(updated_at=moment)
            DatasetVersion.objects.filter(dataset_id__in=members).update(
                published_at=moment - dt.timedelta(hours=1)
            )
    return made


# --- the queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    params: dict[str, str]
    signed_in: bool = False
    #: The "matched" the answer must have, when the kind implies one.
    expect_matched: str | None = None

    @property
    def url(self) -> str:
        return "/api/v1/search?" + urlencode(self.params) if self.params else "/api/v1/search"


KINDS: Final = (
    "word", "two-words", "three-words", "prefix", "arabic-yk", "zwnj", "persian-digits",
    "english", "facet+text", "sort", "browse", "fallback", "signed-in",
)  # fmt: skip


def build_requests(rng: random.Random, made: list[Made]) -> list[Request]:
    places = sorted({p for m in made for p in m.places}, key=lambda p: p.code)
    fa_words = sorted({w for s in SUBJECTS for w in s.words_fa.split() if len(w) > 2})
    two_word = [s.words_fa for s in SUBJECTS if len(s.words_fa.split()) == 2]
    single = [
        "جمعیت", "بیمارستان", "مدارس", "تصادفات", "بارندگی", "کتابخانه", "اشتغال", "گندم",
        "پسماند", "داروخانه", "سد", "اتوبوس", "معلمان", "بیکاری", "ازدواج", "برق", "آلودگی",
        "گردشگران", "ورامین", "دماوند", "آب", "هوا",
    ]  # fmt: skip
    out: list[Request] = []

    def add(kind: str, q: str, **params: str) -> None:
        out.append(Request(kind, {"q": q, **params} if q else params))

    for w in rng.sample(single, 20):
        add("word", w)
    for _ in range(10):
        add("two-words", rng.choice(two_word))
        add("two-words", f"{rng.choice(fa_words)} {rng.choice(places).fa}")
    for _ in range(15):
        m = rng.choice(made)
        s = SUBJECTS[m.subject]
        if rng.random() < 0.5 and len(s.words_fa.split()) == 2:
            add("three-words", f"{s.words_fa} {m.places[0].fa}")
        else:
            add(
                "three-words",
                f"{s.words_fa.split()[0]} {m.places[0].fa} {persian_digits(str(m.year))}",
            )
    for i in range(20):
        w = rng.choice(fa_words)
        prefix = w[: 2 + i % 3]
        if i % 4 == 3:
            add("prefix", f"{rng.choice(fa_words)} {prefix}")
        else:
            add("prefix", prefix)
    arabic = [w for w in [*fa_words, *two_word, *(p.fa for p in places)] if arabic_letters(w) != w]
    for w in rng.sample(arabic, 15):
        add("arabic-yk", arabic_letters(w))
    for first, second in COMPOUNDS:
        for spelling in (first + second, first + ZWNJ + second, f"{first} {second}"):
            add("zwnj", spelling)
    for _ in range(3):
        add("persian-digits", persian_digits(str(rng.choice(YEARS))))
    for _ in range(12):
        add("persian-digits", f"{rng.choice(fa_words)} {persian_digits(str(rng.choice(YEARS)))}")
    english = [
        *(s.words_en for s in SUBJECTS), *(s.words_en.split()[-1] for s in SUBJECTS),
        *(p.en for p in places),
    ]  # fmt: skip
    for _ in range(10):
        add("english", rng.choice(english))
    for _ in range(5):
        m = rng.choice(made)
        add("english", f"{SUBJECTS[m.subject].words_en} {m.places[0].en} {m.year}")
    for _ in range(7):
        m = rng.choice(made)
        add("facet+text", SUBJECTS[m.subject].words_fa.split()[0], organisation=m.publisher)
    for _ in range(7):
        add("facet+text", rng.choice(fa_words), county=rng.choice(places).code)
    for _ in range(6):
        s = rng.choice(SUBJECTS)
        add("facet+text", rng.choice(places).fa, theme=s.theme)
    for i in range(15):
        add("sort", rng.choice(single), sort="title" if i % 2 else "updated")
    add("browse", "")
    add("browse", "", offset="100")
    add("browse", "", sort="title")
    add("browse", "", sort="updated")
    add("browse", "", county=rng.choice(places).code)
    add("browse", "", county=rng.choice(places).code, sort="title")
    add("browse", "", theme=rng.choice(SUBJECTS).theme)
    add("browse", "", theme=rng.choice(SUBJECTS).theme, access="public")
    add("browse", "", frequency="monthly")
    add("browse", "", format="csv")
    for nonsense in NONSENSE * 2:
        out.append(
            Request(
                "fallback",
                {"q": f"{rng.choice([*single, *fa_words])} {nonsense}"},
                expect_matched="some",
            )
        )
    for i in range(10):
        params = {"q": rng.choice(single)}
        if i % 3 == 2:
            params["access"] = "internal"
        out.append(Request("signed-in", params, signed_in=True))
    return out


@dataclass(frozen=True)
class Gold:
    variation: str
    query: str
    slug: str
    title: str
    #: How many datasets an anonymous visitor sees that answer the query as well.
    tied: int


VARIATIONS: Final = (
    "arabic-yk", "zwnj-removed", "zwnj-space", "digits-swapped", "county-prefix", "english",
    "field-label", "breakdown", "full-title", "singular",
)  # fmt: skip


def build_gold(rng: random.Random, made: list[Made], per_variation: int) -> list[Gold]:
    visible = [m for m in made if m.anonymous_visible]
    by_subject_year: dict[tuple[int, int], list[Made]] = defaultdict(list)
    for m in visible:
        by_subject_year[m.subject, m.year].append(m)
    candidates = [m for m in visible if m.status == "published"]
    gold: list[Gold] = []
    seen: set[str] = set()
    for variation in VARIATIONS:
        found = 0
        for m in rng.sample(candidates, len(candidates)):
            if found == per_variation:
                break
            if m.slug in seen:
                continue
            made_query = _gold_query(rng, variation, m)
            if made_query is None:
                continue
            query, narrows = made_query
            tied = sum(
                1
                for other in by_subject_year[m.subject, m.year]
                if m.places[0] in other.places and narrows(other)
            )
            if tied > 10:
                continue
            seen.add(m.slug)
            gold.append(Gold(variation, query, m.slug, m.title_fa, tied))
            found += 1
    return gold


def _gold_query(
    rng: random.Random, variation: str, m: Made
) -> tuple[str, Callable[[Made], bool]] | None:
    """The query of one gold pair, and what else a dataset must have to answer it."""
    s = SUBJECTS[m.subject]
    place = m.places[0]
    year_fa = persian_digits(str(m.year))
    anything: Callable[[Made], bool] = lambda other: True  # noqa: E731
    spelling = next(sp for sp in s.title_fa if sp in m.title_fa)
    if variation == "arabic-yk":
        query = arabic_letters(f"{s.words_fa} {place.fa} {year_fa}")
        return (query, anything) if query != f"{s.words_fa} {place.fa} {year_fa}" else None
    if variation in ("zwnj-removed", "zwnj-space"):
        text = f"{spelling} {place.fa} {year_fa}"
        if ZWNJ not in text:
            return None
        return text.replace(ZWNJ, "" if variation == "zwnj-removed" else " "), anything
    if variation == "digits-swapped":
        year = persian_digits(str(m.year)) if m.latin_year else str(m.year)
        return f"{s.words_fa} {place.fa} {year}", anything
    if variation == "county-prefix":
        return f"{s.words_fa} {year_fa} {place.fa[:4]}", anything
    if variation == "english":
        return f"{s.words_en} {place.en} {m.year}", anything
    if variation == "field-label":
        if not m.has_schema:
            return None
        title_words = set(spelling.replace(ZWNJ, " ").split())
        labels = [fa for _, _, fa, _ in s.fields if not set(fa.split()) <= title_words]
        if not labels:
            return None
        label = rng.choice(labels)

        def has_label(other: Made) -> bool:
            return other.has_schema or set(label.split()) <= set(other.title_fa.split())

        return f"{label} {place.fa} {year_fa}", has_label
    if variation == "breakdown":
        if not m.qualifier:
            return None
        word = QUALIFIERS[m.qualifier][2]
        return (
            f"{s.words_fa} {place.fa} {year_fa} {word}",
            lambda other: other.qualifier == m.qualifier,
        )
    if variation == "singular":
        # Persian and English by turns: the subject's words in the singular.
        fa, en = SINGULAR[s.key]
        if rng.random() < 0.5:
            return f"{fa} {place.fa} {year_fa}", anything
        return f"{en} {place.en} {m.year}", anything
    if variation == "full-title":
        # The Persian title as someone copies it, stop words and punctuation included.
        return m.title_fa, lambda other: other.qualifier == m.qualifier
    raise ValueError(variation)


# --- measuring -----------------------------------------------------------------------------


def p95(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def figures(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "p95": p95(values), "n": len(values)}


def timed(get: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    response = get()
    return (time.perf_counter() - start) * 1000, response


def child(database: str, args: argparse.Namespace) -> dict[str, Any]:
    """Set up a catalog in a fresh database and measure; returns the figures."""
    base = os.environ.get("MARJA_DATA_DIR") or None
    if base:
        Path(base).mkdir(parents=True, exist_ok=True)
    os.environ["MARJA_DATA_DIR"] = tempfile.mkdtemp(
        prefix=f"marja-bench-search-{database}-", dir=base
    )
    os.environ["MARJA_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    import django

    django.setup()
    # The baseline's 404 answers would each log a warning, the signed-in client's login more.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    logging.getLogger("axes").setLevel(logging.WARNING)

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from marja.accounts.models import Organisation, User
    from marja.catalog.demo import load_demo
    from marja.catalog.models import Dataset
    from marja.search.indexing import rebuild

    result: dict[str, Any] = {"database": database, "vendor": connection.vendor}
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
        )
        result["server"] = f"{label} {cursor.fetchone()[0].split()[0]}"
    print(f"\n=== {result['server']} ===", flush=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result["migrate_s"] = time.perf_counter() - started
    started = time.perf_counter()
    load_demo()
    result["demo_s"] = time.perf_counter() - started
    rng = random.Random(args.seed)
    started = time.perf_counter()
    made = make_catalog(rng, args.datasets, args.organisations)
    result["generate_s"] = time.perf_counter() - started
    result["datasets"] = Dataset.objects.count()
    result["organisations"] = Organisation.objects.count()
    result["anonymous_visible"] = Dataset.objects.filter(
        access="public", status__in=["published", "deprecated"]
    ).count()
    started = time.perf_counter()
    indexed = rebuild()
    result["rebuild_s"] = time.perf_counter() - started
    print(
        f"catalog: {result['datasets']:,} datasets ({result['anonymous_visible']:,} visible to "
        f"anyone), {result['organisations']} organisations; migrate {result['migrate_s']:.1f} s, "
        f"demo {result['demo_s']:.1f} s, generate {result['generate_s']:.1f} s",
        flush=True,
    )
    print(
        f"rebuild() (marja reindex): {indexed:,} documents in {result['rebuild_s']:.1f} s",
        flush=True,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            autovacuum = cursor.fetchone()[0]
            started = time.perf_counter()
            if not args.no_analyze:
                cursor.execute("ANALYZE")
        result["analyze"] = not args.no_analyze
        print(
            f"autovacuum is {autovacuum} on this server; "
            + (
                f"ANALYZE after loading ({time.perf_counter() - started:.1f} s), as autovacuum "
                "would do soon after a bulk load"
                if not args.no_analyze
                else "no ANALYZE (--no-analyze): the planner has no statistics"
            ),
            flush=True,
        )

    anonymous, official = Client(), Client()
    official.force_login(User.objects.get(username="mpo.editor"))

    # Baseline: one dataset's API record, and (for reference) the API's 404 answer.
    slug = next(m.slug for m in made if m.anonymous_visible)
    for url, status in ((f"/api/v1/datasets/{slug}", 200), ("/api/v1/datasets/no-such", 404)):
        assert anonymous.get(url).status_code == status, url
    baseline = statistics.median(
        timed(lambda: anonymous.get(f"/api/v1/datasets/{slug}"))[0] for _ in range(args.baseline)
    )
    not_found = statistics.median(
        timed(lambda: anonymous.get("/api/v1/datasets/no-such"))[0] for _ in range(args.baseline)
    )
    result["baseline_ms"], result["not_found_ms"] = baseline, not_found
    print(
        f"baseline: GET /api/v1/datasets/<slug> {baseline:.1f} ms (median of {args.baseline}); "
        f"the API's 404 answer {not_found:.1f} ms",
        flush=True,
    )

    requests = build_requests(random.Random(args.seed + 1), made)

    def get(request: Request, url: str | None = None) -> Any:
        client = official if request.signed_in else anonymous
        return client.get(url or request.url)

    # Warm-up: two requests of each kind.
    for kind in KINDS:
        for request in [r for r in requests if r.kind == kind][:2]:
            get(request)
    # Timed rounds (as many as --rounds and --budget allow); the first checks every answer.
    problems = []
    answers: list[list[Any]] = []
    samples: dict[int, list[float]] = defaultdict(list)
    started = time.perf_counter()
    rounds = 0
    while rounds < args.rounds:
        for i, request in enumerate(requests):
            ms, response = timed(partial(get, request))
            samples[i].append(ms)
            if rounds == 0:
                problems.extend(check(request, response))
                body = response.json()
                answers.append(
                    [
                        request.url,
                        body["count"],
                        body["matched"],
                        [h["slug"] for h in body["results"]],
                    ]
                )
        rounds += 1
        spent = time.perf_counter() - started
        if spent / rounds * (rounds + 1) > args.budget:
            break
    without_facets: dict[int, float] = {}
    for i, request in enumerate(requests):
        url = request.url + ("&" if request.params else "?") + "facets=false"
        without_facets[i] = timed(partial(get, request, url))[0]
    per_kind: dict[str, list[float]] = defaultdict(list)
    per_kind_bare: dict[str, list[float]] = defaultdict(list)
    for i, request in enumerate(requests):
        per_kind[request.kind].extend(samples[i])
        per_kind_bare[request.kind].append(without_facets[i])
    everything = [t for ts in samples.values() for t in ts]
    result["overall"] = figures(everything)
    result["overall_no_facets"] = figures(list(without_facets.values()))
    result["kinds"] = {k: figures(per_kind[k]) for k in KINDS if per_kind[k]}
    result["kinds_no_facets"] = {k: figures(per_kind_bare[k]) for k in KINDS if per_kind_bare[k]}
    result["problems"] = problems
    result["answers"] = answers
    print(
        f"\nlatency of {len(requests)} search requests × {rounds} round(s), facets on "
        f"(ratio = × baseline); last two columns: the same requests with facets=false, once",
        flush=True,
    )
    print(
        f"  {'kind':15s} {'n':>4s} {'median':>8s} {'p95':>8s} {'med×':>6s} {'p95×':>6s}   "
        f"{'median':>8s} {'p95':>8s}"
    )
    rows = [*((k, result["kinds"][k], result["kinds_no_facets"][k]) for k in result["kinds"])]
    rows.append(("all", result["overall"], result["overall_no_facets"]))
    for kind, f, bare in rows:
        print(
            f"  {kind:15s} {f['n']:4d} {f['median']:6.1f}ms {f['p95']:6.1f}ms "
            f"{f['median'] / baseline:5.1f}× {f['p95'] / baseline:5.1f}×   "
            f"{bare['median']:6.1f}ms {bare['p95']:6.1f}ms"
        )
    met = result["overall"]["p95"] < GOAL_P95_MS
    result["goal_met"] = met
    print(
        f"goal p95 < {GOAL_P95_MS:.0f} ms: {'met' if met else 'NOT met'} "
        f"({result['overall']['p95']:.1f} ms)",
        flush=True,
    )
    for problem in problems:
        print(f"  check: {problem}")

    # Slow spots: the slowest requests again, with their SQL.
    slowest = sorted(range(len(requests)), key=lambda i: -statistics.median(samples[i]))[:5]
    result["slowest"] = []
    print("\nslowest requests (median of the rounds), run once more with their SQL:")
    for i in slowest:
        request = requests[i]
        with CaptureQueriesContext(connection) as captured:
            timed(partial(get, request))
        sql = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        worst_ms, worst_sql = max(sql) if sql else (0.0, "")
        entry: dict[str, Any] = {
            "kind": request.kind,
            "url": request.url,
            "median_ms": statistics.median(samples[i]),
            "no_facets_ms": without_facets[i],
            "statements": len(sql),
            "sql_ms": sum(t for t, _ in sql),
            "statement_ms": [round(t, 1) for t, _ in sql],
            "worst_sql_ms": worst_ms,
            "worst_sql": short_sql(worst_sql),
            "worst_plan": plan(connection, worst_sql),
        }
        result["slowest"].append(entry)
        print(
            f"  {request.kind:12s} {decoded(request.url)}\n"
            f"      {entry['median_ms']:.1f} ms ({without_facets[i]:.1f} ms without facets); "
            f"{len(sql)} SQL statements, {entry['sql_ms']:.1f} ms in SQL, each (ms): "
            f"{', '.join(f'{t:.0f}' for t, _ in sql)}\n"
            f"      slowest statement ({worst_ms:.1f} ms): {entry['worst_sql'][:300]}"
        )
        for line in entry["worst_plan"]:
            print(f"        | {line}")

    # Relevance.
    gold = build_gold(random.Random(args.seed + 2), made, args.gold // len(VARIATIONS))
    ranks: list[tuple[Gold, int | None, dict[str, Any]]] = []
    for item in gold:
        response = anonymous.get(
            "/api/v1/search?" + urlencode({"q": item.query, "limit": 100, "facets": "false"})
        )
        assert response.status_code == 200, item
        body = response.json()
        slugs = [hit["slug"] for hit in body["results"]]
        rank = slugs.index(item.slug) + 1 if item.slug in slugs else None
        ranks.append((item, rank, body))
    result["relevance"] = relevance(ranks)
    print_relevance(result["relevance"])
    connection.close()
    if args.keep:
        print(f"kept the data folder {os.environ['MARJA_DATA_DIR']}")
    else:
        shutil.rmtree(os.environ["MARJA_DATA_DIR"], ignore_errors=True)
    return result


def short_sql(sql: str) -> str:
    """A statement without its column list: ``SELECT … FROM …``."""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.DOTALL)


def plan(connection: Any, sql: str) -> list[str]:
    """The scans of a statement's plan: PostgreSQL's with actual times, SQLite's as planned."""
    if not sql.startswith("SELECT"):
        return []
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
                kept: list[str] = []
                sequential = False  # the last scan was a kept sequential one
                for line in lines:
                    # The scans of the search tables, and what a sequential one evaluated.
                    scan = "Scan" in line and "search_document" in line
                    if "Scan" in line:
                        sequential = scan and "Seq Scan" in line
                    if scan or "Execution Time" in line or ("Filter:" in line and sequential):
                        kept.append(line.strip()[:160])
                return kept[:8]
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [str(row[-1]) for row in cursor.fetchall()][:12]
    except Exception as exc:  # a plan is a diagnostic, never a failure
        return [f"(no plan: {exc})"]


def check(request: Request, response: Any) -> list[str]:
    """What is wrong with the answer to one of the timed requests."""
    assert response.status_code == 200, (request.url, response.status_code, response.content[:300])
    body = response.json()
    problems = []
    if request.expect_matched and body["matched"] != request.expect_matched:
        problems.append(
            f"{decoded(request.url)}: matched={body['matched']}, expected {request.expect_matched}"
        )
    if request.kind not in ("fallback", "browse") and body["count"] == 0:
        problems.append(f"{request.kind} {decoded(request.url)}: no result")
    return problems


def decoded(url: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(url)


def relevance(ranks: list[tuple[Gold, int | None, dict[str, Any]]]) -> dict[str, Any]:
    def summary(items: list[tuple[Gold, int | None, dict[str, Any]]]) -> dict[str, Any]:
        top = [r for _, r, _ in items if r is not None and r <= 10]
        return {
            "queries": len(items),
            "found_at_10": len(top),
            "recall_at_10": len(top) / len(items) if items else 0.0,
            "mean_rank": statistics.mean(top) if top else None,
            "mrr_at_10": sum(1 / r for r in top) / len(items) if items else 0.0,
            "found_at_100": sum(1 for _, r, _ in items if r is not None),
            # Ranked no lower than its tied answers allow (rank <= tied): nothing to tune.
            "within_tie": sum(1 for g, r, _ in items if r is not None and r <= g.tied),
            "mean_tied": statistics.mean(g.tied for g, _, _ in items) if items else 0.0,
            # A perfect engine puts the tied answers first in any order: the expected one
            # is then at rank 1..k alike, and its reciprocal rank is H(k)/k on average.
            "ideal_mrr": statistics.mean(
                sum(1 / r for r in range(1, g.tied + 1)) / g.tied for g, _, _ in items
            )
            if items
            else 0.0,
        }

    by_variation: dict[str, list[tuple[Gold, int | None, dict[str, Any]]]] = defaultdict(list)
    for item in ranks:
        by_variation[item[0].variation].append(item)
    # Worst: not found, then ranked furthest below the answers tied with it.
    worst = sorted(ranks, key=lambda x: (x[1] is not None, -((x[1] or 0) - x[0].tied)))[:5]
    return {
        **summary(ranks),
        "variations": {v: summary(by_variation[v]) for v in VARIATIONS if by_variation[v]},
        "worst": [
            {
                "variation": g.variation,
                "query": g.query,
                "expected": g.slug,
                "title": g.title,
                "rank": r,
                "tied": g.tied,
                "count": body["count"],
                "matched": body["matched"],
                "first": body["results"][0]["title_fa"] if body["results"] else "",
            }
            for g, r, body in worst
        ],
    }


def print_relevance(rel: dict[str, Any]) -> None:
    print(
        f"\nrelevance: {rel['queries']} gold queries (at most 10 equally good answers each, "
        f"{rel['mean_tied']:.1f} on average)"
    )
    print(
        f"  {'variation':15s} {'n':>4s} {'found@10':>9s} {'recall':>7s} {'mean rank':>9s} "
        f"{'MRR@10':>7s} {'ideal':>6s} {'found@100':>9s} {'in tie':>7s}"
    )
    for name, s in [*rel["variations"].items(), ("all", rel)]:
        mean_rank = f"{s['mean_rank']:.2f}" if s["mean_rank"] is not None else "-"
        print(
            f"  {name:15s} {s['queries']:4d} {s['found_at_10']:9d} {s['recall_at_10']:6.1%} "
            f"{mean_rank:>9s} {s['mrr_at_10']:7.3f} {s['ideal_mrr']:6.3f} {s['found_at_100']:9d} "
            f"{s['within_tie']:7d}"
        )
    print(
        "  ideal: the MRR of an engine that ranks the tied answers first, in random order;\n"
        "  in tie: ranked among the answers as good as the expected one (rank <= tied)\n"
        "  the five worst gold queries (not found, or furthest below their tied answers):"
    )
    for w in rel["worst"]:
        rank = f"rank {w['rank']}" if w["rank"] else "not in the first 100"
        print(
            f"    [{w['variation']}] «{w['query']}» → {w['expected']} ({rank}; {w['tied']} tied; "
            f"{w['count']} results, matched={w['matched']}; first: «{w['first']}»)"
        )


# --- the parent ----------------------------------------------------------------------------


def admin_url(url: str) -> tuple[str, str]:
    """The server's ``postgres`` database URL and the benchmark database's name."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def prepare_postgres(url: str) -> str | None:
    """Make the benchmark database afresh; the reason it cannot be, or None."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError as exc:
        return f"psycopg is not installed ({exc})"
    admin, name = admin_url(url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        return f"no PostgreSQL server reachable at {admin}: {str(exc).strip()}"
    return None


def drop_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = admin_url(url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def run_child(database: str, url: str, args: argparse.Namespace) -> dict[str, Any] | str:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [
        sys.executable, __file__, "--child", database, "--result", str(out),
        "--seed", str(args.seed), "--datasets", str(args.datasets),
        "--organisations", str(args.organisations), "--rounds", str(args.rounds),
        "--budget", str(args.budget), *(["--no-analyze"] if args.no_analyze else []),
        "--gold", str(args.gold), "--baseline", str(args.baseline),
        *(["--keep"] if args.keep else []),
    ]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": url}
    try:
        completed = subprocess.run(command, env=env, check=False)  # noqa: S603
        if completed.returncode != 0:
            return f"failed (exit status {completed.returncode})"
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result
    finally:
        out.unlink(missing_ok=True)


def print_summary(results: dict[str, dict[str, Any] | str]) -> None:
    names = list(results)
    done = {n: r for n, r in results.items() if isinstance(r, dict)}
    width = 24
    print("\n=== summary ===")
    print(f"  {'':28s}" + "".join(f"{n:>{width}s}" for n in names))

    def line(label: str, value: Callable[[dict[str, Any]], str]) -> None:
        cells = [value(done[n]) if n in done else str(results[n])[: width - 1] for n in names]
        print(f"  {label:28s}" + "".join(f"{c:>{width}s}" for c in cells))

    line("server", lambda r: r["server"])
    line("datasets / organisations", lambda r: f"{r['datasets']:,} / {r['organisations']}")
    line("rebuild() s", lambda r: f"{r['rebuild_s']:.1f}")
    line("baseline ms (dataset GET)", lambda r: f"{r['baseline_ms']:.1f}")
    line("search median ms (×base)", lambda r: _ms(r["overall"]["median"], r))
    line("search p95 ms (×base)", lambda r: _ms(r["overall"]["p95"], r))
    line("p95 < 50 ms", lambda r: "yes" if r["goal_met"] else "NO")
    line(
        "no facets: median / p95 ms",
        lambda r: "{median:.1f} / {p95:.1f}".format(**r["overall_no_facets"]),
    )
    for kind in KINDS:
        line(f"  p95 {kind}", partial(_kind_p95, kind))
    line(
        "recall@10",
        lambda r: "{found_at_10}/{queries} ({recall_at_10:.1%})".format(**r["relevance"]),
    )
    line(
        "mean rank of found",
        lambda r: f"{r['relevance']['mean_rank']:.2f}" if r["relevance"]["mean_rank"] else "-",
    )
    line("MRR@10 (ideal)", lambda r: "{mrr_at_10:.3f} ({ideal_mrr:.3f})".format(**r["relevance"]))
    line("checks failed", lambda r: str(len(r["problems"])))


def compare_answers(results: dict[str, dict[str, Any] | str]) -> None:
    """Both engines promise the same results in the same order: do they?"""
    done = [r for r in results.values() if isinstance(r, dict)]
    if len(done) < 2:
        return
    first, second = done[0], done[1]
    differ = [
        (a, b) for a, b in zip(first["answers"], second["answers"], strict=True) if a[1:] != b[1:]
    ]
    print(
        f"\nsame answers on {first['server']} and {second['server']} (count, matched, first "
        f"page in order): {len(first['answers']) - len(differ)} of {len(first['answers'])} "
        "requests; gold queries: "
        + ("same ranks" if first["relevance"] == second["relevance"] else "ranks differ")
    )
    for a, b in differ[:5]:
        print(f"  {decoded(a[0])}: count {a[1]} / {b[1]}, matched {a[2]} / {b[2]}")
        if a[3] != b[3]:
            print(f"    first page: {' '.join(a[3][:5])}… / {' '.join(b[3][:5])}…")


def _kind_p95(kind: str, r: dict[str, Any]) -> str:
    return _ms(r["kinds"][kind]["p95"], r) if kind in r["kinds"] else "-"


def _ms(value: float, r: dict[str, Any]) -> str:
    return f"{value:.1f} ({value / r['baseline_ms']:.1f}×)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the requests")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds for the timed passes: fewer rounds (at least one) if they would take longer",
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="PostgreSQL: do not ANALYZE after loading (as with autovacuum off)",
    )
    parser.add_argument("--gold", type=int, default=300, help="gold queries (10 variations)")
    parser.add_argument("--baseline", type=int, default=50, help="baseline requests")
    parser.add_argument("--seed", type=int, default=1402)
    parser.add_argument(
        "--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MARJA_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="the database is dropped and made again, then dropped at the end",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data folders and the PostgreSQL database"
    )
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = child(args.child, args)
        Path(args.result).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0

    started = time.perf_counter()
    results: dict[str, dict[str, Any] | str] = {}
    failed = False
    for database in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if database == "sqlite":
            results["SQLite"] = run_child("sqlite", "", args)
        elif database == "postgres":
            reason = prepare_postgres(args.postgres_url)
            if reason:
                print(f"\nSKIPPED PostgreSQL: {reason}")
                results["PostgreSQL"] = "skipped"
                continue
            try:
                results["PostgreSQL"] = run_child("postgres", args.postgres_url, args)
            finally:
                if not args.keep:
                    drop_postgres(args.postgres_url)
        else:
            parser.error(f"unknown database {database!r}")
    failed = any(isinstance(r, str) and r != "skipped" for r in results.values())
    print_summary(results)
    compare_answers(results)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
