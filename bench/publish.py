"""Benchmark: the publishing pipeline (`marja.core.publish.build_version`) on a large CSV.

Generates a deterministic CSV (default 1,000,000 rows × 10 columns: an integer key, county
codes and names, Persian text, integers partly in Persian digits, floats, Jalali and
Gregorian dates, yes/no words, a Latin code), then measures, each step in a fresh process
so that its peak RSS is its own:

- the baseline: bare DuckDB converting the same file,
  ``COPY (SELECT * FROM read_csv(file)) TO 'out.parquet' (FORMAT parquet)``, with the
  thread count and memory limit ``build_version`` uses (``Engine``);
- a first publication (schema inferred), then the SHA-256 of its Parquet file, as the
  service hashes it before storing;
- a second publication of a modified file (1% of rows changed, 0.5% removed, 0.5% added)
  with the first schema declared, ``id`` as primary key, and the first Parquet file as the
  previous version, so the diff by key runs.

Each step runs ``--repeat`` times (3); the median wall time and the largest peak RSS are
reported, with the ratio to the baseline of the same file measured in the same run.
``--big-gb 2`` does the same on a ~2 GB file (streamed to disk, once per step) to check the
pipeline's peak RSS stays under 1 GB. ``--max-line-mb N`` passes ``Limits(max_line_bytes=N
MiB)`` to ``build_version`` (DuckDB sizes its CSV buffer from that limit). ``--profile``
adds one run timing the functions ``build_version`` is made of, and each field's conversion
alone. Figures are printed, never judged: the exit status is non-zero only on errors. Run
with `make bench`.
"""

# The SQL here is built from the bench's own constants, numbers and temporary paths.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
MB: Final = 1_000_000
RSS_GOAL_MB: Final = 1000

# Tehran province's counties: code, Persian name, English name (as in the demo reference).
COUNTIES: Final = (
    ("tehran", "تهران", "Tehran"),
    ("shemiranat", "شمیرانات", "Shemiranat"),
    ("rey", "ری", "Rey"),
    ("eslamshahr", "اسلامشهر", "Eslamshahr"),
    ("shahriar", "شهریار", "Shahriar"),
    ("robatkarim", "رباط‌کریم", "Robat Karim"),
    ("baharestan", "بهارستان", "Baharestan"),
    ("pakdasht", "پاکدشت", "Pakdasht"),
    ("varamin", "ورامین", "Varamin"),
    ("qarchak", "قرچک", "Qarchak"),
    ("pishva", "پیشوا", "Pishva"),
    ("damavand", "دماوند", "Damavand"),
    ("firuzkuh", "فیروزکوه", "Firuzkuh"),
    ("malard", "ملارد", "Malard"),
    ("qods", "قدس", "Qods"),
    ("pardis", "پردیس", "Pardis"),
)
SCHOOL_KINDS: Final = ("دبستان", "دبیرستان", "هنرستان", "مدرسه", "پیش‌دبستانی", "آموزشگاه")
SCHOOL_NAMES: Final = (
    "شهید بهشتی",
    "فردوسی",
    "سعدی",
    "حافظ",
    "خوارزمی",
    "ابن‌سینا",
    "علامه طباطبایی",
    "پروین اعتصامی",
    "شهید مطهری",
    "نیما یوشیج",
    "امیرکبیر",
    "رازی",
)
LATIN_DIGITS: Final = "0123456789"
PERSIAN_DIGITS: Final = "۰۱۲۳۴۵۶۷۸۹"
HEADERS: Final = (
    "id",
    "county",
    "نام مدرسه",
    "تعداد دانش‌آموز",
    "میانگین نمره",
    "تاریخ ثبت",
    "updated_on",
    "فعال",
    "capacity",
    "code",
)


# --- the generated files -------------------------------------------------------------------


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _persian(expression: str) -> str:
    return f"translate(CAST({expression} AS VARCHAR), '{LATIN_DIGITS}', '{PERSIAN_DIGITS}')"


