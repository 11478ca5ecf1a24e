"""Checks of a file's values against a schema, as SQL over the staged rows.

Two forms share the expressions of :mod:`marja.core.convert`:

- :func:`strict_select` is the fast path: one pass that converts every value and stops
  at the first violation (DuckDB's ``error()``), used to write the published file;
- :func:`find_problems` is the slow path, taken only when the fast one stopped: it
  stages the rows with their numbers and lists every violation with row, column, value
  and rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb

from marja.core.convert import (
    converted,
    folded_text,
    missing_as_null,
    quote_identifier,
    quote_literal,
    reference_lookup,
)
from marja.core.problems import KEEP_PER_RULE, Problem, Report
from marja.core.schema import Field, FieldType, Schema
from marja.core.text import normalize

#: Rows written to the downloadable CSV of bad rows.
BAD_ROWS_LIMIT: Final = 100_000
_STOP: Final = "error('marja: value rejected')"


@dataclass(frozen=True)
class Binding:
    """Which text column of the file feeds which field."""

    field: Field
    column: str  # c1…cN
    header: str = ""  # the column's name in the file, as the publisher sees it

    @property
    def shown(self) -> str:
        return self.header or self.field.name


def _formatted(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _not_allowed(field: Field, conv: str) -> str:
    """Numbers compare as numbers (1 is 1.0), everything else as the text it converts to."""
    if field.type in (FieldType.INTEGER, FieldType.NUMBER):
        numbers = []
        for allowed in field.allowed:
            try:
                numbers.append(repr(float(allowed)))
            except ValueError:
                continue  # a word in a number field's list allows nothing
        return f"{conv} NOT IN ({', '.join(numbers) or 'NULL'})"
    # Text compares in normal form: «دولتي» (Arabic yeh) is «دولتی», «۱۴۰۲» is «1402».
    listed = ", ".join(quote_literal(normalize(a)) for a in field.allowed)
    return f"{folded_text(f'CAST({conv} AS VARCHAR)')} NOT IN ({listed})"


def _rule_predicates(field: Field, value: str, conv: str) -> list[tuple[str, str, str]]:
    """(rule, predicate over a non-null value, parameter) for each rule of ``field``."""
    rules: list[tuple[str, str, str]] = []
    reference = field.reference_list
    if field.type is FieldType.COUNTY:
        rules.append(("reference", f"{conv} IS NULL", reference or ""))
    elif field.type is not FieldType.STRING:
        rules.append(("type", f"{conv} IS NULL", field.type.value))
    if field.minimum is not None:
        rules.append(("minimum", f"{conv} < {field.minimum!r}", _formatted(field.minimum)))
    if field.maximum is not None:
        rules.append(("maximum", f"{conv} > {field.maximum!r}", _formatted(field.maximum)))
    if field.allowed:
        rules.append(("allowed", _not_allowed(field, conv), "، ".join(field.allowed)))
    if reference and field.type is not FieldType.COUNTY:
        rules.append(("reference", f"{reference_lookup(reference, value)} IS NULL", reference))
    return rules


def strict_select(
    schema: Schema, bindings: Sequence[Binding], relation: str, *, strict: bool
) -> str:
    """SELECT converting every bound column; with ``strict``, any violation stops it.

    Each value is converted once, in an inner query; the outer one checks the rules on
    the converted column. (Repeating a large conversion inside CASE branches makes
    DuckDB evaluate it again per branch: ten times slower.)
    """
    key = set(schema.primary_key)
    inner, outer = [], []
    for index, binding in enumerate(bindings):
        field = binding.field
        value_name, conv_name = f"__v{index}", f"__c{index}"
        value = missing_as_null(binding.column, schema.missing_values)
        inner.append(f"{value} AS {value_name}")
        inner.append(f"{converted(field, value_name)} AS {conv_name}")
        when_null = _STOP if strict and (field.required or field.name in key) else "NULL"
        checks = ""
        if strict:
            checks = " ".join(
                f"WHEN {predicate} THEN {_STOP}"
                for _, predicate, _ in _rule_predicates(field, value_name, conv_name)
            )
        outer.append(
            f"(CASE WHEN {value_name} IS NULL THEN {when_null} {checks} ELSE {conv_name} END) "
            f"AS {quote_identifier(field.name)}"
        )
    return f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {relation})"


def duplicate_checks(schema: Schema) -> list[tuple[str, list[str]]]:
    """(rule, fields) for every uniqueness the schema asks for."""
    checks = [("unique", [f.name]) for f in schema.fields if f.unique]
    if schema.primary_key and [list(schema.primary_key)] != [c[1] for c in checks]:
        checks.append(("primary_key", list(schema.primary_key)))
    return checks


def has_duplicates(con: duckdb.DuckDBPyConnection, parquet: Path, schema: Schema) -> bool:
    for _, names in duplicate_checks(schema):
        columns = ", ".join(quote_identifier(n) for n in names)
        row = con.execute(
            f"SELECT count(*) FROM (SELECT {columns} FROM "
            f"read_parquet({quote_literal(str(parquet))}) GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()
        if row and row[0]:
            return True
    return False


_REJECT_SHAPE: Final = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def structural_problems(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    """Malformed CSV lines DuckDB set aside (store_rejects), by line number."""
    rows = con.execute(
        # DuckDB lists a short line once per missing column: one problem per line.
        "SELECT line, first(error_type ORDER BY column_idx), first(csv_line), "
        "first(error_message ORDER BY column_idx) FROM reject_errors GROUP BY line ORDER BY line"
    ).fetchall()
    for line, error_type, csv_line, message in rows:
        shape = _REJECT_SHAPE.search(str(message or ""))
        rule = "ragged_row" if shape else "malformed_line"
        params: dict[str, object] = {"detail": str(error_type)}
        if shape:
            params = {"expected": int(shape.group(1)), "found": int(shape.group(2))}
        value = str(csv_line or "").strip("\r\n")[:200]
        report.add(Problem(rule, row=int(line), value=value, params=params))


def find_problems(
    con: duckdb.DuckDBPyConnection,
    schema: Schema,
    bindings: Sequence[Binding],
    relation: str,
    *,
    row_offset: int,
    headers: Sequence[str],
    bad_rows_csv: Path,
    after_rejects: bool = False,
) -> Report:
    """Every violation of ``schema`` in ``relation``; stages the rows in table ``__raw``."""
    con.execute(
        f"CREATE OR REPLACE TABLE __raw AS SELECT row_number() OVER () AS __row, * FROM {relation}"
    )
    if after_rejects:
        _renumber_after_rejects(con)
    con.execute(
        "CREATE OR REPLACE TABLE __problems "
        "(__row BIGINT, rule VARCHAR, col VARCHAR, value VARCHAR, param VARCHAR)"
    )
    key = set(schema.primary_key)
    for binding in bindings:
        _field_problems(
            con, schema, binding, required=binding.field.required or binding.field.name in key
        )
    by_name = {b.field.name: b for b in bindings}
    for rule, names in duplicate_checks(schema):
        _duplicate_problems(con, schema, rule, [by_name[n] for n in names])
    report = _collect(con, row_offset)
    total = con.execute("SELECT count(*) FROM __raw").fetchone()
    report.rows_total = int(total[0]) if total else 0
    if not report.ok:
        _write_bad_rows(con, headers, row_offset, bad_rows_csv)
    return report


def _renumber_after_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Number the kept rows as records of the file, counting the malformed ones set aside.

    The i-th set-aside line, on line L of the file (the header is line 1), has
    L - 1 - i kept rows before it; kept row k moves down by one for each set-aside line
    with fewer kept rows before it than k.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __set_aside AS SELECT line - 1 - "
        "row_number() OVER (ORDER BY line) AS kept_before FROM "
        "(SELECT DISTINCT line FROM reject_errors)"
    )
    con.execute(
        "UPDATE __raw SET __row = __row + (SELECT count(*) FROM __set_aside "
        "WHERE kept_before < __raw.__row) WHERE EXISTS (SELECT 1 FROM __set_aside)"
    )


def _field_problems(
    con: duckdb.DuckDBPyConnection, schema: Schema, binding: Binding, *, required: bool
) -> None:
    field = binding.field
    value = missing_as_null(binding.column, schema.missing_values)
    conv = converted(field, value)
    name = quote_literal(binding.shown)
    raw = quote_identifier(binding.column)
    if required:
        con.execute(
            f"INSERT INTO __problems SELECT __row, 'required', {name}, NULL, NULL "
            f"FROM __raw WHERE {value} IS NULL"
        )
    # A value that does not convert breaks only its type rule: range and list
    # predicates over a NULL conversion are NULL, never true.
    for rule, predicate, param in _rule_predicates(field, value, conv):
        con.execute(
            f"INSERT INTO __problems SELECT __row, {quote_literal(rule)}, {name}, "
            f"left({raw}, 200), {quote_literal(param)} FROM __raw "
            f"WHERE {value} IS NOT NULL AND {predicate}"
        )


def _duplicate_problems(
    con: duckdb.DuckDBPyConnection, schema: Schema, rule: str, bindings: Sequence[Binding]
) -> None:
    """Every row repeating an earlier row's value(s); the first occurrence is not flagged."""
    parts = []
    for binding in bindings:
        value = missing_as_null(binding.column, schema.missing_values)
        parts.append(converted(binding.field, value))
    keys = ", ".join(parts)
    shown = " || ' | ' || ".join(f"coalesce(CAST({p} AS VARCHAR), '')" for p in parts)
    names = quote_literal(", ".join(b.shown for b in bindings))
    con.execute(
        f"INSERT INTO __problems SELECT __row, {quote_literal(rule)}, {names}, left(shown, 200), "
        f"CAST(first_row AS VARCHAR) FROM (SELECT __row, {shown} AS shown, "
        f"row_number() OVER (PARTITION BY {keys} ORDER BY __row) AS nth, "
        f"min(__row) OVER (PARTITION BY {keys}) AS first_row, "
        f"{' AND '.join(f'{p} IS NOT NULL' for p in parts)} AS complete FROM __raw) "
        "WHERE nth > 1 AND complete"
    )


