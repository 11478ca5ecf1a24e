"""Benchmark: recomputing the demo plan's indicators after a 1,000,000-row version of a
source dataset, and rendering a county's profile (issue 7).

In a fresh data folder, loads the demo province as ``marja load-demo`` does (catalog,
demo data through the pipeline, the 7th-plan indicators), then:

1. **Recomputation on the demo data** (the baseline): ``recompute_using(hospital-beds)``
   (indicators 1.1 and 1.2) and ``recompute`` of every indicator computed from a dataset,
   on the demo's version of ``hospital-beds`` (a few hundred rows).
2. **A 1,000,000-row version** of ``hospital-beds`` (``--rows``): a UTF-8 CSV with the
   demo file's columns and headers and valid values (years 1401–1403 as the schema
   allows, quarters 1–4, the reference list's 16 counties by Persian name, unique keys),
   published through the real pipeline (``request_publication``, not in the background);
   its time is printed, for scale.
3. **Recomputation on the big version**: the same two measurements, with their ratio to
   the demo data's, and to a second baseline, bare DuckDB reading the big Parquet file
   (``SELECT count(*), sum(active_beds)`` on a connection like the one marja opens).
   Peak RSS of each step (Linux's VmHWM, reset before the step when the kernel allows)
   and the Python allocations' peak (tracemalloc, one extra run) are printed.
4. **Check**: indicator 1.1's stored values (province and counties) against the same
   ratio computed by DuckDB straight from the two Parquet files; "check: ok" or exit 1.
5. **Pages** after the big version, anonymous and as ``governorate.viewer``: the county
   profile ``/counties/varamin/`` (HTML and ``?format=xlsx``), the comparison of three
   counties, indicator 1.1's page and the plan's page; median ms and ratio to the
   not-found page (the page shell, no indicator query) measured in the same run.

Each timing is the median of ``--repeat`` runs after a warm-up. Figures are printed, never
judged (only a wrong value fails). Run with `make bench` or
``python bench/indicators.py [--rows N] [--repeat N] [--keep]``.
"""

# The SQL here is built from the bench's own constants and temporary paths.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Final

_base = os.environ.get("MARJA_DATA_DIR")
if _base:
    Path(_base).mkdir(parents=True, exist_ok=True)
DATA_DIR: Final = Path(tempfile.mkdtemp(prefix="marja-bench-indicators-", dir=_base or None))
os.environ["MARJA_DATA_DIR"] = str(DATA_DIR)
os.environ.setdefault("DATABASE_URL", "")
os.environ["MARJA_ALLOWED_HOSTS"] = "testserver"
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
sys.path.insert(0, os.getcwd())

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from marja.accounts.models import User  # noqa: E402
from marja.catalog.demo import load_demo  # noqa: E402
from marja.catalog.models import County, Dataset  # noqa: E402
from marja.core.query import connect  # noqa: E402
from marja.indicators.computation import recompute, recompute_using  # noqa: E402
from marja.indicators.computation import recompute_all as batch_recompute  # noqa: E402
from marja.indicators.demo import CENSUS, PLAN_SLUG, load_demo_plan  # noqa: E402
from marja.indicators.models import Actual, Indicator  # noqa: E402
from marja.ingest.demo import demo_data, publish_demo_data  # noqa: E402
from marja.ingest.demo_files.common import headers  # noqa: E402
from marja.ingest.models import DatasetVersion, Publication  # noqa: E402
from marja.ingest.selectors import current_version  # noqa: E402
from marja.ingest.services import PublishRequest, request_publication, upload_from_path  # noqa: E402
from marja.ingest.storage import object_store  # noqa: E402

BEDS: Final = "hospital-beds"
CHECKED: Final = "1.1"
YEARS: Final = (1401, 1402, 1403)  # the schema's minimum and maximum
QUARTERS: Final = (1, 2, 3, 4)
WARDS: Final = ("داخلی", "جراحی", "اطفال", "زنان و زایمان", "مراقبت‌های ویژه", "روان‌پزشکی")
OWNERS: Final = ("دولتی", "خصوصی")
PAGES: Final = {
    "county profile": "/counties/varamin/",
    "county profile xlsx": "/counties/varamin/?format=xlsx",
    "compare 3 counties": "/counties/compare/?county=varamin&county=shemiranat&county=rey",
    "indicator 1.1": f"/plans/{PLAN_SLUG}/indicators/1.1/",
    "plan": f"/plans/{PLAN_SLUG}/",
}
NOT_FOUND: Final = "/no-such-page/"


# --- measuring -----------------------------------------------------------------------------