def rows_sql(rows: int, seed: int, version: int) -> str:
    """The rows of version 1 or 2 of the file, with a ``__changed`` flag, as one SELECT.

    Every value derives from ``hash(id, seed, column)``, so a run is repeatable. Version 2
    drops ids whose hash is 0 mod 200 (0.5%), changes those at 1 mod 100 (1%: one more
    pupil, another score) and appends ``rows // 200`` new ids.
    """
    total = rows if version == 1 else rows + rows // 200
    removed = "false" if version == 1 else f"(i <= {rows} AND hash(i, {seed}) % 200 = 0)"
    changed = "false" if version == 1 else f"(i <= {rows} AND hash(i, {seed}) % 100 = 1)"
    codes = _sql_list(tuple(c[0] for c in COUNTIES))
    names_fa = _sql_list(tuple(c[1] for c in COUNTIES))
    names_en = _sql_list(tuple(c[2] for c in COUNTIES))
    n = len(COUNTIES)

    def h(column: int) -> str:
        return f"CAST(hash(i, {seed}, {column}) >> 1 AS BIGINT)"

    pupils = f"({h(4)} % 2000 + 20 + CASE WHEN __changed THEN 1 ELSE 0 END)"
    score_hash = f"CAST(hash(i, {seed}, CASE WHEN __changed THEN 55 ELSE 5 END) >> 1 AS BIGINT)"
    year, month, day = (
        f"({h(6)} % 13 + 1390)",
        f"({h(6)} // 13 % 12 + 1)",
        f"({h(6)} // 156 % 29 + 1)",
    )
    columns = [
        "i",
        f"CASE WHEN {h(2)} // {n} % 20 < 3 THEN list_element({names_fa}, {h(2)} % {n} + 1) "
        f"WHEN {h(2)} // {n} % 20 = 3 THEN list_element({names_en}, {h(2)} % {n} + 1) "
        f"ELSE list_element({codes}, {h(2)} % {n} + 1) END",
        f"list_element({_sql_list(SCHOOL_KINDS)}, {h(3)} % 6 + 1) || ' ' || "
        f"list_element({_sql_list(SCHOOL_NAMES)}, {h(3)} // 6 % 12 + 1) || ' ' || "
        f"{_persian(f'{h(3)} // 72 % 300 + 1')} || "
        f"CASE WHEN {h(3)} // 21600 % 20 = 0 "
        f"THEN ', منطقه ' || {_persian(f'{h(3)} // 432000 % 22 + 1')} ELSE '' END",
        f"CASE WHEN {h(4)} // 2000 % 10 = 0 THEN {_persian(pupils)} "
        f"ELSE CAST({pupils} AS VARCHAR) END",
        f"CASE WHEN {score_hash} % 100 = 0 THEN NULL "
        f"ELSE printf('%.2f', {score_hash} // 100 % 2001 / 100.0) END",
        f"CASE WHEN {h(6)} // 4524 % 5 = 0 THEN printf('%d/%d/%d', {year}, {month}, {day}) "
        f"ELSE printf('%d/%02d/%02d', {year}, {month}, {day}) END",
        f"CAST(DATE '2012-01-01' + CAST({h(7)} % 4380 AS INTEGER) AS VARCHAR)",
        f"CASE {h(8)} % 10 WHEN 0 THEN 'true' WHEN 1 THEN 'false' "
        f"ELSE CASE WHEN {h(8)} // 10 % 3 = 0 THEN 'خیر' ELSE 'بله' END END",
        f"CAST({h(9)} % 5000 + 100 AS VARCHAR)",
        f"'SCH-' || lpad(CAST({h(10)} % 100000 AS VARCHAR), 5, '0')",
    ]
    selected = ", ".join(
        f'{expression} AS "{header}"' for expression, header in zip(columns, HEADERS, strict=True)
    )
    return (
        f"SELECT {selected}, __changed FROM (SELECT range AS i, {changed} AS __changed, "
        f"{removed} AS __removed FROM range(1, {total + 1})) WHERE NOT __removed"
    )


def generate(path: Path, rows: int, seed: int, version: int) -> dict[str, int]:
    """Write version 1 or 2 of the file (streamed by DuckDB); its row and change counts."""
    import duckdb

    con = duckdb.connect(config={"preserve_insertion_order": True})
    try:
        columns = ", ".join(f'"{h}"' for h in HEADERS)
        con.execute(
            f"COPY (SELECT {columns} FROM ({rows_sql(rows, seed, version)})) "
            f"TO '{path}' (FORMAT csv, HEADER)"
        )
        counted = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE __changed), "
            f"count(*) FILTER (WHERE id > {rows}) FROM ({rows_sql(rows, seed, version)})"
        ).fetchone()
    finally:
        con.close()
    assert counted is not None
    total, changed, added = (int(v) for v in counted)
    return {
        "rows": total,
        "changed": changed,
        "added": added,
        "removed": rows + added - total if version == 2 else 0,
    }