def _collect(con: duckdb.DuckDBPyConnection, row_offset: int) -> Report:
    report = Report()
    counts = con.execute("SELECT rule, col, count(*) FROM __problems GROUP BY ALL").fetchall()
    samples = con.execute(
        "SELECT __row, rule, col, value, param FROM (SELECT *, row_number() OVER "
        "(PARTITION BY rule, col ORDER BY __row) AS nth FROM __problems) "
        f"WHERE nth <= {KEEP_PER_RULE} ORDER BY __row"
    ).fetchall()
    by_rule: dict[tuple[str, str], list[Problem]] = {}
    for row, rule, column, value, param in samples:
        params = _params(rule, param, row_offset)
        by_rule.setdefault((rule, column), []).append(
            Problem(rule, row=int(row) + row_offset, column=column, value=value, params=params)
        )
    for rule, column, count in counts:
        report.add_counted(rule, column, by_rule.get((rule, column), []), int(count))
    bad = con.execute("SELECT count(DISTINCT __row) FROM __problems").fetchone()
    report.bad_rows = int(bad[0]) if bad else 0
    return report


def _params(rule: str, param: str | None, row_offset: int) -> dict[str, object]:
    if param is None:
        return {}
    if rule in {"unique", "primary_key"}:
        return {"first_row": int(param) + row_offset}
    names = {"type": "type", "minimum": "minimum", "maximum": "maximum", "allowed": "allowed"}
    return {names.get(rule, "list"): param}