def median_s(action: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``action`` over ``repeat`` runs, after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """Peak RSS since the last reset (VmHWM), in MB."""
    return _status_mb("VmHWM")


def memory_note(action: Callable[[], object]) -> str:
    """Peak RSS over one run of ``action`` (above its RSS at the start) and the peak of its
    Python allocations (tracemalloc, so a second run)."""
    start_rss = _status_mb("VmRSS")
    resettable = reset_peak_rss()
    action()
    peak = peak_rss_mb()
    tracemalloc.start()
    action()
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = f"peak RSS {peak:,.0f} MB (+{peak - start_rss:,.0f} MB)"
    if not resettable:
        rss = f"peak RSS of the process so far {peak:,.0f} MB (VmHWM not resettable)"
    return f"{rss}, Python allocations peak {python_peak / 1e6:,.1f} MB"


# --- the big version -----------------------------------------------------------------------


def write_big_csv(path: Path, rows: int) -> None:
    """``rows`` rows of ``hospital-beds`` with the demo file's headers, streamed by DuckDB.

    Row ``i`` is in period-and-county group ``i % groups`` (year, quarter, county); the
    rest of ``i`` names its ward and owner, so the primary key (year, quarter, county,
    ward, ownership) is unique. Beds and occupancy derive from ``hash(i)``.
    """
    item = next(d for d in demo_data() if d.slug == BEDS)
    names = [c.name_fa for c in County.objects.order_by("code")]
    groups = len(YEARS) * len(QUARTERS) * len(names)

    def text_list(values: list[str] | tuple[str, ...]) -> str:
        return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"

    labels = headers(item.schema)
    rest = f"(i // {groups})"
    columns = [
        f"{YEARS[0]} + i % {groups} // {len(QUARTERS) * len(names)}",
        f"1 + i % {len(QUARTERS) * len(names)} // {len(names)}",
        f"list_element({text_list(names)}, 1 + i % {len(names)})",
        f"list_element({text_list(WARDS)}, 1 + {rest} // 2 % {len(WARDS)}) || ' ' || "
        f"CAST(1 + {rest} // {2 * len(WARDS)} AS VARCHAR)",
        f"list_element({text_list(OWNERS)}, 1 + {rest} % 2)",
        "CAST(hash(i, 1) % 60 AS BIGINT)",
        "round(CAST(hash(i, 2) % 1000 AS DOUBLE) / 10, 1)",
    ]
    selected = ", ".join(
        f'{expression} AS "{label}"' for expression, label in zip(columns, labels, strict=True)
    )
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT {selected} FROM range({rows}) AS t(i) ORDER BY i) "
            f"TO '{path}' (FORMAT csv, HEADER)"
        )
    finally:
        con.close()


def publish_big(dataset: Dataset, path: Path) -> Publication:
    upload = upload_from_path(path, actor=None, original_name=path.name)
    publication = request_publication(
        dataset,
        upload,
        actor=None,
        request=PublishRequest(note="bench: 1,000,000-row version", channel="demo"),
        background=False,
    )
    if publication.status != Publication.Status.PUBLISHED:
        problems = (publication.report or {}).get("problems", [])[:5]
        raise SystemExit(
            f"the big version was {publication.status}: {publication.error} {problems}"
        )
    return publication


def parquet_of(dataset: Dataset) -> tuple[DatasetVersion, Path]:
    version = current_version(dataset)
    assert version is not None, dataset.slug
    return version, object_store().path_for(version.sha256)


# --- recomputation -------------------------------------------------------------------------


def dataset_indicators() -> list[Indicator]:
    return list(
        Indicator.objects.filter(origin=Indicator.Origin.DATASET)
        .select_related("dataset", "denominator_dataset")
        .order_by("plan_id", "code")
    )


def recompute_all() -> int:
    """``recompute`` of every indicator computed from a dataset, each opening its own DuckDB
    connection; how many failed."""
    return sum(1 for indicator in dataset_indicators() if not recompute(indicator).ok)


def recompute_all_shared() -> int:
    """The same as one batch (``recompute_all``: one DuckDB connection, as
    ``recompute_using`` shares one)."""
    return sum(1 for outcome in batch_recompute(dataset_indicators()) if not outcome.ok)


def recompute_beds(dataset: Dataset) -> int:
    outcomes = recompute_using(dataset)
    failed = [o for o in outcomes if not o.ok]
    assert not failed, [(o.indicator.code, o.error) for o in failed]
    return len(outcomes)


