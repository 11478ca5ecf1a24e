"""The publishing app's part of ``marja verify``: every stored object against its hash,
and every version against the ledger entry that recorded it."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from marja.core.ledger_check import LedgerProblem
from marja.core.store import sha256_of
from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store
from marja.ledger.verification import CheckResult


def _digest(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except FileNotFoundError:
        return None


def check_objects() -> CheckResult:
    """Hash every object the versions name (in parallel: hashing releases the GIL)."""
    store = object_store()
    versions = list(
        DatasetVersion.objects.select_related("dataset", "ledger_entry").order_by(
            "dataset__slug", "number"
        )
    )
    wanted = sorted({v.sha256 for v in versions})
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        digests = dict(
            zip(wanted, pool.map(lambda h: _digest(store.path_for(h)), wanted), strict=True)
        )
    result = CheckResult()
    stored_bytes = 0
    for sha256 in wanted:
        if digests[sha256] is not None:
            stored_bytes += store.path_for(sha256).stat().st_size
    for version in versions:
        where = {"dataset": version.dataset.slug, "version": version.number}
        actual = digests[version.sha256]
        if actual is None:
            result.problems.append(
                LedgerProblem(
                    "object_missing", params={**where, "key": store.key_for(version.sha256)}
                )
            )
        elif actual != version.sha256:
            result.problems.append(
                LedgerProblem(
                    "object_changed",
                    params={**where, "expected": version.sha256, "actual": actual},
                )
            )
        result.problems += _against_ledger(version, where)
    unreferenced = sum(1 for sha256 in store if sha256 not in digests)
    result.counts = {
        "versions": len(versions),
        "objects": len(wanted),
        "bytes": stored_bytes,
        "unreferenced_objects": unreferenced,
    }
    return result


def _against_ledger(version: DatasetVersion, where: dict[str, object]) -> list[LedgerProblem]:
    entry = version.ledger_entry
    if entry is None:
        return [LedgerProblem("version_unrecorded", params=where)]
    payload = entry.payload if isinstance(entry.payload, dict) else {}
    recorded = {"sha256": version.sha256, "size": version.size, "rows": version.row_count}
    return [
        LedgerProblem(
            "version_mismatch",
            entry.sequence,
            {**where, "field": name, "recorded": payload.get(name), "stored": value},
        )
        for name, value in recorded.items()
        if payload.get(name) != value
    ]
