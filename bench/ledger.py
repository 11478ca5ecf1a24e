"""Benchmark: the cost of the trust ledger, and of verifying it.

1. **``marja verify``** over ``--entries`` (100,000) ledger entries and ``--gb`` (1) GB of
   objects: the whole verification against two baselines measured in the same run:
   reading the same entries from the database, and hashing the same files with bare
   hashlib (same threads).
2. **Append cost per change**: the same small publication (a 2,000-row CSV of the census
   dataset, alternately different so each makes a version) with the ledger, and with
   ``record`` replaced by a no-op (no entry, no chain, no checkpoint). Runs alternate so
   the noise of the machine falls on both; prints the medians and their ratio.
3. **Appends per second**: ``record`` in its own transaction, each one signed (as after a
   publication) and not, against the same transaction inserting a bare row into a table
   of the same width (the baseline).

Figures are printed, never judged. The database is a fresh SQLite file in a temporary
data folder, or ``DATABASE_URL`` when set (a PostgreSQL database the bench may empty).
Run with `make bench` or ``python bench/ledger.py [--entries N] [--gb G]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ["MARJA_DATA_DIR"] = tempfile.mkdtemp(prefix="marja-bench-ledger-")
os.environ.setdefault("DATABASE_URL", "")
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
sys.path.insert(0, os.getcwd())

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from marja.catalog.demo import load_demo  # noqa: E402
from marja.catalog.models import Dataset  # noqa: E402
from marja.core.ledger import GENESIS, canonical_json, head_text, new_entry  # noqa: E402
from marja.core.signing import seal  # noqa: E402
from marja.ingest import services  # noqa: E402
from marja.ingest.models import DatasetVersion  # noqa: E402
from marja.ingest.storage import object_store  # noqa: E402
from marja.ledger.keys import seal_key  # noqa: E402
from marja.ledger.models import LedgerEntry, LedgerHead  # noqa: E402
from marja.ledger.services import record  # noqa: E402
from marja.ledger.verification import stored_entries, verify_instance  # noqa: E402

CENSUS = "county-population-1395"
COUNTIES = ("tehran", "rey", "shemiranat", "varamin", "pakdasht", "damavand", "malard", "qods")


def census_csv(path: Path, rows: int, salt: int) -> Path:
    lines = ["کد شهرستان,جمعیت,تاریخ آمارگیری"]
    lines += [
        f"{COUNTIES[i % len(COUNTIES)]},{100_000 + i * 7 + salt},1395/07/01" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def publish_once(folder: Path, salt: int) -> float:
    dataset = Dataset.objects.get(slug=CENSUS)
    path = census_csv(folder / f"census-{salt}.csv", 2000, salt)
    upload = services.upload_from_path(path, actor=None, original_name=path.name)
    started = time.perf_counter()
    publication = services.request_publication(dataset, upload, actor=None, background=False)
    elapsed = time.perf_counter() - started
    assert publication.status == "published", publication.status
    return elapsed


def append_cost(rounds: int) -> None:
    folder = Path(settings.DATA_DIR) / "bench-files"
    folder.mkdir(exist_ok=True)
    from marja.ingest.services import DatasetSchema

    DatasetSchema.objects.filter(dataset__slug=CENSUS).delete()  # the schema is inferred

    def without_ledger(*args: object, **kwargs: object) -> None:
        return None

    real = services.record
    with_ledger: list[float] = []
    bare: list[float] = []
    salt = 0
    publish_once(folder, salt)  # warm-up: DuckDB, the ORM, the caches
    for round_ in range(rounds):
        kinds = [(with_ledger, real), (bare, without_ledger)]
        for times, recorder in kinds if round_ % 2 else kinds[::-1]:
            salt += 1
            services.record = recorder  # type: ignore[assignment]
            try:
                times.append(publish_once(folder, salt))
            finally:
                services.record = real
    a, b = statistics.median(with_ledger) * 1000, statistics.median(bare) * 1000
    print("\n2. append cost per change: a 2,000-row publication")
    print(f"   without the ledger (baseline)   {b:8.1f} ms")
    print(f"   with entry, chain and signature {a:8.1f} ms   ratio {a / b:5.3f}")


def appends_per_second(count: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare")
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare (id BIGINT PRIMARY KEY, t TEXT, a TEXT, "
            "o TEXT, p TEXT, h1 TEXT, h2 TEXT, h3 TEXT, s TEXT)"
        )

    numbers = iter(range(1, 10**9))

    def bare() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_bare (id, t, a, o, p, h1, h2, h3, s) VALUES (%s, %s, %s, %s, "
                "%s, %s, %s, %s, %s)",
                [next(numbers), timezone.now().isoformat(), "dataset.changed", "x", "{}",
                 "a" * 64, "b" * 64, "c" * 64, "d" * 64],
            )  # fmt: skip

    def entry(action: str) -> None:
        with transaction.atomic():
            record(action, actor=None, organisation=None, object_type="dataset", object_id="x")

    print(f"\n3. appends, one per transaction ({count} each)")
    base = None
    for label, step in (
        ("bare row of the same width (baseline)", bare),
        ("ledger entry (chained, sealed)", lambda: entry("dataset.changed")),
        ("ledger entry signed at once", lambda: entry("version.published")),
    ):
        started = time.perf_counter()
        for _ in range(count):
            step()
        rate = count / (time.perf_counter() - started)
        base = base or rate
        print(f"   {label:40} {rate:9.0f} /s   ratio {base / rate:5.2f}")


def fill_ledger(entries: int) -> None:
    """``entries`` chained, sealed entries written in bulk (as marja would have written them)."""
    key = seal_key()
    head = LedgerHead.objects.get_or_create(pk=1)[0]
    previous, number = head.entry_hash or GENESIS, head.sequence
    now = timezone.now()
    batch: list[LedgerEntry] = []
    for _ in range(entries):
        number += 1
        payload = {"fields": ["title_fa", "tags"], "n": number, "title": "تخت‌های بیمارستانی"}
        made = new_entry(
            sequence=number, recorded_at=now, actor=None, organisation=None,
            action="data.read", object_type="dataset", object_id="hospital-beds",
            payload=payload, prev_hash=previous, seal_key=key,
        )  # fmt: skip
        batch.append(
            LedgerEntry(
                sequence=number,
                recorded_at=now,
                action=made.action,
                object_type=made.object_type,
                object_id=made.object_id,
                payload_json=canonical_json(payload).decode("utf-8"),
                payload_hash=made.payload_hash,
                prev_hash=previous,
                entry_hash=made.entry_hash,
                seal=made.seal,
            )
        )
        previous = made.entry_hash
        if len(batch) == 5000:
            LedgerEntry.objects.bulk_create(batch)
            batch = []
    LedgerEntry.objects.bulk_create(batch)
    head.sequence, head.entry_hash = number, previous
    head.seal = seal(key, head_text(number, previous))
    head.save()


def fill_objects(gigabytes: float) -> list[Path]:
    """Objects of 16 MB (random bytes: hashing does not care for Parquet) and a version
    each, with their ledger entries, adding up to ``gigabytes``."""
    store = object_store()
    dataset = Dataset.objects.get(slug="hospital-beds")
    size = 16 * 1024 * 1024
    paths = []
    schema = {"fields": [{"name": "x", "type": "string"}], "primary_key": []}
    folder = Path(settings.DATA_DIR) / "bench-files"
    folder.mkdir(exist_ok=True)
    for index in range(max(1, int(gigabytes * 1024**3 / size))):
        # A new file each time: the store hard-links what it is given.
        source = folder / f"object-{index}.bin"
        source.write_bytes(os.urandom(size))
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        stored = store.put(source, digest)
        with transaction.atomic():
            entry = record(
                "version.published", actor=None, organisation=dataset.publisher,
                object_type="dataset_version", object_id=f"hospital-beds/{index + 1}",
                payload={"number": index + 1, "sha256": digest, "size": size, "rows": 1},
            )  # fmt: skip
            DatasetVersion.objects.bulk_create(
                [
                    DatasetVersion(
                        dataset=dataset,
                        number=index + 1,
                        sha256=digest,
                        size=size,
                        row_count=1,
                        schema=schema,
                        stats=[],
                        source_name="x",
                        source_sha256=digest,
                        source_size=size,
                        ledger_entry=entry,
                    )
                ]
            )
        source.unlink()
        paths.append(store.path_for(stored.sha256))
    return paths


def bare_hashing(paths: list[Path]) -> float:
    def digest(path: Path) -> str:
        h = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                h.update(chunk)
        return h.hexdigest()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        list(pool.map(digest, paths))
    return time.perf_counter() - started


def verification(entries: int, gigabytes: float) -> None:
    print(f"\n1. marja verify: {entries:,} entries and {gigabytes:g} GB of objects")
    started = time.perf_counter()
    fill_ledger(entries)
    paths = fill_objects(gigabytes)
    print(f"   (made in {time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    count = sum(1 for _ in stored_entries())
    read = time.perf_counter() - started
    started = time.perf_counter()
    report = verify_instance()
    total = time.perf_counter() - started
    assert not report["problems"], report["problems"][:3]
    bare = bare_hashing(paths)
    size = sum(p.stat().st_size for p in paths)
    print(f"   entries read from the database only (baseline 1)   {read:7.2f} s  ({count:,})")
    gb = size / 1e9
    print(f"   objects hashed with bare hashlib (baseline 2)      {bare:7.2f} s  ({gb:.2f} GB)")
    print(f"   marja verify (chain, seals, checkpoints, objects)  {total:7.2f} s")
    print(f"   ratio to the two baselines together                {total / (read + bare):7.2f}")
    rate = report["entries"] / max(total - bare, 1e-9)
    print(f"   entries per second checked (objects' time aside)   {rate:9,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--gb", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=7, help="publications of each kind")
    parser.add_argument("--appends", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    load_demo()
    print(f"marja ledger benchmark on {connection.vendor}, {timezone.localdate().isoformat()}")
    verification(args.entries, args.gb)
    append_cost(args.rounds)  # last: its publications without the ledger fail verification
    appends_per_second(args.appends)


if __name__ == "__main__":
    main()
