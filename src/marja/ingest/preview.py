"""The first rows of a version, for its page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from marja.catalog.models import County
from marja.core.convert import quote_literal
from marja.core.restriction import Restriction
from marja.core.schema import Field, FieldType, Schema
from marja.ingest.models import DatasetVersion
from marja.ingest.storage import object_store

PREVIEW_ROWS = 20


def head_rows(
    version: DatasetVersion, limit: int = PREVIEW_ROWS, restriction: Restriction | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The first rows of ``version``, only those and the columns ``restriction`` grants."""
    path = object_store().open(version.sha256)
    con = duckdb.connect(config={"threads": 1, "enable_external_access": True})
    try:
        if restriction is not None:
            source = restriction.source(path, Schema.from_dict(version.schema), row_key=False)
        else:
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
    names = _county_names()
    return [
        tuple(names.get(v, v) if i in counties else v for i, v in enumerate(row)) for row in rows
    ]


def stored_value(field: Field, value: Any) -> Any:
    """A value kept as JSON (statistics, diff samples) back in its field's type."""
    if isinstance(value, str):
        try:
            if field.type in (FieldType.DATE, FieldType.JALALI_DATE):
                return dt.date.fromisoformat(value[:10])
            if field.type is FieldType.DATETIME:
                return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def readable_record(schema: Schema, record: dict[str, Any]) -> dict[str, Any]:
    """A JSON record (a diff sample) typed and with county names, for display."""
    names = _county_names()
    shown = {}
    for key, value in record.items():
        field = schema.field(key) if key in schema.names else None
        if field is not None:
            value = stored_value(field, value)
            if field.type is FieldType.COUNTY:
                value = names.get(value, value)
        shown[key] = value
    return shown


def readable_diff(schema: Schema, diff: dict[str, Any] | None) -> dict[str, Any] | None:
    """A version's stored diff with its samples typed and county names, for display."""
    if diff is None:
        return None
    samples = diff["samples"]
    changed = [
        {
            "key": readable_record(schema, change["key"]),
            "fields": {
                name: [stored_value(schema.field(name), value) for value in pair]
                for name, pair in change["fields"].items()
                if name in schema.names
            },
        }
        for change in samples["changed"]
    ]
    return {
        **diff,
        "samples": {
            "added": [readable_record(schema, r) for r in samples["added"]],
            "removed": [readable_record(schema, r) for r in samples["removed"]],
            "changed": changed,
        },
    }


def _county_names() -> dict[str, str]:
    return {c.code: c.name for c in County.objects.all()}