def rows_for_size(folder: Path, target_bytes: int, seed: int) -> int:
    """How many rows make a file of about ``target_bytes``, from a 100,000-row sample."""
    sample = folder / "sample.csv"
    generate(sample, 100_000, seed, 1)
    per_row = sample.stat().st_size / 100_000
    sample.unlink()
    return max(1000, int(target_bytes / per_row))


def reference_lists() -> dict[str, dict[str, str]]:
    from marja.core.convert import reference_aliases

    return {"counties": reference_aliases({code: (fa, en) for code, fa, en in COUNTIES})}


# --- one measured step, in a fresh process ---------------------------------------------------


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _child(spec: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    from marja.core.publish import Engine, Previous, build_version
    from marja.core.schema import Schema
    from marja.core.store import sha256_of

    engine = Engine()
    workdir = Path(spec["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = Path(spec["csv"])
    start_rss = _status_kb("VmRSS")
    if spec["kind"] == "baseline":
        out = workdir / "out.parquet"
        start = time.perf_counter()
        con = duckdb.connect(
            config={
                "threads": engine.threads,
                "memory_limit": engine.memory_limit,
                "temp_directory": str(workdir / "spill"),
            }
        )
        con.execute(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{out}' (FORMAT parquet)")
        con.close()
        wall = time.perf_counter() - start
        rows = duckdb.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
        return {
            "build": wall,
            "hash": 0.0,
            "rows": int(rows[0]) if rows else 0,
            "parquet_bytes": out.stat().st_size,
            "start_rss_kb": start_rss,
            "peak_rss_kb": _status_kb("VmHWM"),
        }
    if spec["kind"] == "profile":
        return _profile(spec, workdir, engine)
    declared = Schema.from_dict(spec["declared"]) if spec.get("declared") else None
    previous = (
        Previous(Path(spec["previous"]), declared)
        if spec.get("previous") and declared is not None
        else None
    )
    references = reference_lists()
    marks: list[tuple[str, float]] = []
    limits = _limits(spec)
    start = time.perf_counter()
    result = build_version(
        csv_path,
        csv_path.name,
        workdir,
        declared=declared,
        previous=previous,
        references=references,
        engine=engine,
        limits=limits,
        progress=lambda stage, fraction: marks.append((stage, time.perf_counter())),
    )
    built = time.perf_counter()
    if not result.ok or result.parquet is None:
        problems = [p.to_dict() for p in result.report.sorted_problems()[:10]]
        raise SystemExit(f"build_version refused {csv_path.name}: {json.dumps(problems)}")
    digest = sha256_of(result.parquet)
    hashed = time.perf_counter()
    stages: dict[str, float] = {}
    bounds = [*marks, ("end", built)]
    for (stage, at), (_, until) in itertools.pairwise(bounds):
        stages[stage] = stages.get(stage, 0.0) + until - at
    assert result.schema is not None
    diff = None
    if result.diff is not None:
        diff = {k: result.diff[k] for k in ("by", "added", "removed", "changed", "unchanged")}
    return {
        "build": built - start,
        "hash": hashed - built,
        "rows": result.row_count,
        "parquet": str(result.parquet),
        "parquet_bytes": result.parquet.stat().st_size,
        "sha256": digest,
        "stages": stages,
        "stage_order": [stage for stage, _ in marks],
        "schema": result.schema.to_dict(),
        "diff": diff,
        "start_rss_kb": start_rss,
        "peak_rss_kb": _status_kb("VmHWM"),
    }


def _limits(spec: dict[str, Any]) -> Any:
    """build_version's default limits, or with the line limit ``--max-line-mb`` asks for."""
    from marja.core.sources import Limits

    if spec.get("max_line_bytes"):
        return Limits(max_line_bytes=int(spec["max_line_bytes"]))
    return Limits()


def _profile(spec: dict[str, Any], workdir: Path, engine: Any) -> dict[str, Any]:
    """Seconds of each lower-level step of a second publication, and of each field's conversion.

    The pieces ``build_version`` is made of, called one by one on the same connection
    settings: reading, inference (on the sample, as a first publication does), the strict
    conversion of all fields, then of each field alone (with a plain copy of its raw column
    and its lenient conversion for comparison: each of these re-reads the CSV), the
    primary-key check, statistics, the diff and the hash.
    """
    from marja.core.convert import install_lookups
    from marja.core.diff import diff_versions
    from marja.core.infer import infer_schema
    from marja.core.profile import column_stats
    from marja.core.publish import PARQUET_OPTIONS, connect
    from marja.core.schema import Schema
    from marja.core.sources import ReadOptions, open_source
    from marja.core.store import sha256_of
    from marja.core.validate import bind, has_duplicates, strict_select

    csv_path = Path(spec["csv"])
    declared = Schema.from_dict(spec["declared"])
    timings: list[tuple[str, float]] = []

    def timed(label: str, action: Any) -> Any:
        start = time.perf_counter()
        value = action()
        timings.append((label, time.perf_counter() - start))
        return value

    def copy(select: str, target: Path) -> None:
        con.execute(f"COPY ({select}) TO '{target}' ({PARQUET_OPTIONS})")

    con = connect(workdir, engine)
    try:
        install_lookups(con, reference_lists())
        source = timed(
            "read: scan (sha256, UTF-8 check), delimiter, header",
            lambda: open_source(
                con, csv_path, csv_path.name, ReadOptions(), workdir, _limits(spec)
            ),
        )
        relation = source.relation
        timed(
            "infer: 20,000-row sample",
            lambda: infer_schema(con, relation, source.headers, counties=True),
        )
        bindings, _ = bind(declared, source.headers)
        parquet, scratch = workdir / "data.parquet", workdir / "field.parquet"
        timed("convert: plain copy of the raw text columns", lambda: copy(
            f"SELECT * FROM {relation}", scratch
        ))  # fmt: skip
        timed("convert: all fields, strict (as build_version)", lambda: copy(
            strict_select(declared, bindings, relation, strict=True), parquet
        ))  # fmt: skip
        timed("convert: all fields, lenient (no checks)", lambda: copy(
            strict_select(declared, bindings, relation, strict=False), scratch
        ))  # fmt: skip
        for binding in bindings:
            name = f"{binding.field.name} ({binding.field.type.value})"
            timed(f"  field {name}: raw column only", lambda b=binding: copy(
                f"SELECT {b.column} FROM {relation}", scratch
            ))  # fmt: skip
            timed(f"  field {name}: lenient", lambda b=binding: copy(
                strict_select(declared, [b], relation, strict=False), scratch
            ))  # fmt: skip
            timed(f"  field {name}: strict", lambda b=binding: copy(
                strict_select(declared, [b], relation, strict=True), scratch
            ))  # fmt: skip
        timed("convert: primary key check (has_duplicates)", lambda: has_duplicates(
            con, parquet, declared
        ))  # fmt: skip
        timed("stats: column_stats", lambda: column_stats(con, parquet, declared))
        timed("diff: diff_versions by key", lambda: diff_versions(
            con, parquet, Path(spec["previous"]), declared
        ))  # fmt: skip
        timed("hash: sha256_of the Parquet file", lambda: sha256_of(parquet))
    finally:
        con.close()
    return {"timings": timings, "peak_rss_kb": _status_kb("VmHWM")}


class BenchError(RuntimeError):
    pass


def run_step(spec: dict[str, Any]) -> dict[str, Any]:
    result_file = Path(spec["workdir"]).with_suffix(".json")
    spec = {**spec, "result": str(result_file)}
    proc = subprocess.run(  # noqa: S603 (this very script, with arguments we built)
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        check=False,
    )
    if proc.returncode != 0 or not result_file.exists():
        raise BenchError(f"step {spec['label']} failed (exit status {proc.returncode})")
    return dict(json.loads(result_file.read_text()))


# --- the run -----------------------------------------------------------------------------------


def measure(
    label: str, repeat: int, spec: dict[str, Any], folder: Path, keep_first: bool = False
) -> list[dict[str, Any]]:
    runs = []
    for attempt in range(1, repeat + 1):
        workdir = folder / f"{label}-{attempt}"
        run = run_step({**spec, "label": label, "workdir": str(workdir)})
        runs.append(run)
        total, rss = run["build"] + run["hash"], run["peak_rss_kb"] * 1024 / MB
        print(
            f"  {label} #{attempt}: {total:7.2f} s  peak RSS {rss:7.1f} MB",
            flush=True,
        )
        if not (keep_first and attempt == 1):
            shutil.rmtree(workdir, ignore_errors=True)
    return runs


def median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def peak_mb(runs: list[dict[str, Any]]) -> float:
    return max(r["peak_rss_kb"] for r in runs) * 1024 / MB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV")
    parser.add_argument(
        "--big-gb", type=float, default=0.0, help="instead of --rows, a CSV of about this size"
    )
    parser.add_argument("--repeat", type=int, help="runs of each step (3; 1 with --big-gb)")
    parser.add_argument("--seed", type=int, default=1402)
    parser.add_argument("--dir", type=Path, help="where the temporary folder goes")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time build_version's lower-level steps and each field's conversion",
    )
    parser.add_argument(
        "--max-line-mb",
        type=int,
        help="pass Limits(max_line_bytes=N MiB) to build_version instead of its default",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        spec = json.loads(args.child)
        Path(spec["result"]).write_text(json.dumps(_child(spec)))
        return 0

    repeat = args.repeat or (1 if args.big_gb else 3)
    base = args.dir or Path(os.environ.get("MARJA_DATA_DIR") or ROOT / "test-output" / "bench")
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="publish-", dir=base)).resolve()
    try:
        return _run(args, repeat, folder)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"\nfiles kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _run(args: argparse.Namespace, repeat: int, folder: Path) -> int:
    from marja.core.publish import Engine
    from marja.core.schema import Schema

    engine = Engine()
    print(
        f"publishing pipeline benchmark: {engine.threads} DuckDB threads, "
        f"memory_limit {engine.memory_limit}, {os.cpu_count()} CPUs, {repeat} run(s) per step"
    )
    common: dict[str, Any] = {}
    if args.max_line_mb:
        common["max_line_bytes"] = args.max_line_mb << 20
        print(f"build_version limits: max_line_bytes {args.max_line_mb} MiB (--max-line-mb)")
    rows = args.rows
    if args.big_gb:
        rows = rows_for_size(folder, int(args.big_gb * 1e9), args.seed)
    first_csv, second_csv = folder / "v1.csv", folder / "v2.csv"
    print(f"generating {rows:,} rows in {folder} …", flush=True)
    start = time.perf_counter()
    first_counts = generate(first_csv, rows, args.seed, 1)
    generated = time.perf_counter() - start
    second_counts = generate(second_csv, rows, args.seed, 2)
    first_mb, second_mb = first_csv.stat().st_size / MB, second_csv.stat().st_size / MB
    print(
        f"v1.csv: {first_counts['rows']:,} rows × {len(HEADERS)} columns, {first_mb:,.1f} MB, "
        f"generated in {generated:.1f} s"
    )
    print(
        f"v2.csv: {second_counts['rows']:,} rows, {second_mb:,.1f} MB "
        f"({second_counts['changed']:,} changed, {second_counts['removed']:,} removed, "
        f"{second_counts['added']:,} added)"
    )

    print("\nruns:")
    baseline_1 = measure("baseline-v1", repeat, {"kind": "baseline", "csv": str(first_csv)}, folder)
    first = measure(
        "first",
        repeat,
        {**common, "kind": "publish", "csv": str(first_csv)},
        folder,
        keep_first=True,
    )
    schema = Schema.from_dict(first[0]["schema"])
    if "id" not in schema.names:
        raise BenchError(f"no field named id in the inferred schema: {schema.names}")
    declared = Schema.from_dict({**schema.to_dict(), "primary_key": ["id"]})
    baseline_2 = measure(
        "baseline-v2", repeat, {"kind": "baseline", "csv": str(second_csv)}, folder
    )
    second = measure(
        "second",
        repeat,
        {
            **common,
            "kind": "publish",
            "csv": str(second_csv),
            "declared": declared.to_dict(),
            "previous": first[0]["parquet"],
        },
        folder,
    )
    _check(first, second, first_counts, second_counts)

    print("\ninferred schema: " + ", ".join(f"{f.name}:{f.type.value}" for f in schema.fields))
    diff = second[0]["diff"]
    print(
        f"diff of the second publication (by {diff['by']}): {diff['changed']:,} changed, "
        f"{diff['removed']:,} removed, {diff['added']:,} added, {diff['unchanged']:,} unchanged"
    )
    print(
        "Parquet files (MB): "
        + ", ".join(
            f"{label} {runs[0]['parquet_bytes'] / MB:.1f}"
            for label, runs in (
                ("baseline v1 (snappy)", baseline_1),
                ("first publication (zstd)", first),
                ("second publication (zstd)", second),
            )
        )
    )
    _summary(
        [
            ("v1", first_counts["rows"], first_mb, baseline_1, first),
            ("v2", second_counts["rows"], second_mb, baseline_2, second),
        ],
        big=bool(args.big_gb),
    )
    if args.profile:
        spec = {
            **common,
            "kind": "profile",
            "csv": str(second_csv),
            "declared": declared.to_dict(),
            "previous": first[0]["parquet"],
        }
        profile = run_step({**spec, "label": "profile", "workdir": str(folder / "profile")})
        print(f"\nprofile of a second publication, one run ({second_counts['rows']:,} rows):")
        for label, seconds in profile["timings"]:
            print(f"  {label:60s} {seconds:8.2f} s")
    return 0


def _check(
    first: list[dict[str, Any]],
    second: list[dict[str, Any]],
    first_counts: dict[str, int],
    second_counts: dict[str, int],
) -> None:
    """The pipeline did what is measured: every row published, the diff as generated."""
    for run in first:
        if run["rows"] != first_counts["rows"]:
            raise BenchError(f"first publication has {run['rows']} rows, not {first_counts}")
    for run in second:
        if run["rows"] != second_counts["rows"]:
            raise BenchError(f"second publication has {run['rows']} rows, not {second_counts}")
        got = {k: run["diff"][k] for k in ("changed", "removed", "added")}
        want = {k: second_counts[k] for k in ("changed", "removed", "added")}
        if run["diff"]["by"] != "key" or got != want:
            raise BenchError(f"diff by {run['diff']['by']}: {got}, generated {want}")


def _summary(
    files: list[tuple[str, int, float, list[dict[str, Any]], list[dict[str, Any]]]],
    *,
    big: bool,
) -> None:
    width = 48
    print(
        f"\nsummary ({'median' if len(files[0][3]) > 1 else 'one run'} wall time; peak RSS "
        "of the step's own process, largest of its runs; MB = 10^6 bytes)"
    )
    header = (
        f"{'step':{width}s} {'wall s':>8s} {'rows/s':>11s} {'MB/s':>8s} "
        f"{'peak RSS MB':>12s} {'× baseline':>11s}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for version, count, size_mb, baseline, runs in files:
        base = median(baseline, "build")
        name = "first publication" if version == "v1" else "second publication (diff)"

        build = median(runs, "build")
        hashed = median(runs, "hash")
        total = statistics.median(r["build"] + r["hash"] for r in runs)
        for label, seconds, rss, ratio in (
            (f"baseline {version}: DuckDB CSV → Parquet", base, peak_mb(baseline), True),
            (f"{name}: build_version", build, peak_mb(runs), True),
            (f"{name}: sha256 of Parquet", hashed, None, False),
            (f"{name}: total (build + hash)", total, None, True),
        ):
            rss_text = f"{rss:12.1f}" if rss is not None else f"{'':12s}"
            ratio_text = f"{seconds / base:10.2f}×" if ratio else f"{'':11s}"
            print(
                f"{label:{width}s} {seconds:8.2f} {count / seconds:11,.0f} "
                f"{size_mb / seconds:8.1f} {rss_text} {ratio_text}"
            )
        stages = runs[0]["stage_order"]
        parts = ", ".join(
            f"{stage} {statistics.median(r['stages'].get(stage, 0.0) for r in runs):.2f}"
            for stage in dict.fromkeys(stages)
        )
        print(f"{'':4s}stages of build_version (s): {parts}, hash {hashed:.2f}")
        start_rss = max(r["start_rss_kb"] for r in runs) * 1024 / MB
        print(f"{'':4s}RSS of the step's process before the build: {start_rss:.1f} MB")
        within = "within" if total <= 2 * base else "NOT within"
        verdicts.append(f"{name}: {total / base:.2f}× the baseline, {within} 2×")
        if big:
            fits = "under" if peak_mb(runs) < RSS_GOAL_MB else "NOT under"
            verdicts.append(
                f"{name}: peak RSS {peak_mb(runs):.0f} MB, {fits} the {RSS_GOAL_MB} MB goal"
            )
    print()
    for verdict in verdicts:
        print(verdict)


if __name__ == "__main__":
    sys.exit(main())
