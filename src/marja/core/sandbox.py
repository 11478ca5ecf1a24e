"""Run an analyst's read-only SQL over DuckDB, in a sandbox.

Each dataset the caller may read is a view named by its slug (``"health-beds"``, and
``health_beds`` too when that name is free) over its immutable Parquet file. Nothing else
is in the database, so a name the caller may not read is simply unknown.

Three layers, each enough to stop what it is aimed at:

1. **The engine.** Before any user text runs, external access is off (the view files are
   the only ``allowed_paths``), extensions cannot be installed, loaded or auto-loaded,
   spilling to disk is off, memory, threads and execution time are limited, and the
   configuration is locked. No file, network, extension, ``ATTACH``, ``COPY`` or setting
   change is possible even if the checks below were bypassed.
2. **The statement.** Exactly one statement, and it must be a query (``SELECT``,
   ``WITH … SELECT``, ``VALUES``, ``FROM …``, ``DESCRIBE``/``SUMMARIZE`` of a query).
3. **The parse tree.** DuckDB's own parser (``json_serialize_sql``) gives the tree; table
   references must be the views or the query's own CTEs, table functions come from a
   short allow-list, and the few functions that reveal server state (settings, catalog
   SQL that holds the Parquet paths) are refused.

Results are capped twice without materialising more than the cap: at ``max_rows`` rows
(the row after the cap only tells that there were more) and at ``max_result_mb`` of
text, measured on the widest row, so a few huge values cannot exhaust the server's memory
while they are turned into Python objects. The capped rows are materialised inside
DuckDB, where the memory limit counts them.

Errors are :class:`SqlError` with a stable ``code`` and small ``params``; the web layer
words them. ``params`` never hold a server path: DuckDB's messages are scrubbed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, Final

import duckdb

from marja.core.convert import quote_identifier, quote_literal
from marja.core.restriction import TableSource

#: Table functions a query may call: generators of values, none of which reads anything.
ALLOWED_TABLE_FUNCTIONS: Final = frozenset(
    {"range", "generate_series", "unnest", "repeat", "json_each", "json_tree"}
)
#: Functions that reveal server state: settings (paths among them), session variables,
#: the catalog (whose SQL holds the Parquet paths), or that run SQL given as text. Table
#: functions need no entry here: only those allowed above may be called.
DENIED_FUNCTIONS: Final = frozenset(
    {
        "current_setting",
        "getvariable",
        "write_log",
        "json_execute_serialized_sql",
        "pg_get_viewdef",
        "pg_get_constraintdef",
        "get_block_size",
        "format_type",
    }
)
#: Schemas of DuckDB's own catalog views that an unqualified name can reach.
_SYSTEM_SCHEMAS: Final = ("main", "pg_catalog")
_MESSAGE_CHARS: Final = 500
_PATH: Final = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"`,;()\[\]{}]+){2,}[\\/]?")
_TYPE_PREFIX: Final = re.compile(r"^[A-Za-z ]*Error: ")
_MISSING_TABLE: Final = re.compile(r"Table with name (.+?) does not exist")
_FILE_LIKE: Final = re.compile(r"[/\\:.~]")


@dataclass(frozen=True)
class SqlLimits:
    timeout_seconds: float = 10.0
    memory_mb: int = 512
    max_rows: int = 10_000
    max_result_mb: int = 16
    max_sql_chars: int = 20_000
    threads: int = 2


class SqlError(Exception):
    """SQL that cannot be run, or that failed; ``code`` is stable, ``params`` are small.

    Codes: ``empty``; ``too_long`` (``max_chars``, ``chars``); ``syntax`` (``message``,
    ``line``, ``column``, 1-based, or None); ``multiple_statements`` (``count``);
    ``not_read_only`` (``statement``: DuckDB's statement type, e.g. ``ATTACH``);
    ``forbidden`` (``reason``: ``function``, ``table_function``, ``system_table``,
    ``qualified_name``, ``file``, ``show``, ``external_access`` or ``unchecked``; and
    ``name`` where there is one); ``unknown_table`` (``name``); ``timeout``
    (``seconds``); ``memory`` (``limit_mb``); ``too_large`` (``limit_mb``: one row of the
    answer is larger than an answer may be); ``failed`` (``message``).
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class SqlResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool
    elapsed_ms: float


def open_sandbox(
    views: Mapping[str, Path | TableSource], limits: SqlLimits = SqlLimits()
) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB with one view per dataset, locked down before it is returned.

    A view of a :class:`TableSource` with a restriction has only the granted columns and
    rows: the query never sees the rest, whatever it does with the view.
    Use one connection from one thread at a time, and close it when done.
    """
    sources = {
        name: replace(item, path=_parquet_file(name, item.path))
        if isinstance(item, TableSource)
        else TableSource(_parquet_file(name, item))
        for name, item in views.items()
    }
    files = {name: source.path for name, source in sources.items()}
    conn = duckdb.connect(":memory:", config=_engine_config(limits))
    try:
        for name, source in sources.items():
            conn.execute(f"CREATE VIEW {quote_identifier(name)} AS {source.sql()}")
        for alias, name in _aliases(list(files)).items():
            conn.execute(
                f"CREATE VIEW {quote_identifier(alias)} AS SELECT * FROM {quote_identifier(name)}"
            )
        allowed = ", ".join(quote_literal(str(path)) for path in files.values())
        conn.execute(f"SET allowed_paths = [{allowed}]")
        conn.execute("SET enable_external_access = false")
        conn.execute("SET enable_progress_bar = false")
        conn.execute("SET lock_configuration = true")
    except BaseException:
        conn.close()
        raise
    return conn


def run_readonly_sql(
    sql: str, views: Mapping[str, Path | TableSource], limits: SqlLimits = SqlLimits()
) -> SqlResult:
    """Check and run ``sql`` in a fresh sandbox over ``views``; raise :class:`SqlError`."""
    started = time.perf_counter()
    conn = open_sandbox(views, limits)
    try:
        return fetch_result(conn, sql, limits, started=started)
    finally:
        conn.close()


def fetch_result(
    conn: duckdb.DuckDBPyConnection,
    sql: str,
    limits: SqlLimits = SqlLimits(),
    *,
    started: float | None = None,
) -> SqlResult:
    """Check and run ``sql`` on a sandbox from :func:`open_sandbox`, capped.

    Time, memory and threads were fixed when the sandbox opened; pass the same ``limits``
    so that errors report them.
    """
    started = time.perf_counter() if started is None else started
    body = checked_query(conn, sql, limits)
    budget = limits.max_result_mb * 1024 * 1024
    try:
        result = conn.execute(_capped(body, limits.max_rows + 1, budget=budget))
        described = result.description or []
        first = result.fetchone()
        if first is not None and first[-1] > budget:
            # Even one row is larger than an answer may be: refuse before Python holds it.
            conn.abort()
            raise SqlError("too_large", limit_mb=limits.max_result_mb)
        rows = [first, *result.fetchall()] if first is not None else []
    except duckdb.Error as exc:
        conn.abort()
        raise sql_error(exc, limits, conn) from None
    # The last two columns: the rows before the byte budget was applied, the widest row.
    available = rows[0][-2] if rows else 0
    return SqlResult(
        columns=[d[0] for d in described[:-2]],
        types=[str(d[1]) for d in described[:-2]],
        rows=[row[:-2] for row in rows[: limits.max_rows]],
        truncated=available > limits.max_rows or len(rows) < available,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def sandboxed_relation(
    conn: duckdb.DuckDBPyConnection, sql: str, limits: SqlLimits = SqlLimits()
) -> duckdb.DuckDBPyRelation:
    """The checked query as a relation of at most ``max_rows`` rows, for streaming exports.

    Read it in Arrow batches (``to_arrow_reader``). Errors while it runs (time, memory)
    are ``duckdb.Error``; :func:`sql_error` turns them into :class:`SqlError`.
    """
    body = checked_query(conn, sql, limits)
    try:
        return conn.sql(_capped(body, limits.max_rows))
    except duckdb.Error as exc:
        raise sql_error(exc, limits, conn) from None


def checked_query(conn: duckdb.DuckDBPyConnection, sql: str, limits: SqlLimits) -> str:
    """The text of the one query in ``sql``, or :class:`SqlError` saying why not."""
    if not sql.strip():
        raise SqlError("empty")
    if len(sql) > limits.max_sql_chars:
        raise SqlError("too_long", max_chars=limits.max_sql_chars, chars=len(sql))
    try:
        statements = conn.extract_statements(sql)
    except duckdb.ParserException as exc:
        raise _syntax_error(conn, sql, exc) from None
    except duckdb.Error as exc:
        raise sql_error(exc, limits, conn) from None
    if not statements:
        raise SqlError("empty")
    if len(statements) > 1:
        raise SqlError("multiple_statements", count=len(statements))
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        raise SqlError("not_read_only", statement=statement.type.name)
    body = _without_final_semicolons(statement.query)
    _check_tree(_parse_tree(conn, body), _view_names(conn))
    return body


def sql_error(
    exc: duckdb.Error, limits: SqlLimits, conn: duckdb.DuckDBPyConnection | None = None
) -> SqlError:
    """DuckDB's error as a :class:`SqlError`, its message scrubbed of server paths.

    With the sandbox's ``conn``, its Parquet paths are scrubbed exactly, even with spaces.
    """
    if isinstance(exc, duckdb.InterruptException):
        return SqlError("timeout", seconds=limits.timeout_seconds)
    if isinstance(exc, duckdb.OutOfMemoryException):
        return SqlError("memory", limit_mb=limits.memory_mb)
    if isinstance(exc, duckdb.PermissionException):
        return SqlError("forbidden", reason="external_access")
    message = _clean_message(str(exc), _view_files(conn) if conn else ())
    if isinstance(exc, duckdb.ParserException):
        return SqlError("syntax", message=message, line=None, column=None)
    missing = _MISSING_TABLE.search(message)
    if isinstance(exc, duckdb.CatalogException) and missing:
        return SqlError("unknown_table", name=missing.group(1))
    return SqlError("failed", message=message)


def _engine_config(limits: SqlLimits) -> dict[str, str | bool | int | float | list[str]]:
    return {
        "threads": limits.threads,
        "memory_limit": f"{limits.memory_mb}MiB",
        "max_execution_time": max(1, round(limits.timeout_seconds * 1000)),
        # No spilling: a query's memory is its limit, and a user's query writes nothing to
        # the server's disk. Queries that would need more fail with a 'memory' error.
        "temp_directory": "",
        "autoload_known_extensions": False,
        "autoinstall_known_extensions": False,
        "allow_community_extensions": False,
        "allow_unsigned_extensions": False,
        "allow_persistent_secrets": False,
        # A table name must never fall back to a Python variable of the calling process.
        "python_enable_replacements": False,
    }


def _parquet_file(name: str, path: Path) -> Path:
    if not name:
        raise ValueError("a view needs a name")
    resolved = path.resolve()
    if not resolved.is_file():
        raise FileNotFoundError(f"no Parquet file for view {name!r}")
    return resolved


def _aliases(names: list[str]) -> dict[str, str]:
    """``health_beds`` for ``health-beds``, unless the name is taken (case-insensitively)."""
    taken = {name.lower() for name in names}
    aliases: dict[str, str] = {}
    for name in names:
        alias = name.replace("-", "_")
        if alias.lower() not in taken:
            taken.add(alias.lower())
            aliases[alias] = name
    return aliases


def _capped(body: str, rows: int, *, budget: int | None = None) -> str:
    """``body`` limited to ``rows`` rows, materialised so DuckDB's memory limit counts them.

    With a ``budget`` (bytes of text), fewer rows are returned when the widest row times
    the rows would exceed it; two last columns tell how many rows there were before, and
    how wide the widest row is.
    """
    capped = f"WITH __marja_rows AS MATERIALIZED (SELECT * FROM (\n{body}\n) LIMIT {int(rows)})\n"
    if budget is None:
        return capped + "SELECT * FROM __marja_rows"
    return capped + (
        ", __marja_size AS (SELECT count(*) AS n, "
        "max(strlen(CAST(struct_pack(*COLUMNS(*)) AS VARCHAR))) AS widest FROM __marja_rows)\n"
        "SELECT __marja_rows.*, (SELECT n FROM __marja_size) AS __marja_n, "
        "(SELECT widest FROM __marja_size) AS __marja_widest FROM __marja_rows\n"
        "LIMIT (SELECT greatest(1, least(n, "
        f"{int(budget)} // greatest(widest, 1))) FROM __marja_size)"
    )


def _without_final_semicolons(query: str) -> str:
    """The query up to its last semicolon, if only comments follow it."""
    tokens = duckdb.tokenize(query)
    data = query.encode()
    end = len(data)
    for position, kind in reversed(tokens):
        if kind == duckdb.token_type.comment:
            continue
        if kind == duckdb.token_type.operator and data[position : position + 1] == b";":
            end = position
            continue
        break
    return data[:end].decode()


_parser_lock = threading.Lock()


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    """A connection that only parses (``json_serialize_sql`` binds nothing)."""
    return duckdb.connect(":memory:", config={"enable_external_access": False})


def referenced_tables(sql: str) -> frozenset[str] | None:
    """Lower-case names of the tables ``sql`` reads, without running or binding it.

    So that a caller creates views only for those (a user may read thousands of
    datasets); None when the text does not parse, which the sandbox then reports.
    """
    try:
        with _parser_lock:
            row = _parser().execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0]
        tree = json.loads(row[0])
    except (duckdb.Error, ValueError, RecursionError):
        return None
    if tree.get("error"):
        return None
    return frozenset(
        str(node["table_name"]).lower()
        for node in _nodes(tree)
        if node.get("type") == "BASE_TABLE" and "table_name" in node
    )


def _parse_tree(conn: duckdb.DuckDBPyConnection, body: str) -> Any:
    row = conn.execute("SELECT json_serialize_sql(?)", [body]).fetchall()[0]
    tree = json.loads(row[0])
    if tree.get("error"):
        # The statement parsed as a query but the serialiser cannot show it: refuse
        # rather than run what was not checked.
        raise SqlError("forbidden", reason="unchecked")
    return tree


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    stack = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _check_tree(tree: Any, views: frozenset[str]) -> None:
    nodes = list(_nodes(tree))
    ctes = {
        str(entry["key"]).lower()
        for node in nodes
        if isinstance(node.get("cte_map"), dict)
        for entry in node["cte_map"].get("map", [])
    }
    for node in nodes:
        kind = node.get("type")
        if node.get("class") == "FUNCTION":
            name = str(node["function_name"]).lower()
            if name in DENIED_FUNCTIONS:
                raise SqlError("forbidden", reason="function", name=name)
        if kind == "TABLE_FUNCTION":
            name = str(node["function"]["function_name"]).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise SqlError("forbidden", reason="table_function", name=name)
        elif kind == "BASE_TABLE":
            _check_table(node, views, ctes)
        elif kind == "SHOW_REF" and node.get("query") is None:
            raise SqlError("forbidden", reason="show")


def _check_table(node: dict[str, Any], views: frozenset[str], ctes: set[str]) -> None:
    name = str(node["table_name"])
    if node.get("catalog_name") or node.get("schema_name"):
        raise SqlError("forbidden", reason="qualified_name", name=name)
    lowered = name.lower()
    if lowered in views:
        return
    if lowered in _system_relations():
        raise SqlError("forbidden", reason="system_table", name=name)
    if _FILE_LIKE.search(name):
        raise SqlError("forbidden", reason="file")
    if lowered in ctes:
        # A CTE used outside its scope is left to DuckDB: the catalog has nothing else
        # this name could reach, so its answer is "does not exist".
        return
    raise SqlError("unknown_table", name=name)


def _view_names(conn: duckdb.DuckDBPyConnection) -> frozenset[str]:
    rows = conn.execute("SELECT lower(view_name) FROM duckdb_views() WHERE NOT internal").fetchall()
    return frozenset(str(row[0]) for row in rows)


@cache
def _system_relations() -> frozenset[str]:
    """Names of DuckDB's own catalog views that an unqualified name reaches."""
    with duckdb.connect(":memory:") as conn:
        rows = conn.execute(
            "SELECT DISTINCT lower(view_name) FROM duckdb_views() "
            "WHERE internal AND list_contains(?, schema_name)",
            [list(_SYSTEM_SCHEMAS)],
        ).fetchall()
    return frozenset(str(row[0]) for row in rows)


def _syntax_error(conn: duckdb.DuckDBPyConnection, sql: str, exc: duckdb.Error) -> SqlError:
    message = _clean_message(str(exc))
    line: int | None = None
    column: int | None = None
    row = conn.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0]
    parsed = json.loads(row[0])
    if parsed.get("error") and str(parsed.get("position", "")).isdigit():
        # DuckDB counts bytes of UTF-8; people count characters.
        offset = len(sql.encode()[: int(parsed["position"])].decode(errors="ignore"))
        line = sql.count("\n", 0, offset) + 1
        column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
        message = _clean_message(str(parsed.get("error_message", message)))
    return SqlError("syntax", message=message, line=line, column=column)


def _view_files(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The sandbox's Parquet files: exactly its ``allowed_paths``."""
    try:
        conn.abort()
        row = conn.execute("SELECT current_setting('allowed_paths')").fetchall()[0]
    except duckdb.Error:
        return []
    return [str(path) for path in row[0] or []]


def _clean_message(text: str, paths: Iterable[str] = ()) -> str:
    """DuckDB's message without its error-type prefix, quoted SQL or any server path."""
    first = text.split("\n\nLINE ", 1)[0].strip()
    first = _TYPE_PREFIX.sub("", first, count=1)
    for path in sorted(paths, key=len, reverse=True):
        first = first.replace(path, "…")
    return _PATH.sub("…", first)[:_MESSAGE_CHARS]
