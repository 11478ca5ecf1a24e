"""Rows and aggregates of one dataset version, compiled to DuckDB SQL.

A query arrives as plain data (:class:`RowsQuery`, :class:`AggregateQuery`) built from
what a person typed in a URL: field names, operators and values in any digit system,
Jalali or Gregorian dates, county names in Persian or English. :func:`rows_plan` and
:func:`aggregate_plan` check every name against the schema, read every value by its
field's type, and compile to one SQL statement whose values are all bound parameters.
Nothing a caller writes is ever pasted into the SQL text.

Pages are stable: rows are ordered by the requested sort and then by their position in
the Parquet file, so offset pages and cursor pages never skip or repeat a row. A cursor
is keyset pagination: it carries the last row's sort values, and the next page starts
strictly after them, which stays fast however deep the reader goes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import duckdb

from marja.core.convert import FALSE_WORDS, TRUE_WORDS, folded_text, quote_identifier
from marja.core.jalali import JalaliDateError, parse_date, to_jalali
from marja.core.restriction import Restriction
from marja.core.schema import Field, FieldType, Schema
from marja.core.text import ZWNJ, normalize

#: The most rows one page may ask for; exports have no such limit.
MAX_LIMIT: Final = 1000
DEFAULT_LIMIT: Final = 50
#: The largest offset a page may start at (DuckDB's OFFSET is a 64-bit integer).
MAX_OFFSET: Final = 2**62
#: Whole numbers a filter may hold: DuckDB's BIGINT.
_BIGINT: Final = range(-(2**63), 2**63)
#: The most groups an aggregate returns.
MAX_GROUPS: Final = 10_000
#: Name of the row's position in its file, the final sort key of every page.
ROW_KEY: Final = "__row"

_DATE_TYPES: Final = frozenset({FieldType.DATE, FieldType.JALALI_DATE, FieldType.DATETIME})
_NUMERIC_TYPES: Final = frozenset({FieldType.INTEGER, FieldType.NUMBER})
_ORDERED_TYPES: Final = _NUMERIC_TYPES | _DATE_TYPES
_TEXT_TYPES: Final = frozenset({FieldType.STRING})


class QueryError(ValueError):
    """A query that cannot run; ``code`` names the problem, ``params`` its details."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IN = "in"
    CONTAINS = "contains"
    ISNULL = "isnull"


_COMPARISON: Final = {Op.EQ: "=", Op.NE: "<>", Op.LT: "<", Op.LTE: "<=", Op.GT: ">", Op.GTE: ">="}
#: Separator of the values of an ``in`` filter: a comma, or the Persian comma.
_LIST_SEPARATOR: Final = re.compile("[,،]")


@dataclass(frozen=True)
class Filter:
    column: str
    op: Op
    value: str

    @classmethod
    def parse(cls, key: str, value: str) -> Filter:
        """``population__gte`` and ``1000`` → population ≥ 1000; a bare name is ``eq``."""
        name, _, op = key.partition("__")
        try:
            return cls(name, Op(op or "eq"), value)
        except ValueError:
            raise QueryError(
                "unknown_operator", column=name, operator=op, known=[o.value for o in Op]
            ) from None


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False

    @classmethod
    def parse_list(cls, text: str) -> tuple[Sort, ...]:
        """``-population,name`` → population descending, then name."""
        items = [t.strip() for t in text.split(",") if t.strip()]
        return tuple(cls(t.lstrip("-"), t.startswith("-")) for t in items)


class Bucket(StrEnum):
    """Jalali time buckets of a date field."""

    YEAR = "year"
    SEASON = "season"
    MONTH = "month"


@dataclass(frozen=True)
class Group:
    column: str
    bucket: Bucket | None = None

    @property
    def alias(self) -> str:
        return f"{self.column}_{self.bucket.value}" if self.bucket else self.column

    @classmethod
    def parse(cls, text: str) -> Group:
        """``admitted:month`` → the field ``admitted`` by Jalali month."""
        name, _, bucket = text.strip().partition(":")
        if not bucket:
            return cls(name)
        try:
            return cls(name, Bucket(bucket))
        except ValueError:
            raise QueryError(
                "unknown_bucket", column=name, bucket=bucket, known=[b.value for b in Bucket]
            ) from None