def measure_recomputation(dataset: Dataset, repeat: int) -> dict[str, float]:
    """Median seconds of the three recomputations (each checked to fail nothing first)."""
    assert recompute_beds(dataset) > 0
    assert recompute_all() == 0
    assert recompute_all_shared() == 0
    return {
        "using": median_s(lambda: recompute_beds(dataset), repeat),
        "all": median_s(recompute_all, repeat),
        "shared": median_s(recompute_all_shared, repeat),
    }


def bare_duckdb(path: Path, repeat: int) -> dict[str, float]:
    """Median seconds of ``count(*)`` and ``sum(active_beds)`` over the file, on one open
    connection (the query alone) and on a fresh one (as each ``recompute`` opens it), and
    of opening and closing a connection alone."""
    sql = f"SELECT count(*), sum(active_beds) FROM read_parquet('{path}')"

    def fresh() -> None:
        con = connect()
        try:
            con.execute(sql).fetchone()
        finally:
            con.close()

    def bare_connect() -> None:
        connect().close()

    con = connect()
    try:
        reused = median_s(lambda: con.execute(sql).fetchone(), repeat)
    finally:
        con.close()
    return {
        "query": reused,
        "fresh": median_s(fresh, repeat),
        "connect": median_s(bare_connect, repeat),
    }


# --- the check -----------------------------------------------------------------------------


def check_indicator(beds: Path, census: Path) -> int:
    """Indicator 1.1's stored actuals against DuckDB over the two Parquet files; how many
    values were compared. Exits when one differs."""
    indicator = Indicator.objects.get(plan__slug=PLAN_SLUG, code=CHECKED)
    assert indicator.scale == 1000, indicator.scale
    assert indicator.filters == [["quarter", "1"]], indicator.filters
    con = duckdb.connect()
    try:
        people = con.execute(f"SELECT sum(population) FROM read_parquet('{census}')").fetchone()
        assert people is not None
        by_county = dict(
            con.execute(
                f"SELECT county, sum(population) FROM read_parquet('{census}') GROUP BY county"
            ).fetchall()
        )
        expected: dict[tuple[int, str | None], float] = {}
        for year, county, beds_sum in con.execute(
            f"SELECT year, county, sum(active_beds) FROM read_parquet('{beds}') "
            "WHERE quarter = 1 GROUP BY GROUPING SETS ((year), (year, county))"
        ).fetchall():
            denominator = people[0] if county is None else by_county[county]
            expected[(int(year), county)] = 1000 * float(beds_sum) / float(denominator)
    finally:
        con.close()
    stored = {
        (a.year, a.county.code if a.county else None): a.value
        for a in Actual.objects.filter(indicator=indicator).select_related("county")
    }
    wrong = [
        (key, stored.get(key), value)
        for key, value in sorted(expected.items(), key=lambda i: (i[0][0], i[0][1] or ""))
        if stored.get(key) is None or abs(float(stored[key] or 0) - value) > 1e-9 * abs(value)
    ]
    if wrong or len(stored) != len(expected):
        print(f"check: FAILED, indicator {CHECKED}: (year, county), stored, expected:")
        for key, got, want in wrong[:20]:
            print(f"  {key}: {got} != {want}")
        print(f"  {len(stored)} stored values, {len(expected)} expected")
        raise SystemExit(1)
    return len(expected)


# --- pages ---------------------------------------------------------------------------------


def fetch(client: Client, url: str) -> int:
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return int(response.status_code)


def measure_pages(client: Client, repeat: int) -> dict[str, float]:
    """Median ms of the not-found page (key ``baseline``) and of each page."""
    assert fetch(client, NOT_FOUND) == 404
    results = {"baseline": median_s(lambda: fetch(client, NOT_FOUND), repeat) * 1000}
    for name, url in PAGES.items():
        status = fetch(client, url)
        assert status == 200, (url, status)
        results[name] = median_s(partial(fetch, client, url), repeat) * 1000
    return results


def print_pages(label: str, before: dict[str, float], after: dict[str, float]) -> None:
    print(
        f"\n{label}: baseline (not-found page: the shell, no indicator query) "
        f"{after['baseline']:.1f} ms (with the demo data {before['baseline']:.1f} ms)"
    )
    print(f"  {'page':20s} {'big ms':>8s} {'× baseline':>11s} {'demo ms':>8s} {'× baseline':>11s}")
    for name in PAGES:
        big, small = after[name], before[name]
        print(
            f"  {name:20s} {big:8.1f} {big / after['baseline']:10.1f}× "
            f"{small:8.1f} {small / before['baseline']:10.1f}×"
        )


# --- the run -------------------------------------------------------------------------------


