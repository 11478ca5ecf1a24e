"""The first rows of a version, for its page."""

from __future__ import annotations

from typing import Any

import duckdb

from marja.core.convert import quote_literal
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
