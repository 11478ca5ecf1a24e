"""Per-column statistics of a published file: nulls, minimum, maximum, distinct values."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import duckdb

from marja.core.convert import quote_identifier, quote_literal
from marja.core.schema import Schema

_TEXT_LIMIT = 100


def plain_value(value: Any) -> Any:
    """A JSON-ready form of a statistic."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, str) and len(value) > _TEXT_LIMIT:
        return value[:_TEXT_LIMIT] + "…"
    return value


def column_stats(
    con: duckdb.DuckDBPyConnection, parquet: Path, schema: Schema
) -> tuple[int, list[dict[str, Any]]]:
    """Row count and, per field, nulls, min, max and an estimate of distinct values."""
    parts = ["count(*)"]
    for name in schema.names:
        column = quote_identifier(name)
        parts += [
            f"count(*) - count({column})",
            f"min({column})",
            f"max({column})",
            f"approx_count_distinct({column})",
        ]
    row = con.execute(
        f"SELECT {', '.join(parts)} FROM read_parquet({quote_literal(str(parquet))})"
    ).fetchone()
    if row is None:
        raise RuntimeError("DuckDB returned no row for an aggregate")
    stats = []
    for index, name in enumerate(schema.names):
        nulls, low, high, distinct = row[1 + index * 4 : 5 + index * 4]
        stats.append(
            {
                "field": name,
                "nulls": int(nulls),
                "min": plain_value(low),
                "max": plain_value(high),
                "distinct": int(distinct or 0),
            }
        )
    return int(row[0]), stats
