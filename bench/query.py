"""Benchmark: queries of a 10,000,000-row dataset through marja's HTTP API.

Generates a synthetic table with DuckDB (id, county code from the real county list, a
Jalali date, a Persian category, an integer and a number measure; cached as Parquet in
the bench folder), publishes it through marja's real pipeline (the services `marja import`
calls) into a fresh data folder as a public dataset, and starts `marja serve --no-worker`
(gunicorn, API rate limits raised through MARJA_API_RATE_LIMIT_*). Then, each against a
baseline measured in the same run:

- latency, ``--requests`` sequential requests on one persistent HTTP connection after a
  warm-up, of a filtered, sorted 50-row page (without and with the total count) and of a
  group-by aggregate; the baseline is the same SQL (built by the same ``rows_plan`` /
  ``aggregate_plan`` from the same query string) run directly in DuckDB in this process
  over the same Parquet object, with a fresh connection per query as the server opens
  one (and, for reference, with one reused connection). Goals: page median at most
  1.5 × DuckDB + 10 ms, aggregate 1.3 × DuckDB + 10 ms;
- throughput, ``--clients`` threads with persistent connections requesting a filtered
  50-row JSON page sorted by amount (one county after another) for ``--seconds`` per
  server, in ``--rounds`` alternating rounds, on marja and on Datasette (both up, one
  loaded at a time) serving the same rows from SQLite (built from the published Parquet
  with Python's sqlite3 and cached, with an index on the filter column as a deployer
  would add; opened immutable, ``-i``, as ``datasette publish`` does; page size 50 and a
  10 s SQL time limit, other settings default). Twice: each server's default
  page (marja counts the matching rows; Datasette counts them and tries suggested facets),
  and the page alone (``count=false``; ``_nocount=1&_nofacet=1``). Goal: marja's requests
  per second at least Datasette's.

Clients and servers share the machine, so the figures compare systems measured together,
not absolute capacity. Figures are printed and the goals checked; the exit status is
non-zero only on errors. Run with `make bench`.
"""

# The SQL here is built from the bench's own constants, numbers and temporary paths.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, Final
from urllib.parse import urlencode

ROOT: Final = Path(__file__).resolve().parent.parent
VENV_BIN: Final = Path(sys.executable).parent
COUNTIES_FILE: Final = ROOT / "src" / "marja" / "catalog" / "reference" / "tehran_counties.csv"
SLUG: Final = "bench-records"
MS: Final = 1000.0
#: Rows with an amount at least this are kept by the latency page's filter (about half).
AMOUNT_FLOOR: Final = 500_000
CATEGORIES: Final = (
    "آموزش ابتدایی", "آموزش متوسطه", "بهداشت و درمان", "حمل‌ونقل عمومی", "کشاورزی",
    "صنایع کوچک", "مسکن روستایی", "محیط زیست", "فرهنگ و هنر", "ورزش همگانی",
    "آب و فاضلاب", "راه‌سازی",
)  # fmt: skip
#: The goals of the issue: (factor, milliseconds) of ``api <= factor * duckdb + ms``.
GOALS: Final = {"page": (1.5, 10.0), "page+count": (1.5, 10.0), "aggregate": (1.3, 10.0)}


def counties() -> list[tuple[str, str, str]]:
    """Code, Persian and English name of each county, from the shipped reference list."""
    with COUNTIES_FILE.open(encoding="utf-8", newline="") as handle:
        return [(r["code"], r["name_fa"], r["name_en"]) for r in csv.DictReader(handle)]


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# --- the data ------------------------------------------------------------------------------