class Function(StrEnum):
    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    MEDIAN = "median"
    COUNT_DISTINCT = "count_distinct"


@dataclass(frozen=True)
class Measure:
    function: Function
    column: str | None = None

    @property
    def alias(self) -> str:
        return f"{self.function.value}_{self.column}" if self.column else self.function.value

    @classmethod
    def parse(cls, text: str) -> Measure:
        """``count``, ``sum:beds``, ``count_distinct:hospital``."""
        name, _, column = text.strip().partition(":")
        try:
            function = Function(name)
        except ValueError:
            raise QueryError(
                "unknown_function", function=name, known=[f.value for f in Function]
            ) from None
        if function is not Function.COUNT and not column:
            raise QueryError("measure_needs_column", function=name)
        return cls(function, column or None)


@dataclass(frozen=True)
class RowsQuery:
    columns: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    text: str = ""
    sort: tuple[Sort, ...] = ()
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    cursor: str = ""


@dataclass(frozen=True)
class AggregateQuery:
    groups: tuple[Group, ...] = ()
    measures: tuple[Measure, ...] = (Measure(Function.COUNT),)
    filters: tuple[Filter, ...] = ()
    text: str = ""
    sort: tuple[Sort, ...] = ()
    limit: int = MAX_GROUPS


@dataclass(frozen=True)
class Column:
    """A column of a result: its name, marja type (when it is a field) and labels."""

    name: str
    type: str
    field: Field | None = None
    #: For an aggregate's output: the function that computed it (empty for a group key).
    function: str = ""


@dataclass
class Plan:
    """SQL ready to run: text with ``?`` placeholders and the values bound to them."""

    sql: str
    params: list[Any]
    columns: list[Column]
    needs_jalali: bool = False
    #: For a rows page: how many rows it asks for, and what makes its cursors.
    limit: int = 0
    sort: tuple[Sort, ...] = ()
    fingerprint: str = ""
    count_sql: str = ""
    count_params: list[Any] = field(default_factory=list)


@dataclass
class Page:
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    next_cursor: str | None
    total: int | None


# --- values --------------------------------------------------------------------------------


def _field(schema: Schema, name: str) -> Field:
    try:
        return schema.field(name)
    except KeyError:
        raise QueryError("unknown_column", column=name, known=schema.names) from None


def typed_value(item: Field, text: str, counties: Mapping[str, str]) -> Any:
    """``text`` read as a value of ``item``'s type, the way people type it."""
    clean = normalize(text)
    kind = item.type
    try:
        if kind is FieldType.INTEGER:
            whole = int(clean.replace("٬", "").replace(",", ""))
            if whole not in _BIGINT:
                raise ValueError(clean)
            return whole
        if kind is FieldType.NUMBER:
            return float(clean.replace("٬", "").replace(",", "").replace("٫", "."))
        if kind is FieldType.BOOLEAN:
            word = clean.lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError(word)
        if kind in (FieldType.DATE, FieldType.JALALI_DATE):
            return parse_date(clean)
        if kind is FieldType.DATETIME:
            try:
                return dt.datetime.fromisoformat(clean)
            except ValueError:
                day = parse_date(clean)
                return dt.datetime(day.year, day.month, day.day)  # noqa: DTZ001 (naive, as stored)
        if kind is FieldType.COUNTY:
            code = counties.get(clean.lower()) or _spaced(counties).get(_joined(_match_key(text)))
            if code is None:
                raise QueryError("unknown_county", column=item.name, value=text)
            return code
    except (ValueError, JalaliDateError) as error:
        if isinstance(error, QueryError):
            raise
        raise QueryError("bad_value", column=item.name, value=text, type=item.type.value) from None
    return text


def _match_key(text: str) -> str:
    """Text as :func:`_text_key` folds a column: normalised, ZWNJ read as a space, lower."""
    return normalize(text).replace(ZWNJ, " ").lower()


