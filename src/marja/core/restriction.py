"""What a reader with a limited grant sees of a version: some columns, some rows.

A :class:`Restriction` turns a version into a narrower table *before* anything a reader
asks for is applied: the reader's schema has only the granted columns (so a hidden
column is unknown to filters, sorts, aggregates, text search and SQL alike), and the
Parquet file is read through a subquery that keeps only the granted rows. The row limit
compares the stored value as text with the granted values, so it means the same for a
county code or any text field.

A restriction that no longer fits a version fails closed: if the column that limits the
rows is gone, or none of the granted columns is left, nothing is shown
(:class:`RestrictionError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from marja.core.convert import quote_identifier, quote_literal
from marja.core.schema import Schema

#: Name of the row's position in its file (the final sort key of every page).
ROW_KEY = "__row"


class RestrictionError(ValueError):
    """A restriction cannot be applied to a version; ``code``: ``row_column_missing``
    (``column``) or ``no_columns_left`` (``columns``)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class RowLimit:
    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Restriction:
    """``columns`` None: every column; ``rows`` None: every row."""

    columns: tuple[str, ...] | None = None
    rows: RowLimit | None = None

    @property
    def limits_anything(self) -> bool:
        return self.columns is not None or self.rows is not None

    def missing_columns(self, schema: Schema) -> list[str]:
        """Granted columns that ``schema`` does not have (left out of what is shown)."""
        if self.columns is None:
            return []
        return [name for name in self.columns if name not in schema.names]

    def schema(self, schema: Schema) -> Schema:
        """``schema`` with only the granted fields; raises :class:`RestrictionError`."""
        if self.rows is not None and self.rows.column not in schema.names:
            raise RestrictionError("row_column_missing", column=self.rows.column)
        if self.columns is None:
            return schema
        kept = tuple(f for f in schema.fields if f.name in self.columns)
        if not kept:
            raise RestrictionError("no_columns_left", columns=list(self.columns))
        names = {f.name for f in kept}
        key = schema.primary_key if set(schema.primary_key) <= names else ()
        return replace(schema, fields=kept, primary_key=key)

    def source(self, path: Path, schema: Schema, *, row_key: bool) -> str:
        """A subquery of ``path`` with the granted columns and rows only."""
        visible = self.schema(schema)
        listed = [quote_identifier(f.name) for f in visible.fields]
        literal = quote_literal(str(path))
        if row_key:
            listed.append(f"file_row_number AS {ROW_KEY}")
            reader = f"read_parquet({literal}, file_row_number = true)"
        else:
            reader = f"read_parquet({literal})"
        where = ""
        if self.rows is not None:
            values = ", ".join(quote_literal(v) for v in self.rows.values) or "NULL"
            where = f" WHERE CAST({quote_identifier(self.rows.column)} AS VARCHAR) IN ({values})"
        return f"(SELECT {', '.join(listed)} FROM {reader}{where})"

    def stats(self, stats: Iterable[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """A version's column statistics as this reader may see them: those of granted
        columns; none when rows are limited (they describe rows the reader may not see)."""
        if self.rows is not None:
            return None
        return [s for s in stats if self.columns is None or s.get("field") in self.columns]


@dataclass(frozen=True)
class TableSource:
    """A Parquet file, read whole or through a restriction (for the SQL sandbox)."""

    path: Path
    schema: Schema | None = None
    restriction: Restriction | None = None

    def sql(self) -> str:
        if self.restriction is None or self.schema is None:
            return f"SELECT * FROM read_parquet({quote_literal(str(self.path))})"
        return "SELECT * FROM " + self.restriction.source(self.path, self.schema, row_key=False)