def setup() -> float:
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo()
    publish_demo_data()
    load_demo_plan()
    return time.perf_counter() - start


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min), {os.cpu_count()} CPUs"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def run(args: argparse.Namespace) -> None:
    # The not-found baseline and the forced logins would log every request.
    for name in ("django.request", "axes"):
        logging.getLogger(name).setLevel(logging.ERROR)
    print(f"indicators benchmark: {args.rows:,} rows, median of {args.repeat} runs per figure")
    print(f"at the start: {machine_load()}")
    took = setup()
    count = len(dataset_indicators())
    print(f"demo province loaded (migrate, catalog, data, plan) in {took:.1f} s")
    dataset = Dataset.objects.get(slug=BEDS)
    small_version, small_path = parquet_of(dataset)
    _, census_path = parquet_of(Dataset.objects.get(slug=CENSUS))
    using = len(recompute_using(dataset))
    steps = {
        "using": f"recompute_using({BEDS}), {using} indicators",
        "all": f"recompute of all {count} dataset indicators",
        "shared": "the same, one DuckDB connection",
    }

    small = measure_recomputation(dataset, args.repeat)
    small_duck = bare_duckdb(small_path, args.repeat)
    anonymous, viewer = Client(), Client()
    viewer.force_login(User.objects.get(username="governorate.viewer"))
    pages_repeat = args.repeat * 4
    small_pages = {
        "anonymous": measure_pages(anonymous, pages_repeat),
        "governorate.viewer": measure_pages(viewer, pages_repeat),
    }
    print(
        f"\nbaseline: the demo's version {small_version.number} of {BEDS} "
        f"({small_version.row_count:,} rows)"
    )
    for key, label in steps.items():
        print(f"  {label:47s} {ms(small[key])}")
    print(f"  {'bare DuckDB count + sum, open connection':47s} {ms(small_duck['query'])}")

    csv_path = DATA_DIR / "takht-faal-big.csv"
    start = time.perf_counter()
    write_big_csv(csv_path, args.rows)
    generated = time.perf_counter() - start
    print(
        f"\ngenerated {args.rows:,} rows of {BEDS} ({csv_path.stat().st_size / 1e6:,.1f} MB "
        f"CSV) in {generated:.1f} s"
    )
    reset_peak_rss()
    rss_before = _status_mb("VmRSS")
    start = time.perf_counter()
    publish_big(dataset, csv_path)
    published = time.perf_counter() - start
    peak = peak_rss_mb()
    big_version, big_path = parquet_of(dataset)
    assert big_version.row_count == args.rows, big_version.row_count
    print(
        f"published through the pipeline as version {big_version.number} "
        f"({big_version.row_count:,} rows, Parquet {big_path.stat().st_size / 1e6:,.1f} MB) "
        f"in {published:.1f} s, peak RSS {peak:,.0f} MB (+{peak - rss_before:,.0f} MB)"
    )
    csv_path.unlink()

    big = measure_recomputation(dataset, args.repeat)
    duck = bare_duckdb(big_path, args.repeat)
    print(f"\nafter the {big_version.row_count:,}-row version:")
    print(f"  {'bare DuckDB count + sum, open connection':47s} {ms(duck['query'])}   (baseline)")
    print(f"  {'bare DuckDB count + sum, fresh connection':47s} {ms(duck['fresh'])}")
    print(f"  {'DuckDB connect + close alone':47s} {ms(duck['connect'])}")
    print(f"  {'':47s} {'':11s}   {'× demo data':>11s}   {'× DuckDB':>9s}")
    for key, label in steps.items():
        print(
            f"  {label:47s} {ms(big[key])}   {big[key] / small[key]:10.1f}×   "
            f"{big[key] / duck['query']:8.1f}×"
        )
    print(
        f"  per indicator: {big['all'] / count * 1000:.1f} ms (own connection), "
        f"{big['shared'] / count * 1000:.1f} ms (shared)"
    )
    print(f"  memory, recompute_using:   {memory_note(lambda: recompute_beds(dataset))}")
    print(f"  memory, recompute all:     {memory_note(recompute_all)}")

    compared = check_indicator(big_path, census_path)
    print(f"\ncheck: ok (indicator {CHECKED}: {compared} values, province and counties, equal)")

    for who, client in (("anonymous", anonymous), ("governorate.viewer", viewer)):
        after = measure_pages(client, pages_repeat)
        print_pages(f"pages, {who}", small_pages[who], after)
    print(f"\nat the end: {machine_load()}, the bench's own included")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big version")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each step")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    args = parser.parse_args(argv)
    try:
        run(args)
    finally:
        connections.close_all()
        if args.keep:
            print(f"\ndata folder kept in {DATA_DIR}")
        else:
            shutil.rmtree(DATA_DIR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
