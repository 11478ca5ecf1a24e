"""The first rows of a version, for its page."""

from __future__ import annotations

from typing import Any

import duckdb

from marja.catalog.models import County
from marja.core.convert import quote_literal
from marja.core.schema import FieldType, Schema
from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store

PREVIEW_ROWS = 20


def head_rows(
    version: DatasetVersion, limit: int = PREVIEW_ROWS
) -> tuple[list[str], list[tuple[Any, ...]]]:
    path = object_store().open(version.sha256)
    con = duckdb.connect(config={"threads": 1, "enable_external_access": True})
    try:
        source = f"read_parquet({quote_literal(str(path))})"
        cursor = con.execute(f"SELECT * FROM {source} LIMIT ?", [int(limit)])
        columns = [d[0] for d in cursor.description or ()]
        return columns, cursor.fetchall()
    finally:
        con.close()


def readable_rows(
    schema: Schema, columns: list[str], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Rows for display: county codes shown as the county's name."""
    counties = [
        i for i, name in enumerate(columns)
        if name in schema.names and schema.field(name).type is FieldType.COUNTY
    ]  # fmt: skip
    if not counties:
        return rows
    names = {c.code: c.name for c in County.objects.all()}
    return [
        tuple(names.get(v, v) if i in counties else v for i, v in enumerate(row)) for row in rows
    ]