def generate(path: Path, rows: int, seed: int) -> None:
    """Write the source Parquet file: every value derives from ``hash(id, seed, column)``."""
    import duckdb

    codes = [code for code, _, _ in counties()]

    def h(column: int) -> str:
        return f"CAST(hash(i, {seed}, {column}) >> 1 AS BIGINT)"

    select = (
        "SELECT i AS id, "
        f"list_element({_sql_list(codes)}, {h(1)} % {len(codes)} + 1) AS county, "
        f"printf('%d/%02d/%02d', {h(2)} % 8 + 1395, {h(2)} // 8 % 12 + 1, "
        f"{h(2)} // 96 % 29 + 1) AS registered, "
        f"list_element({_sql_list(CATEGORIES)}, {h(3)} % {len(CATEGORIES)} + 1) AS category, "
        f"{h(4)} % 10000 AS quantity, "
        f"round({h(5)} % 100000000 / 100.0, 2) AS amount "
        f"FROM range(1, {rows + 1}) t(i)"
    )
    temporary = path.with_suffix(".tmp")
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({select}) TO '{temporary}' (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()
    temporary.replace(path)


def schema_dict() -> dict[str, Any]:
    """The schema the bench declares before publishing (as a publisher would)."""
    fields = [
        {"name": "id", "type": "integer", "label_en": "Record", "required": True},
        {"name": "county", "type": "county", "label_fa": "شهرستان", "label_en": "County"},
        {"name": "registered", "type": "jalali_date", "label_en": "Registered on"},
        {"name": "category", "type": "string", "label_fa": "بخش", "label_en": "Sector"},
        {"name": "quantity", "type": "integer", "label_en": "Quantity", "minimum": 0},
        {"name": "amount", "type": "number", "label_en": "Amount", "unit": "ریال"},
    ]
    return {"fields": fields, "primary_key": ["id"]}


def _child_publish(spec: dict[str, Any]) -> dict[str, Any]:
    """In a fresh data folder: migrate, load the demo catalog, publish the source file."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "marja.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from marja.accounts.models import Organisation
    from marja.catalog.demo import load_demo
    from marja.catalog.models import Dataset, Licence, Theme
    from marja.catalog.services import DatasetIn, create_dataset
    from marja.core.schema import Schema
    from marja.core.sources import ReadOptions
    from marja.ingest.cli import import_file
    from marja.ingest.services import update_schema

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    publisher, theme, licence = (
        Organisation.objects.order_by("pk").first(),
        Theme.objects.order_by("position").first(),
        Licence.objects.order_by("pk").first(),
    )
    if publisher is None or theme is None or licence is None:
        raise SystemExit("the demo catalog has no organisation, theme or licence")
    dataset = create_dataset(
        DatasetIn(
            slug=SLUG,
            title_fa="رکوردهای آزمون سرعت",
            title_en="Benchmark records (synthetic)",
            publisher=publisher,
            theme=theme,
            licence=licence,
            frequency=Dataset.Frequency.IRREGULAR,
            access=Dataset.Access.PUBLIC,
            status=Dataset.Status.PUBLISHED,
        ),
        actor=None,
    )
    update_schema(dataset, Schema.from_dict(schema_dict()), actor=None)
    start = time.perf_counter()
    outcome = import_file(
        Path(spec["source"]),
        dataset,
        options=ReadOptions(),
        note="synthetic rows of bench/query.py",
        valid_rows_only=False,
        progress=lambda stage, fraction: None,
    )
    seconds = time.perf_counter() - start
    version = outcome.publication.version
    if outcome.exit_code != 0 or version is None:
        raise SystemExit("publication failed:\n" + "\n".join(outcome.lines))
    return {
        "sha256": version.sha256,
        "rows": version.row_count,
        "schema": version.schema,
        "seconds": seconds,
    }


@dataclass(frozen=True)
class Published:
    sha256: str
    rows: int
    schema: dict[str, Any]
    seconds: float
    parquet: Path


def publish(source: Path, data_dir: Path, env: dict[str, str]) -> Published:
    result = data_dir.parent / f"{data_dir.name}-publish.json"
    spec = json.dumps({"source": str(source), "result": str(result)})
    subprocess.run(  # noqa: S603 (this very script, with arguments we built)
        [sys.executable, str(Path(__file__).resolve()), "--child", spec], check=True, env=env
    )
    outcome = json.loads(result.read_text())
    result.unlink()
    from marja.core.store import LocalObjectStore

    parquet = LocalObjectStore(data_dir).open(outcome["sha256"])
    return Published(parquet=parquet, **outcome)


def build_sqlite(parquet: Path, target: Path) -> float:
    """Copy the published rows into a SQLite table ``records`` with an index on county."""
    import duckdb

    start = time.perf_counter()
    temporary = target.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)
    db = sqlite3.connect(temporary)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute(
        "CREATE TABLE records (id INTEGER PRIMARY KEY, county TEXT, registered TEXT, "
        "category TEXT, quantity INTEGER, amount REAL)"
    )
    con = duckdb.connect()
    cursor = con.execute(
        "SELECT id, county, CAST(registered AS VARCHAR), category, quantity, amount "
        f"FROM read_parquet('{parquet}') ORDER BY id"
    )
    while batch := cursor.fetchmany(100_000):
        db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", batch)
    con.close()
    db.execute("CREATE INDEX records_county ON records (county)")
    db.commit()
    db.execute("ANALYZE")
    db.close()
    temporary.replace(target)
    return time.perf_counter() - start


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BenchError(RuntimeError):
    pass


@dataclass
class Server:
    """A server process in its own process group, stopped with everything it started."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str, timeout: float = 120.0) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own commands)
                self.command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"{self.name} exited with {self.process.returncode}; see {self.log}"
                )
            probe = Client(self.port)
            try:
                if probe.get(ready_path)[0] == 200:
                    return
            except OSError:
                pass
            finally:
                probe.close()
            time.sleep(0.5)
        raise BenchError(f"{self.name} did not answer {ready_path} in {timeout:.0f} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


class Client:
    """One persistent HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[int, bytes, float]:
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - start
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
            return response.status, body, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


# --- latency -------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    api: list[float]
    fresh: list[float]
    reused: list[float]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _page_params(code: str, *, count: bool) -> dict[str, list[str]]:
    return {
        "county": [code],
        "amount__gte": [str(AMOUNT_FLOOR)],
        "sort": ["-amount"],
        "limit": ["50"],
        "count": ["true" if count else "false"],
    }


AGGREGATE_PARAMS: Final = {"group_by": ["county"], "measures": ["count,sum:amount,avg:amount"]}


def _sequence(label: str, codes: list[str]) -> list[dict[str, list[str]]]:
    """The query strings of a latency sequence, as the API reads them; one per county."""
    if label == "aggregate":
        return [AGGREGATE_PARAMS]
    return [_page_params(code, count=label == "page+count") for code in codes]


def _api_path(params: dict[str, list[str]]) -> str:
    kind = "aggregate" if "group_by" in params else "rows"
    query = urlencode([(k, v) for k, values in params.items() for v in values])
    return f"/api/v1/datasets/{SLUG}/{kind}?{query}"


def _runner(published: Published, params: dict[str, list[str]]) -> Callable[[Any], Any]:
    """What the API runs for ``params``, on a DuckDB connection: the same plan, the same
    fetch (the query string read by the API's own parser, counties by the same aliases)."""
    from marja.core.convert import reference_aliases
    from marja.core.query import aggregate_plan, fetch_page, fetch_table, rows_plan
    from marja.core.schema import Schema
    from marja.query.params import aggregate_query_from, rows_query_from, wants

    schema = Schema.from_dict(published.schema)
    aliases = reference_aliases({code: (fa, en) for code, fa, en in counties()})
    if "group_by" in params:
        query = aggregate_query_from(params)
        return partial(
            fetch_table, plan=aggregate_plan(published.parquet, schema, query, counties=aliases)
        )
    plan = rows_plan(
        published.parquet,
        schema,
        rows_query_from(params),
        version=published.sha256,
        counties=aliases,
    )
    return partial(fetch_page, plan=plan, count=wants(params, "count", default=True))


def check_page(port: int, path: str, published: Published, params: dict[str, list[str]]) -> None:
    """A server's page holds the amounts DuckDB finds for the same query, 50 of them."""
    from marja.core.query import connect

    con = connect()
    page = _runner(published, params)(con)
    con.close()
    index = [c.name for c in page.columns].index("amount")
    expected = [row[index] for row in page.rows]
    client = Client(port)
    status, body, _ = client.get(path)
    client.close()
    answer = json.loads(body) if status == 200 else {"rows": []}
    rows = answer["rows"]
    got = [
        r[answer["columns"].index("amount")] if isinstance(r, list) else r["amount"] for r in rows
    ]
    if got != expected or len(got) != 50:
        raise BenchError(f"GET {path}: amounts {got[:5]}…, DuckDB finds {expected[:5]}…")


def time_sequence(
    port: int, paths: list[str], runners: list[Callable[[Any], Any]], requests: int, warmup: int
) -> tuple[list[float], list[float], list[float]]:
    """Seconds of each request: through the API, then the same SQL on a fresh DuckDB
    connection, then on one reused connection, interleaved so that a change in the
    machine's load hits all three alike."""
    from marja.core.query import connect

    api: list[float] = []
    fresh: list[float] = []
    reused: list[float] = []
    client, shared = Client(port), connect()
    try:
        for i in range(warmup + requests):
            status, body, elapsed = client.get(paths[i % len(paths)])
            if status != 200:
                raise BenchError(f"GET {paths[i % len(paths)]}: {status} {body[:300]!r}")
            start = time.perf_counter()
            con = connect()
            runners[i % len(runners)](con)
            con.close()
            middle = time.perf_counter()
            runners[i % len(runners)](shared)
            end = time.perf_counter()
            if i >= warmup:
                api.append(elapsed)
                fresh.append(middle - start)
                reused.append(end - middle)
    finally:
        client.close()
        shared.close()
    return api, fresh, reused


def measure_latency(port: int, published: Published, args: argparse.Namespace) -> list[Timing]:
    codes = [code for code, _, _ in counties()]
    first = _page_params(codes[0], count=False)
    check_page(port, _api_path(first), published, first)
    timings = []
    for label in GOALS:
        sequence = _sequence(label, codes)
        paths = [_api_path(params) for params in sequence]
        runners = [_runner(published, params) for params in sequence]
        api, fresh, reused = time_sequence(port, paths, runners, args.requests, warmup=3)
        timings.append(Timing(label, api, fresh, reused))
        print(
            f"  {label:10s} API {median(api) * MS:7.1f} ms, DuckDB fresh connection "
            f"{median(fresh) * MS:7.1f} ms, reused {median(reused) * MS:7.1f} ms (medians)",
            flush=True,
        )
    return timings


def overhead_floor(port: int, requests: int) -> tuple[float, float]:
    """Median of an API request answered before DuckDB (unknown version: 404), and of a
    bare DuckDB connection opened and closed."""
    from marja.core.query import connect

    client = Client(port)
    path = f"/api/v1/datasets/{SLUG}/rows?version=9999"
    times = []
    for i in range(requests + 2):
        status, _, elapsed = client.get(path)
        if status != 404:
            raise BenchError(f"GET {path}: {status}")
        if i >= 2:
            times.append(elapsed)
    client.close()
    connects = []
    for _ in range(requests):
        start = time.perf_counter()
        connect().close()
        connects.append(time.perf_counter() - start)
    return median(times), median(connects)


# --- throughput ----------------------------------------------------------------------------


@dataclass
class Load:
    label: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def hammer(label: str, port: int, paths: list[str], clients: int, seconds: float) -> Load:
    """``clients`` threads, each on its own connection, requesting ``paths`` in turn."""
    load = Load(label, seconds)
    lock = threading.Lock()
    began, stop_at = [0.0], [0.0]

    def go() -> None:  # run once, when every client has warmed up, before any starts
        began[0] = time.perf_counter()
        stop_at[0] = began[0] + seconds

    start_line = threading.Barrier(clients + 1, action=go)

    def work(index: int) -> None:
        client, mine, errors = Client(port), list[float](), Counter[str]()
        for warm in range(2):
            client.get(paths[(index + warm) % len(paths)])
        start_line.wait()
        i = index
        while time.perf_counter() < stop_at[0]:
            try:
                status, _, elapsed = client.get(paths[i % len(paths)])
                if status == 200:
                    mine.append(elapsed)
                else:
                    errors[str(status)] += 1
            except OSError as exc:
                errors[type(exc).__name__] += 1
            i += 1
        client.close()
        with lock:
            load.latencies.extend(mine)
            load.errors.update(errors)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start_line.wait()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - began[0]  # with the requests in flight at the end
    return load


def merged(label: str, loads: list[Load]) -> Load:
    total = Load(label, sum(load.seconds for load in loads))
    for load in loads:
        total.latencies.extend(load.latencies)
        total.errors.update(load.errors)
    return total


def measure_throughput(
    args: argparse.Namespace, marja: int, datasette: int
) -> tuple[dict[str, Load], dict[str, Load]]:
    """Each variant in ``--rounds`` rounds, marja then Datasette in each, so that a change
    of the machine's load during the run falls on both."""
    share = args.seconds / args.rounds
    codes = [code for code, _, _ in counties()]
    ours, theirs = {}, {}
    for variant, (our_paths, their_paths) in throughput_paths(codes).items():
        rounds: list[tuple[Load, Load]] = []
        for _ in range(args.rounds):
            rounds.append(
                (
                    hammer("marja", marja, our_paths, args.clients, share),
                    hammer("datasette", datasette, their_paths, args.clients, share),
                )
            )
        ours[variant] = merged(variant, [a for a, _ in rounds])
        theirs[variant] = merged(variant, [b for _, b in rounds])
        per_round = ", ".join(f"{a.rate:.1f} vs {b.rate:.1f}" for a, b in rounds)
        print(f"  {variant}: requests/s by round, marja vs Datasette: {per_round}")
        for name, load in (("marja", ours[variant]), ("Datasette", theirs[variant])):
            print(
                f"    {name:9s} {load.rate:7.1f} requests/s, median "
                f"{median(load.latencies) * MS:7.1f} ms, p95 {p95(load.latencies) * MS:7.1f} ms, "
                f"errors {dict(load.errors) or 0}",
                flush=True,
            )
    return ours, theirs


PAGE_ONLY: Final = "page only (no count, no facets)"


def throughput_paths(codes: list[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Per variant: marja's paths and Datasette's equivalent ones, one per county."""
    marja, datasette = f"/api/v1/datasets/{SLUG}/rows", "/records/records.json"

    def paths(base: str, extra: dict[str, str]) -> list[str]:
        return [f"{base}?{urlencode({'county': c, **extra})}" for c in codes]

    return {
        "page + total count (both defaults)": (
            paths(marja, {"sort": "-amount", "limit": "50"}),
            paths(datasette, {"_sort_desc": "amount", "_size": "50"}),
        ),
        PAGE_ONLY: (
            paths(marja, {"sort": "-amount", "limit": "50", "count": "false"}),
            paths(
                datasette, {"_sort_desc": "amount", "_size": "50", "_nocount": "1", "_nofacet": "1"}
            ),
        ),
    }


# --- the run -------------------------------------------------------------------------------


def child_env(data_dir: Path) -> dict[str, str]:
    """marja's environment: a fresh data folder (SQLite database in it), limits raised."""
    return {
        **os.environ,
        "MARJA_DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "marja.settings",
        "MARJA_API_RATE_LIMIT_ANONYMOUS": "1000000/minute",
        "MARJA_API_RATE_LIMIT_TOKEN": "1000000/minute",
    }


def _rate_limit_note() -> str:
    from marja import config

    if hasattr(config, "API_RATE_LIMIT_ANONYMOUS") and hasattr(config, "API_RATE_LIMIT_TOKEN"):
        return "API rate limits raised to 1000000/minute (MARJA_API_RATE_LIMIT_ANONYMOUS, _TOKEN)"
    return "NOTE: marja.config has no MARJA_API_RATE_LIMIT_* options yet; limits are the defaults"


def prepare(args: argparse.Namespace, cache: Path, data_dir: Path) -> Published:
    source = cache / f"records-{args.rows}-{args.seed}.parquet"
    if source.exists():
        print(f"source file (cached): {source}, {source.stat().st_size / 1e6:,.1f} MB")
    else:
        print(f"generating {args.rows:,} rows into {source} …", flush=True)
        start = time.perf_counter()
        generate(source, args.rows, args.seed)
        took = time.perf_counter() - start
        print(f"  {source.stat().st_size / 1e6:,.1f} MB in {took:.1f} s")
    print(f"publishing it through marja's pipeline into {data_dir} …", flush=True)
    published = publish(source, data_dir, child_env(data_dir))
    if published.rows != args.rows:
        raise BenchError(f"published {published.rows} rows, generated {args.rows}")
    print(
        f"  version 1 of {SLUG}: {published.rows:,} rows, Parquet "
        f"{published.parquet.stat().st_size / 1e6:,.1f} MB, sha256 {published.sha256[:16]}…, "
        f"published in {published.seconds:.1f} s"
    )
    print("  schema: " + ", ".join(f"{f['name']}:{f['type']}" for f in published.schema["fields"]))
    return published


def run_marja(
    args: argparse.Namespace, folder: Path, published: Published, servers: ExitStack
) -> tuple[list[Timing], tuple[float, float], int]:
    port = free_port()
    command = [str(VENV_BIN / "marja"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(args.workers), "--threads", str(args.threads), "--no-worker"]
    server = Server("marja", command, child_env(folder / "data"), folder / "marja.log", port)
    servers.callback(server.stop)
    print(
        f"\nstarting marja serve (gunicorn gthread, {args.workers} workers × {args.threads} "
        f"threads, --no-worker) on port {port} …",
        flush=True,
    )
    server.start(f"/api/v1/datasets/{SLUG}/aggregate?measures=count")
    print(f"  {_rate_limit_note()}")
    print(f"\nlatency, {args.requests} sequential requests each after a warm-up:", flush=True)
    timings = measure_latency(port, published, args)
    floor = overhead_floor(port, args.requests)
    return timings, floor, port


def run_datasette(
    args: argparse.Namespace,
    cache: Path,
    folder: Path,
    published: Published,
    servers: ExitStack,
) -> int:
    database = cache / f"sqlite-{published.sha256[:16]}" / "records.db"
    if database.exists():
        print(f"\nSQLite copy (cached): {database}")
    else:
        database.parent.mkdir(parents=True, exist_ok=True)
        print(f"\nbuilding the SQLite copy {database} (sqlite3 executemany) …", flush=True)
        took = build_sqlite(published.parquet, database)
        print(f"  {database.stat().st_size / 1e6:,.1f} MB in {took:.1f} s")
    port = free_port()
    command = [str(VENV_BIN / "datasette"), "serve", "-i", str(database), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--setting", "default_page_size", "50"]
    command += ["--setting", "sql_time_limit_ms", "10000"]
    server = Server("datasette", command, dict(os.environ), folder / "datasette.log", port)
    servers.callback(server.stop)
    print(f"starting {' '.join(command[1:])} …", flush=True)
    server.start("/-/versions.json")
    codes = [code for code, _, _ in counties()]
    variants = throughput_paths(codes)
    params = {"county": [codes[0]], "sort": ["-amount"], "limit": ["50"]}
    check_page(port, variants[PAGE_ONLY][1][0], published, params)
    return port


def summary(
    timings: list[Timing],
    floor: tuple[float, float],
    marja: dict[str, Load],
    datasette: dict[str, Load],
    args: argparse.Namespace,
) -> None:
    print(
        f"\nsummary: {args.rows:,} rows; {os.cpu_count()} CPUs shared by the clients and the "
        f"server; marja {args.workers} workers × {args.threads} threads; ms of one request; "
        "goal: API median ≤ factor × DuckDB median (fresh connection) + 10 ms"
    )
    header = (
        f"{'latency':11s} {'API med':>8s} {'API p95':>8s} {'DuckDB med':>11s} {'p95':>7s} "
        f"{'reused med':>11s} {'× fresh':>8s} {'× reused':>9s} {'goal: ≤ ms':>17s}"
    )
    print(header + "\n" + "-" * len(header))
    for t in timings:
        api, fresh, reused = median(t.api) * MS, median(t.fresh) * MS, median(t.reused) * MS
        factor, extra = GOALS[t.label]
        limit = factor * fresh + extra
        print(
            f"{t.label:11s} {api:8.1f} {p95(t.api) * MS:8.1f} {fresh:11.1f} "
            f"{p95(t.fresh) * MS:7.1f} {reused:11.1f} {api / fresh:7.2f}× {api / reused:8.2f}× "
            f"{factor}×+{extra:.0f} = {limit:6.1f} {'met' if api <= limit else 'NOT met'}"
        )
    print(
        f"API answer before DuckDB (unknown version, 404) {floor[0] * MS:.1f} ms; "
        f"DuckDB connect + close {floor[1] * MS:.1f} ms (medians)"
    )
    header = f"{'throughput':36s} {'marja r/s':>10s} {'Datasette r/s':>14s} {'ratio':>7s}  goal"
    print("\n" + header + "\n" + "-" * len(header))
    for variant, ours in marja.items():
        theirs = datasette[variant]
        met = "met" if ours.rate >= theirs.rate else "NOT met"
        print(
            f"{variant:36s} {ours.rate:10.1f} {theirs.rate:14.1f} {ours.rate / theirs.rate:6.2f}×"
            f"  ≥ Datasette: {met}"
        )


def machine_load(*, own: bool) -> str:
    """The load average; at the start, a warning when other work keeps the CPUs busy."""
    one, five, _ = os.getloadavg()
    if own:
        return f"load average {one:.1f} (1 min), {five:.1f} (5 min), the bench's own included"
    busy = " BUSY: other work shares the CPUs, figures are noisy" if one > 1.0 else ""
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min){busy}"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace, cache: Path, folder: Path) -> int:
    print(
        f"query benchmark: {args.rows:,} rows, {os.cpu_count()} CPUs (clients and servers "
        "share them), DuckDB per query as the server opens it: threads 2, memory 512 MB"
    )
    print(f"at the start: {machine_load(own=False)}")
    published = prepare(args, cache, folder / "data")
    with ExitStack() as servers:
        timings, floor, marja = run_marja(args, folder, published, servers)
        datasette = run_datasette(args, cache, folder, published, servers)
        print(
            f"\nthroughput, {args.clients} clients, {args.seconds:.0f} s per server and variant "
            f"in {args.rounds} alternating rounds (both servers up, one loaded at a time):",
            flush=True,
        )
        ours, theirs = measure_throughput(args, marja, datasette)
    summary(timings, floor, ours, theirs, args)
    print(f"at the end: {machine_load(own=True)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows of the table")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each load run")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per query")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients under load")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each load")
    parser.add_argument("--workers", type=int, default=2, help="marja serve --workers")
    parser.add_argument("--threads", type=int, default=4, help="marja serve --threads")
    parser.add_argument("--seed", type=int, default=1403)
    parser.add_argument("--keep", action="store_true", help="keep the data folder and logs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        spec = json.loads(args.child)
        Path(spec["result"]).write_text(json.dumps(_child_publish(spec)))
        return 0

    base = Path(os.environ.get("MARJA_DATA_DIR") or ROOT / "test-output" / "bench").resolve()
    cache = base / "query-cache"  # the generated file and its SQLite copy, reused
    cache.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="query-", dir=base))
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _run(args, cache, folder)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"\ndata folder and server logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