def _joined(text: str) -> str:
    """A name with no spaces or ZWNJ: «اسلام شهر», «اسلام‌شهر» and «اسلامشهر» meet."""
    return text.replace(ZWNJ, "").replace(" ", "")


def _spaced(counties: Mapping[str, str]) -> dict[str, str]:
    """County aliases however their words are joined (space, ZWNJ or nothing)."""
    return {_joined(alias): code for alias, code in counties.items()}


def _text_key(column_sql: str) -> str:
    """A text column folded the way :func:`_match_key` folds what people type."""
    return f"lower(replace({folded_text(column_sql)}, '{ZWNJ}', ' '))"


def _condition(
    item: Field, item_filter: Filter, counties: Mapping[str, str], params: list[Any]
) -> str:
    column = quote_identifier(item.name)
    op = item_filter.op
    kind = item.type
    if op is Op.ISNULL:
        wanted = typed_value(Field(item.name, FieldType.BOOLEAN), item_filter.value, counties)
        return f"{column} IS {'' if wanted else 'NOT '}NULL"
    if op is Op.CONTAINS:
        if kind not in _TEXT_TYPES:
            raise QueryError("operator_not_for_type", column=item.name, operator=op.value)
        params.append(_match_key(item_filter.value))
        return f"contains({_text_key(column)}, ?)"
    if op in (Op.LT, Op.LTE, Op.GT, Op.GTE) and kind not in _ORDERED_TYPES | _TEXT_TYPES:
        raise QueryError("operator_not_for_type", column=item.name, operator=op.value)
    text_match = kind in _TEXT_TYPES and op in (Op.EQ, Op.NE, Op.IN)
    target = _text_key(column) if text_match else column
    if op is Op.IN:
        values = [v for v in _LIST_SEPARATOR.split(item_filter.value) if v.strip()]
        if not values:
            raise QueryError("empty_list", column=item.name)
        for value in values:
            params.append(_match_key(value) if text_match else typed_value(item, value, counties))
        return f"{target} IN ({', '.join('?' for _ in values)})"
    value = (
        _match_key(item_filter.value)
        if text_match
        else typed_value(item, item_filter.value, counties)
    )
    params.append(value)
    if op is Op.NE:
        return f"({target} IS DISTINCT FROM ?)"
    return f"{target} {_COMPARISON[op]} ?"


def _where(
    schema: Schema,
    filters: Sequence[Filter],
    text: str,
    counties: Mapping[str, str],
    params: list[Any],
) -> list[str]:
    conditions = [_condition(_field(schema, f.column), f, counties, params) for f in filters]
    words = _match_key(text).split()
    text_columns = [f for f in schema.fields if f.type in _TEXT_TYPES]
    for word in words:
        if not text_columns:
            raise QueryError("no_text_columns")
        matches = []
        for item in text_columns:
            params.append(word)
            matches.append(f"contains({_text_key(quote_identifier(item.name))}, ?)")
        conditions.append("(" + " OR ".join(matches) + ")")
    return conditions


# --- rows ----------------------------------------------------------------------------------


def _source(
    path: Path,
    *,
    row_key: bool,
    schema: Schema | None = None,
    restriction: Restriction | None = None,
) -> str:
    # The path comes from the object store (a hash under the data folder), never a caller.
    if restriction is not None and schema is not None:
        return restriction.source(path, schema, row_key=row_key)
    literal = "'" + str(path).replace("'", "''") + "'"
    if row_key:
        return (
            f"(SELECT *, file_row_number AS {ROW_KEY} "
            f"FROM read_parquet({literal}, file_row_number = true))"
        )
    return f"read_parquet({literal})"


def _fingerprint(version: str, query: RowsQuery) -> str:
    """What a cursor is tied to: the version, the filters and the sort."""
    parts = [version, query.text, *(f"{f.column}|{f.op}|{f.value}" for f in query.filters)]
    parts += [f"{s.column}|{s.descending}" for s in query.sort]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return {"d": str(value)}  # exact, unlike a float
    return value


