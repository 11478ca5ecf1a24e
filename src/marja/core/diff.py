"""What changed between two versions: rows added, removed and changed, by primary key.

Without a primary key (or when its fields changed), rows are compared whole: a row that
differs counts as one removed and one added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import duckdb

from marja.core.convert import quote_identifier, quote_literal
from marja.core.profile import plain_value
from marja.core.schema import Schema

SAMPLE: Final = 10


def _columns(con: duckdb.DuckDBPyConnection, parquet: Path) -> list[str]:
    rows = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet({quote_literal(str(parquet))})"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or ()]
    return [
        {n: plain_value(v) for n, v in zip(names, row, strict=True)} for row in cursor.fetchall()
    ]


def diff_versions(
    con: duckdb.DuckDBPyConnection, new: Path, old: Path, schema: Schema
) -> dict[str, Any]:
    new_columns, old_columns = _columns(con, new), _columns(con, old)
    common = [c for c in new_columns if c in old_columns]
    key = [k for k in schema.primary_key if k in common]
    result: dict[str, Any] = {
        "columns_added": [c for c in new_columns if c not in old_columns],
        "columns_removed": [c for c in old_columns if c not in new_columns],
        "by": "key" if key and len(key) == len(schema.primary_key) else "row",
        "key": key,
    }
    n = f"read_parquet({quote_literal(str(new))})"
    o = f"read_parquet({quote_literal(str(old))})"
    if result["by"] == "key":
        result.update(_by_key(con, n, o, key, common))
    else:
        result.update(_by_row(con, n, o, common))
    return result


def _by_key(
    con: duckdb.DuckDBPyConnection, n: str, o: str, key: list[str], common: list[str]
) -> dict[str, Any]:
    keys = ", ".join(quote_identifier(k) for k in key)
    values = ", ".join(quote_identifier(c) for c in common) or "1"
    join = " AND ".join(f"n.{quote_identifier(k)} = o.{quote_identifier(k)}" for k in key)
    first = quote_identifier(key[0])
    # Only the differing keys are kept: the unchanged majority never leaves the join.
    either = ", ".join(
        f"coalesce(n.{quote_identifier(k)}, o.{quote_identifier(k)}) AS {quote_identifier(k)}"
        for k in key
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE __diff AS SELECT {either}, "
        "CASE WHEN o.h IS NULL THEN 'added' WHEN n.h IS NULL THEN 'removed' "
        "ELSE 'changed' END AS kind "
        f"FROM (SELECT {keys}, hash({values}) AS h FROM {n}) n "
        f"FULL OUTER JOIN (SELECT {keys}, hash({values}) AS h FROM {o}) o ON {join} "
        "WHERE n.h IS DISTINCT FROM o.h"
    )
    row = con.execute(
        "SELECT count(*) FILTER (WHERE kind = 'added'), count(*) FILTER (WHERE kind = 'removed'), "
        f"count(*) FILTER (WHERE kind = 'changed'), (SELECT count(*) FROM {n}) FROM __diff"
    ).fetchone()
    if row is None:
        raise RuntimeError("DuckDB returned no row for an aggregate")
    added, removed, changed, total = (int(v) for v in row)
    unchanged = total - added - changed
    on = " AND ".join(f"s.{quote_identifier(k)} = d.{quote_identifier(k)}" for k in key)

    def sample(source: str, kind: str) -> list[dict[str, Any]]:
        return _records(
            con.execute(
                f"SELECT s.* FROM {source} s SEMI JOIN (SELECT {keys} FROM __diff "
                f"WHERE kind = '{kind}' ORDER BY {keys} LIMIT {SAMPLE}) d ON {on} "
                f"ORDER BY s.{first}"
            )
        )

    changes = []
    if changed:
        before = {tuple(r[k] for k in key): r for r in sample(o, "changed")}
        for after in sample(n, "changed"):
            old = before.get(tuple(after[k] for k in key), {})
            changes.append(
                {
                    "key": {k: after[k] for k in key},
                    "fields": {
                        c: [old.get(c), after[c]]
                        for c in common
                        if c not in key and old.get(c) != after[c]
                    },
                }
            )
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "unchanged": unchanged,
        "samples": {
            "added": sample(n, "added") if added else [],
            "removed": sample(o, "removed") if removed else [],
            "changed": changes,
        },
    }


def _by_row(con: duckdb.DuckDBPyConnection, n: str, o: str, common: list[str]) -> dict[str, Any]:
    values = ", ".join(quote_identifier(c) for c in common)
    if not values:
        counts = con.execute(
            f"SELECT (SELECT count(*) FROM {n}), (SELECT count(*) FROM {o})"
        ).fetchone()
        if counts is None:
            raise RuntimeError("DuckDB returned no row for an aggregate")
        return {
            "added": int(counts[0]),
            "removed": int(counts[1]),
            "changed": 0,
            "unchanged": 0,
            "samples": {"added": [], "removed": [], "changed": []},
        }
    added_q = f"SELECT {values} FROM {n} EXCEPT ALL SELECT {values} FROM {o}"
    removed_q = f"SELECT {values} FROM {o} EXCEPT ALL SELECT {values} FROM {n}"
    row = con.execute(
        f"SELECT (SELECT count(*) FROM ({added_q})), (SELECT count(*) FROM ({removed_q})), "
        f"(SELECT count(*) FROM {n})"
    ).fetchone()
    if row is None:
        raise RuntimeError("DuckDB returned no row for an aggregate")
    added, removed, total = (int(v) for v in row)
    return {
        "added": added,
        "removed": removed,
        "changed": 0,
        "unchanged": total - added,
        "samples": {
            "added": _records(con.execute(f"{added_q} LIMIT {SAMPLE}")) if added else [],
            "removed": _records(con.execute(f"{removed_q} LIMIT {SAMPLE}")) if removed else [],
            "changed": [],
        },
    }