def _write_bad_rows(
    con: duckdb.DuckDBPyConnection, headers: Sequence[str], row_offset: int, target: Path
) -> None:
    """The rows with problems, as they were in the file, with a column naming the problems."""
    columns = ", ".join(f"r.c{i} AS {quote_identifier(h)}" for i, h in enumerate(headers, start=1))
    plain = target.with_suffix(".tmp")
    con.execute(
        f"COPY (SELECT r.__row + {row_offset} AS row, p.problems, {columns} FROM __raw r JOIN "
        "(SELECT __row, string_agg(DISTINCT rule || ':' || col, '; ') AS problems "
        "FROM __problems GROUP BY __row) p USING (__row) "
        f"ORDER BY r.__row LIMIT {BAD_ROWS_LIMIT}) TO {quote_literal(str(plain))} (HEADER)"
    )
    with plain.open("rb") as src, target.open("wb") as out:
        out.write(b"\xef\xbb\xbf")  # Excel reads UTF-8 only after a BOM
        while chunk := src.read(1 << 20):
            out.write(chunk)
    plain.unlink()


def bind(schema: Schema, headers: Sequence[str]) -> tuple[list[Binding], list[Problem]]:
    """Match a file's headers to the declared fields by name or label."""
    from marja.core.text import search_key

    by_key = {search_key(h): i for i, h in enumerate(headers, start=1)}
    bindings: list[Binding] = []
    problems: list[Problem] = []
    used: set[int] = set()
    for field in schema.fields:
        position = next((by_key[k] for k in field.match_keys() if k in by_key), None)
        if position is None:
            problems.append(Problem("missing_column", column=field.name))
            continue
        used.add(position)
        bindings.append(Binding(field, f"c{position}", headers[position - 1]))
    for position, header in enumerate(headers, start=1):
        if position not in used:
            problems.append(
                Problem("unknown_column", column=header[:200], params={"position": position})
            )
    return bindings, problems
