"""Schema inference: the most specific type every value of a column converts to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import duckdb

from marja.core.convert import converted, looks_like, missing_as_null, quote_identifier
from marja.core.schema import Field, FieldType, Schema, field_name_for, is_latin

#: Candidate types in the order they are tried: the first one that fits all values wins.
CANDIDATES: Final = (
    FieldType.INTEGER,
    FieldType.NUMBER,
    FieldType.JALALI_DATE,
    FieldType.DATE,
    FieldType.DATETIME,
    FieldType.BOOLEAN,
    FieldType.COUNTY,
)
SAMPLE_ROWS: Final = 20_000


COLUMNS_PER_QUERY: Final = 25


def _measures(column: str, candidates: Sequence[FieldType]) -> list[str]:
    """Counts for one column: values, values fitting each candidate, non-digit values."""
    value = missing_as_null(column, ("",))
    measures = [f"count({value})"]
    for kind in candidates:
        shape = looks_like(kind, value)
        if shape is not None:
            measures.append(f"count(*) FILTER (WHERE {shape})")
        else:
            measures.append(f"count({converted(Field(name='x', type=kind), value)})")
    measures.append(
        f"count(*) FILTER (WHERE regexp_matches({quote_identifier(column)}, '[^0-9۰-۹٠-٩]'))"
    )
    return measures


def _fitting(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    candidates: dict[str, list[FieldType]],
) -> dict[str, tuple[bool, list[FieldType]]]:
    """Per column: whether it has values, and the candidates every value fits, in order."""
    counts: list[int] = []
    # A few columns per query: one query over hundreds of columns is a plan DuckDB takes
    # far longer to build than to run.
    for start in range(0, len(columns), COLUMNS_PER_QUERY):
        measures = []
        for column in columns[start : start + COLUMNS_PER_QUERY]:
            measures += _measures(column, candidates[column])
        found = con.execute(f"SELECT {', '.join(measures)} FROM {table}").fetchone()
        if found is None:
            raise RuntimeError("DuckDB returned no row for an aggregate")
        counts += [int(v) for v in found]
    result: dict[str, tuple[bool, list[FieldType]]] = {}
    position = 0
    for column in columns:
        width = len(candidates[column]) + 2
        values, *by_type, non_digit = counts[position : position + width]
        position += width
        fitting = [
            kind
            for kind, matched in zip(candidates[column], by_type, strict=True)
            # numeric codes are numbers unless declared otherwise
            if matched == values and (kind is not FieldType.COUNTY or non_digit)
        ]
        result[column] = (values > 0, fitting)
    return result


def infer_schema(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    headers: Sequence[str],
    *,
    sample_rows: int | None = SAMPLE_ROWS,
    counties: bool = True,
) -> Schema:
    """Infer field names, labels and types over the first ``sample_rows`` (None: all)."""
    columns = [f"c{i}" for i in range(1, len(headers) + 1)]
    limit = f" LIMIT {int(sample_rows)}" if sample_rows else ""
    candidates = [c for c in CANDIDATES if counties or c is not FieldType.COUNTY]
    con.execute(f"CREATE OR REPLACE TEMP TABLE __sample AS SELECT * FROM {relation}{limit}")
    # First the candidates on the first rows, then only the survivors on the whole
    # sample: most columns of text are told apart by their first few hundred values.
    first = _fitting(
        con, "(SELECT * FROM __sample LIMIT 500)", columns, dict.fromkeys(columns, candidates)
    )
    kinds = _fitting(con, "__sample", columns, {c: first[c][1] for c in columns})
    con.execute("DROP TABLE __sample")
    fields: list[Field] = []
    for index, header in enumerate(headers):
        has_values, fitting = kinds[columns[index]]
        kind = fitting[0] if has_values and fitting else FieldType.STRING
        label = header.strip()
        name = field_name_for(label, index + 1, (f.name for f in fields))
        fields.append(
            Field(
                name=name,
                type=kind,
                label_fa="" if is_latin(label) else label,
                label_en=label if is_latin(label) and label != name else "",
            )
        )
    return Schema(fields=tuple(fields))