def encode_cursor(fingerprint: str, values: Sequence[Any]) -> str:
    payload = json.dumps({"f": fingerprint, "k": [_json_value(v) for v in values]})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str, keys: Sequence[Field | None]) -> list[Any]:
    """The sort values a cursor carries, read back by the sort fields' types."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or not isinstance(payload.get("f"), str):
            raise ValueError("shape")
        if not isinstance(payload.get("k"), list):
            raise ValueError("shape")
        if payload["f"] != fingerprint:
            raise QueryError("cursor_mismatch")
        values = payload["k"]
        if not isinstance(values, list) or len(values) != len(keys):
            raise ValueError("length")
        decoded: list[Any] = []
        for item, value in zip(keys, values, strict=True):
            decoded.append(_cursor_value(item, value))
    except QueryError:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, InvalidOperation):
        raise QueryError("bad_cursor") from None
    return decoded


def _cursor_value(item: Field | None, value: Any) -> Any:
    if value is None:
        return None
    if item is None:  # the row key
        if not isinstance(value, int) or isinstance(value, bool) or value not in _BIGINT:
            raise ValueError("row")
        return value
    if item.type in (FieldType.DATE, FieldType.JALALI_DATE):
        return dt.date.fromisoformat(str(value))
    if item.type is FieldType.DATETIME:
        return dt.datetime.fromisoformat(str(value))
    if item.type is FieldType.INTEGER and (
        not isinstance(value, int) or isinstance(value, bool) or value not in _BIGINT
    ):
        raise ValueError("integer")
    if item.type is FieldType.NUMBER:
        if isinstance(value, dict) and isinstance(value.get("d"), str):
            return Decimal(value["d"])
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError("number")
    if item.type is FieldType.BOOLEAN and not isinstance(value, bool):
        raise ValueError("boolean")
    if item.type in (FieldType.STRING, FieldType.COUNTY) and not isinstance(value, str):
        raise ValueError("text")
    return value


def _after(keys: Sequence[tuple[str, bool]], values: Sequence[Any], params: list[Any]) -> str:
    """Rows strictly after ``values`` in the order ``keys`` (NULLS LAST both ways)."""
    alternatives = []
    for index, (column, descending) in enumerate(keys):
        value = values[index]
        if value is None:
            continue  # nothing sorts after NULL in this key; ties go to the next key
        equal = []
        for earlier, earlier_value in zip(keys[:index], values[:index], strict=True):
            params.append(earlier_value)
            equal.append(f"{earlier[0]} IS NOT DISTINCT FROM ?")
        params.append(value)
        beyond = f"({column} {'<' if descending else '>'} ? OR {column} IS NULL)"
        alternatives.append("(" + " AND ".join([*equal, beyond]) + ")")
    return "(" + (" OR ".join(alternatives) or "FALSE") + ")"


def rows_plan(
    path: Path,
    schema: Schema,
    query: RowsQuery,
    *,
    version: str,
    counties: Mapping[str, str] | None = None,
    max_limit: int = MAX_LIMIT,
    restriction: Restriction | None = None,
) -> Plan:
    """The SQL of one page of rows of the Parquet file at ``path`` (as ``restriction``
    narrows it, when given: raises :class:`RestrictionError` when it cannot)."""
    lookup = counties or {}
    stored, schema = schema, restriction.schema(schema) if restriction else schema
    source_with_key = _source(path, row_key=True, schema=stored, restriction=restriction)
    source = _source(path, row_key=False, schema=stored, restriction=restriction)
    if query.limit < 0 or query.limit > max_limit:
        raise QueryError("limit_out_of_range", limit=query.limit, minimum=0, maximum=max_limit)
    if not 0 <= query.offset <= MAX_OFFSET:
        raise QueryError("offset_out_of_range", offset=query.offset, maximum=MAX_OFFSET)
    if query.cursor and query.offset:
        raise QueryError("cursor_with_offset")
    names = list(query.columns) or schema.names
    selected = [_field(schema, name) for name in dict.fromkeys(names)]
    for item in query.sort:
        _field(schema, item.column)
    params: list[Any] = []
    conditions = _where(schema, query.filters, query.text, lookup, params)
    count_params = list(params)
    count_where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    keys = [(quote_identifier(s.column), s.descending) for s in query.sort] + [(ROW_KEY, False)]
    fingerprint = _fingerprint(version, query)
    if query.cursor:
        key_fields: list[Field | None] = [schema.field(s.column) for s in query.sort] + [None]
        values = decode_cursor(query.cursor, fingerprint, key_fields)
        conditions.append(_after(keys, values, params))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    order = ", ".join(f"{c} {'DESC' if d else 'ASC'} NULLS LAST" for c, d in keys)
    sort_columns = [quote_identifier(s.column) for s in query.sort]
    listed = ", ".join([quote_identifier(f.name) for f in selected] + sort_columns + [ROW_KEY])
    sql = (
        f"SELECT {listed} FROM {source_with_key}"
        f"{where} ORDER BY {order} LIMIT {int(query.limit) + 1} OFFSET {int(query.offset)}"
    )
    return Plan(
        sql=sql,
        params=params,
        columns=[Column(f.name, f.type.value, f) for f in selected],
        limit=query.limit,
        sort=query.sort,
        fingerprint=fingerprint,
        count_sql=f"SELECT count(*) FROM {source}{count_where}",
        count_params=count_params,
    )


def export_plan(
    path: Path,
    schema: Schema,
    query: RowsQuery,
    *,
    counties: Mapping[str, str] | None = None,
    restriction: Restriction | None = None,
) -> Plan:
    """Every row the filters of ``query`` keep, in its sort order, for an export."""
    stored, schema = schema, restriction.schema(schema) if restriction else schema
    source = _source(path, row_key=False, schema=stored, restriction=restriction)
    params: list[Any] = []
    conditions = _where(schema, query.filters, query.text, counties or {}, params)
    names = list(query.columns) or schema.names
    selected = [_field(schema, name) for name in dict.fromkeys(names)]
    for item in query.sort:
        _field(schema, item.column)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    order = ", ".join(
        f"{quote_identifier(s.column)} {'DESC' if s.descending else 'ASC'} NULLS LAST"
        for s in query.sort
    )
    listed = ", ".join(quote_identifier(f.name) for f in selected)
    sql = f"SELECT {listed} FROM {source}{where}"
    count_sql = f"SELECT count(*) FROM {source}{where}"
    if order:
        sql += f" ORDER BY {order}"
    return Plan(
        sql,
        params,
        [Column(f.name, f.type.value, f) for f in selected],
        count_sql=count_sql,
        count_params=list(params),
    )


def connect(*, memory_mb: int = 512, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB connection with bounded memory."""
    return duckdb.connect(
        ":memory:",
        config={
            "memory_limit": f"{memory_mb}MB",
            "threads": threads,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )


def fetch_page(con: duckdb.DuckDBPyConnection, plan: Plan, *, count: bool = False) -> Page:
    """Run a rows plan: the page, the cursor of the next one, and the total if asked."""
    rows = con.execute(plan.sql, plan.params).fetchall()
    width = len(plan.columns)
    next_cursor = None
    if len(rows) > plan.limit:
        rows = rows[: plan.limit]
        if rows:
            last = rows[-1]
            next_cursor = encode_cursor(plan.fingerprint, list(last[width:]))
    total = None
    if count:
        counted = con.execute(plan.count_sql, plan.count_params).fetchone()
        total = int(counted[0]) if counted else 0
    return Page(plan.columns, [row[:width] for row in rows], next_cursor, total)


# --- aggregates ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _nowruz_list() -> str:
    """The Gregorian date of 1 Farvardin of Jalali years 1000-1700 (Gregorian 1621-2321),
    as a SQL list; dates outside it get no bucket rather than a wrong one."""
    days = []
    for year in range(_FIRST_JALALI_YEAR, _LAST_JALALI_YEAR + 1):
        start = _farvardin_first(year)
        days.append(f"DATE '{start.isoformat()}'")
    return "[" + ", ".join(days) + "]"


def _farvardin_first(year: int) -> dt.date:
    from jdatetime import date as jdate

    return jdate(year, 1, 1).togregorian()  # type: ignore[no-any-return]


_FIRST_JALALI_YEAR: Final = 1000
_LAST_JALALI_YEAR: Final = 1700
#: List index 1 holds Nowruz of Gregorian year 1621 (Jalali 1000).
_NOWRUZ_BASE: Final = _FIRST_JALALI_YEAR + 621 - 1


def install_jalali_macros(con: duckdb.DuckDBPyConnection, *, temporary: bool = True) -> None:
    """Macros turning a DATE into its Jalali year, month (1-12) and season (1-4).

    Temporary ones live with ``con``; ``temporary=False`` puts them in the database, where
    every cursor of it finds them (so a server installs them once, not per query).
    """
    kind = "TEMP MACRO" if temporary else "MACRO"
    # Outside the years the list covers, every part is NULL rather than a wrong label.
    nowruz = (
        f"CASE WHEN year(d) BETWEEN {_NOWRUZ_BASE + 1} "
        f"AND {_NOWRUZ_BASE + 1 + _LAST_JALALI_YEAR - _FIRST_JALALI_YEAR} "
        f"THEN {_nowruz_list()}[year(d) - {_NOWRUZ_BASE}] END"
    )
    con.execute(f"CREATE OR REPLACE {kind} __nowruz(d) AS {nowruz}")
    con.execute(
        f"CREATE OR REPLACE {kind} __jalali_year(d) AS "
        "year(d) - CASE WHEN __nowruz(d) IS NULL THEN NULL "
        "WHEN d >= __nowruz(d) THEN 621 ELSE 622 END"
    )
    con.execute(
        f"CREATE OR REPLACE {kind} __jalali_day_of_year(d) AS date_diff('day', "
        "CASE WHEN d >= __nowruz(d) THEN __nowruz(d) "
        "ELSE __nowruz(d - INTERVAL 1 YEAR) END, d)"
    )
    con.execute(
        f"CREATE OR REPLACE {kind} __jalali_month(d) AS CASE "
        "WHEN __jalali_day_of_year(d) < 186 THEN __jalali_day_of_year(d) // 31 + 1 "
        "ELSE (__jalali_day_of_year(d) - 186) // 30 + 7 END"
    )


def _bucket_sql(item: Field, bucket: Bucket) -> str:
    column = quote_identifier(item.name)
    day = f"CAST({column} AS DATE)"
    year = f"CAST(__jalali_year({day}) AS VARCHAR)"
    if bucket is Bucket.YEAR:
        return year
    month = f"__jalali_month({day})"
    if bucket is Bucket.SEASON:
        return f"{year} || '-' || CAST(({month} - 1) // 3 + 1 AS VARCHAR)"
    return f"{year} || '-' || lpad(CAST({month} AS VARCHAR), 2, '0')"


def aggregate_plan(
    path: Path,
    schema: Schema,
    query: AggregateQuery,
    *,
    counties: Mapping[str, str] | None = None,
    max_groups: int = MAX_GROUPS,
    restriction: Restriction | None = None,
) -> Plan:
    """The SQL of a group-by over the Parquet file at ``path`` (narrowed by
    ``restriction`` when given)."""
    stored, schema = schema, restriction.schema(schema) if restriction else schema
    if query.limit < 1 or query.limit > max_groups:
        raise QueryError("limit_out_of_range", limit=query.limit, minimum=1, maximum=max_groups)
    if not query.measures:
        raise QueryError("no_measures")
    params: list[Any] = []
    conditions = _where(schema, query.filters, query.text, counties or {}, params)
    selects: list[str] = []
    columns: list[Column] = []
    needs_jalali = False
    for group in query.groups:
        item = _field(schema, group.column)
        if group.bucket is None:
            selects.append(f"{quote_identifier(item.name)} AS {quote_identifier(group.alias)}")
            columns.append(Column(group.alias, item.type.value, item))
            continue
        if item.type not in _DATE_TYPES:
            raise QueryError("bucket_not_for_type", column=item.name, bucket=group.bucket.value)
        needs_jalali = True
        expression = _bucket_sql(item, group.bucket)
        selects.append(f"{expression} AS {quote_identifier(group.alias)}")
        columns.append(Column(group.alias, f"jalali_{group.bucket.value}", item))
    for measure in query.measures:
        selects.append(f"{_measure_sql(schema, measure)} AS {quote_identifier(measure.alias)}")
        source = _field(schema, measure.column) if measure.column else None
        columns.append(
            Column(measure.alias, _measure_type(measure, source), source, measure.function.value)
        )
    aliases = {c.name for c in columns}
    if len(aliases) != len(columns):
        raise QueryError("duplicate_output", columns=[c.name for c in columns])
    for order_by in query.sort:
        if order_by.column not in aliases:
            raise QueryError("unknown_sort", column=order_by.column, known=sorted(aliases))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    group_by = f" GROUP BY {', '.join(str(i + 1) for i in range(len(query.groups)))}"
    order_keys = [(s.column, s.descending) for s in query.sort] or [
        (g.alias, False) for g in query.groups
    ]
    order = ", ".join(
        f"{quote_identifier(c)} {'DESC' if d else 'ASC'} NULLS LAST" for c, d in order_keys
    )
    sql = (
        f"SELECT {', '.join(selects)} FROM "
        f"{_source(path, row_key=False, schema=stored, restriction=restriction)}{where}"
        f"{group_by if query.groups else ''}"
        f"{' ORDER BY ' + order if order else ''} LIMIT {int(query.limit) + 1}"
    )
    return Plan(sql, params, columns, needs_jalali=needs_jalali, limit=query.limit)


def _measure_sql(schema: Schema, measure: Measure) -> str:
    if measure.column is None:
        return "count(*)"
    item = _field(schema, measure.column)
    column = quote_identifier(item.name)
    function = measure.function
    if function is Function.COUNT:
        return f"count({column})"
    if function is Function.COUNT_DISTINCT:
        return f"count(DISTINCT {column})"
    if function in (Function.MIN, Function.MAX):
        if item.type not in _ORDERED_TYPES | _TEXT_TYPES:
            raise QueryError("function_not_for_type", column=item.name, function=function.value)
        return f"{function.value}({column})"
    if item.type not in _NUMERIC_TYPES:
        raise QueryError("function_not_for_type", column=item.name, function=function.value)
    return f"{function.value}({column})"


def _measure_type(measure: Measure, source: Field | None) -> str:
    if measure.function in (Function.COUNT, Function.COUNT_DISTINCT):
        return FieldType.INTEGER.value
    if measure.function in (Function.MIN, Function.MAX) and source is not None:
        return source.type.value
    if measure.function is Function.SUM and source and source.type is FieldType.INTEGER:
        return FieldType.INTEGER.value
    return FieldType.NUMBER.value


@dataclass
class Table:
    columns: list[Column]
    rows: list[tuple[Any, ...]]
    truncated: bool

    @property
    def group_count(self) -> int:
        return sum(1 for c in self.columns if not c.function)


def fetch_table(
    con: duckdb.DuckDBPyConnection, plan: Plan, *, macros_installed: bool = False
) -> Table:
    """Run an aggregate plan; at most ``plan.limit`` groups, flagged when there are more.

    ``macros_installed``: the Jalali macros are already in ``con``'s database.
    """
    if plan.needs_jalali and not macros_installed:
        install_jalali_macros(con)
    rows = con.execute(plan.sql, plan.params).fetchall()
    truncated = len(rows) > plan.limit
    return Table(plan.columns, [tuple(r) for r in rows[: plan.limit]], truncated)


def jalali_label_parts(key: str) -> tuple[int, int | None]:
    """``1402-08`` → (1402, 8); ``1402`` → (1402, None); for rendering bucket keys."""
    year, _, rest = key.partition("-")
    return int(year), int(rest) if rest else None


def split_list(values: Iterable[str]) -> list[str]:
    """Comma-separated items of repeated parameters, blanks dropped."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def jalali_year_of(day: dt.date) -> int:
    """The Jalali year of a Gregorian day (for tests and labels)."""
    return int(to_jalali(day).year)
