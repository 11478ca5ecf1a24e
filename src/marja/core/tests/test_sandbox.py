"""The read-only SQL sandbox: what analysts can do, and every way out that is closed."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from marja.core.sandbox import (
    ALLOWED_TABLE_FUNCTIONS,
    DENIED_FUNCTIONS,
    SqlError,
    SqlLimits,
    SqlResult,
    fetch_result,
    open_sandbox,
    run_readonly_sql,
    sandboxed_relation,
)

FAST = SqlLimits(timeout_seconds=5.0, memory_mb=256)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Beds per county, population per county, and a dataset nobody is given."""
    tmp_path = tmp_path_factory.mktemp("sandbox")
    paths = {
        "health": tmp_path / "store" / "ab" / "health.parquet",
        "census": tmp_path / "store" / "cd" / "census.parquet",
        "secret": tmp_path / "store" / "ef" / "secret.parquet",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True)
    with duckdb.connect() as conn:
        conn.sql(
            "SELECT * FROM (VALUES ('01', 120), ('02', 80), ('03', 45)) t(county, beds)"
        ).write_parquet(str(paths["health"]))
        conn.sql(
            "SELECT * FROM (VALUES ('01', 1000), ('02', 4000), ('04', 10)) t(county, population)"
        ).write_parquet(str(paths["census"]))
        conn.sql("SELECT 'hidden' AS payload").write_parquet(str(paths["secret"]))
    return paths


@pytest.fixture
def views(files: dict[str, Path]) -> dict[str, Path]:
    return {"health-beds": files["health"], "census": files["census"]}


@pytest.fixture
def sandbox(views: dict[str, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = open_sandbox(views, FAST)
    yield conn
    conn.close()


def run(sql: str, views: dict[str, Path], limits: SqlLimits = FAST) -> SqlResult:
    return run_readonly_sql(sql, views, limits)


def refused(sql: str, views: dict[str, Path], limits: SqlLimits = FAST) -> SqlError:
    with pytest.raises(SqlError) as caught:
        run_readonly_sql(sql, views, limits)
    assert not re.search(r"(?<![\w.])/[\w.-]+/", repr(caught.value.params)), "a path leaked"
    return caught.value


# What analysts can do


def test_join_across_two_datasets_by_county(views: dict[str, Path]) -> None:
    result = run(
        'SELECT h.county, h.beds, c.population FROM "health-beds" h '
        "JOIN census c USING (county) ORDER BY h.county",
        views,
    )
    assert result.columns == ["county", "beds", "population"]
    assert result.types == ["VARCHAR", "INTEGER", "INTEGER"]
    assert result.rows == [("01", 120, 1000), ("02", 80, 4000)]
    assert result.truncated is False


def test_underscore_alias_lets_a_hyphenated_slug_be_written_unquoted(
    views: dict[str, Path],
) -> None:
    assert run("SELECT sum(beds) FROM health_beds", views).rows == [(245,)]
    assert run('SELECT sum(beds) FROM "health-beds"', views).rows == [(245,)]
    assert run('SELECT count(*) FROM "HEALTH-BEDS"', views).rows == [(3,)]


def test_alias_is_not_made_when_it_would_take_another_datasets_name(
    files: dict[str, Path],
) -> None:
    views = {"health-beds": files["health"], "health_beds": files["census"]}
    assert run("SELECT count(*) FROM health_beds WHERE population > 0", views).rows == [(3,)]
    assert run('SELECT sum(beds) FROM "health-beds"', views).rows == [(245,)]


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ("VALUES (1, 'a'), (2, 'b')", [(1, "a"), (2, "b")]),
        (
            "WITH big AS (SELECT * FROM census WHERE population > 500) SELECT count(*) FROM big",
            [(2,)],
        ),
        ("FROM census SELECT county WHERE population = 10", [("04",)]),
        ("SELECT 1 AS a; -- the end", [(1,)]),
        ("SELECT 2 AS a;;\n/* done */", [(2,)]),
        ("SELECT list_transform([1, 2], lambda x: x * 10) AS l", [([10, 20],)]),
        ("SELECT count(*) FROM unnest([1, 2, 3])", [(3,)]),
        ("SELECT 'ب' || county FROM census ORDER BY 1 LIMIT 1", [("ب01",)]),
    ],
)
def test_queries_of_every_read_only_shape(
    views: dict[str, Path], sql: str, rows: list[tuple[object, ...]]
) -> None:
    assert run(sql, views).rows == rows


def test_describe_and_summarize_of_a_dataset(views: dict[str, Path]) -> None:
    described = run("DESCRIBE census", views)
    assert [row[:2] for row in described.rows] == [
        ("county", "VARCHAR"),
        ("population", "INTEGER"),
    ]
    summary = run("SUMMARIZE census", views)
    assert "max" in summary.columns
    assert len(summary.rows) == 2


# Row and size caps


def test_a_billion_rows_return_the_cap_quickly(views: dict[str, Path]) -> None:
    started = time.perf_counter()
    result = run("SELECT * FROM range(1000000000)", views, SqlLimits())
    elapsed = time.perf_counter() - started
    assert len(result.rows) == 10_000
    assert result.rows[-1] == (9_999,)
    assert result.truncated is True
    assert elapsed < 1.0


def test_cap_keeps_the_querys_order(views: dict[str, Path]) -> None:
    limits = SqlLimits(max_rows=5)
    result = run("SELECT range FROM range(20) ORDER BY range DESC", views, limits)
    assert result.rows == [(19,), (18,), (17,), (16,), (15,)]
    assert result.truncated is True
    exact = run("SELECT range FROM range(5)", views, limits)
    assert len(exact.rows) == 5
    assert exact.truncated is False


def test_huge_values_are_cut_at_the_size_budget(views: dict[str, Path]) -> None:
    limits = SqlLimits(max_result_mb=1)
    result = run("SELECT repeat('x', 100000) || range AS s FROM range(1000)", views, limits)
    assert 0 < len(result.rows) <= 11
    assert result.truncated is True


def test_a_huge_repeated_constant_is_a_memory_error_not_a_crash(
    views: dict[str, Path],
) -> None:
    error = refused(
        "SELECT repeat('x', 50000000) AS s FROM range(10000)",
        views,
        SqlLimits(memory_mb=128),
    )
    assert error.code == "memory"


# Time and memory limits


def test_endless_query_is_stopped_by_the_time_limit(views: dict[str, Path]) -> None:
    started = time.perf_counter()
    error = refused(
        "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
        views,
        SqlLimits(timeout_seconds=0.5),
    )
    assert error.code == "timeout"
    assert error.params == {"seconds": 0.5}
    assert time.perf_counter() - started < 3


def test_query_beyond_the_memory_limit_is_stopped(views: dict[str, Path]) -> None:
    error = refused("SELECT list(range) FROM range(20000000)", views, SqlLimits(memory_mb=64))
    assert error.code == "memory"
    assert error.params == {"limit_mb": 64}


# Input that is refused before it runs


@pytest.mark.parametrize("sql", ["", "   \n\t", "-- only a comment", ";", " ; ; "])
def test_empty_sql(views: dict[str, Path], sql: str) -> None:
    assert refused(sql, views).code == "empty"


def test_sql_longer_than_the_limit(views: dict[str, Path]) -> None:
    error = refused("SELECT 1" + " " * 100, views, SqlLimits(max_sql_chars=100))
    assert error.code == "too_long"
    assert error.params == {"max_chars": 100, "chars": 108}


def test_syntax_error_gives_duckdbs_message_and_place(views: dict[str, Path]) -> None:
    error = refused("SELECT 'آب' AS water,\n  county +\nFROM census", views)
    assert error.code == "syntax"
    assert 'syntax error at or near "FROM"' in error.params["message"]
    assert (error.params["line"], error.params["column"]) == (3, 1)


@pytest.mark.parametrize("sql", ["SELECT 1; SELECT 2", "SELECT * FROM census; DROP VIEW census"])
def test_multiple_statements(views: dict[str, Path], sql: str) -> None:
    error = refused(sql, views)
    assert error.code == "multiple_statements"
    assert error.params == {"count": 2}


@pytest.mark.parametrize(
    ("sql", "statement"),
    [
        ("INSTALL httpfs", "LOAD"),
        ("LOAD httpfs", "LOAD"),
        ("ATTACH ':memory:' AS other", "ATTACH"),
        ("ATTACH '/tmp/other.duckdb'", "ATTACH"),
        ("DETACH memory", "DETACH"),
        ("SET memory_limit = '100GB'", "SET"),
        ("SET threads = 64", "SET"),
        ("RESET memory_limit", "SET"),
        ("SET VARIABLE x = 1", "SET"),
        ("USE system", "SET"),
        ("PRAGMA threads = 64", "SET"),
        ("PRAGMA version", "PRAGMA"),
        ("CALL pragma_version()", "CALL"),
        ("COPY census TO '/tmp/census.csv'", "COPY"),
        ("COPY (SELECT 1) TO '/tmp/one.parquet' (FORMAT parquet)", "COPY"),
        ("EXPORT DATABASE '/tmp/everything'", "EXPORT"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("CREATE MACRO leak() AS 1", "CREATE"),
        ("INSERT INTO census VALUES ('05', 1)", "INSERT"),
        ("UPDATE census SET population = 0", "UPDATE"),
        ("DELETE FROM census", "DELETE"),
        ("DROP VIEW census", "DROP"),
        ("EXPLAIN SELECT 1", "EXPLAIN"),
        ("BEGIN TRANSACTION", "TRANSACTION"),
        ("PIVOT census ON county USING sum(population)", "MULTI"),
    ],
)
def test_statements_other_than_a_query(views: dict[str, Path], sql: str, statement: str) -> None:
    error = refused(sql, views)
    assert error.code == "not_read_only"
    assert error.params == {"statement": statement}


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM read_blob('/etc/passwd')",
        "SELECT * FROM read_json('/etc/passwd')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM sniff_csv('/etc/passwd')",
        "SELECT * FROM read_csv('https://example.org/data.csv')",
        "SELECT * FROM parquet_metadata('/etc/passwd')",
        "SELECT * FROM census WHERE county IN (SELECT * FROM read_text('/etc/passwd'))",
    ],
)
def test_reading_a_file_by_function(views: dict[str, Path], sql: str) -> None:
    error = refused(sql, views)
    assert (error.code, error.params["reason"]) == ("forbidden", "table_function")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'data.csv'",
        "SELECT * FROM 'https://example.org/data.parquet'",
        "FROM '~/.ssh/id_rsa'",
    ],
)
def test_reading_a_file_by_a_path_in_from(views: dict[str, Path], sql: str) -> None:
    error = refused(sql, views)
    assert error.params == {"reason": "file"}


def test_a_dataset_not_given_cannot_be_read_even_by_its_known_path(
    views: dict[str, Path], files: dict[str, Path]
) -> None:
    # The tests write these paths into SQL on purpose: reading them must be refused.
    by_function = f"SELECT * FROM read_parquet('{files['secret']}')"  # noqa: S608
    by_path = f"SELECT * FROM '{files['secret']}'"  # noqa: S608
    for sql in (by_function, by_path):
        assert refused(sql, views).code == "forbidden"
    # And the engine refuses it on its own, without the checks in front of it.
    with open_sandbox(views, FAST) as conn, pytest.raises(duckdb.PermissionException):
        conn.execute(by_function).fetchall()


def test_even_a_given_dataset_is_read_only_through_its_view(
    views: dict[str, Path], files: dict[str, Path]
) -> None:
    error = refused(f"SELECT * FROM read_parquet('{files['census']}')", views)  # noqa: S608
    assert error.params == {"reason": "table_function", "name": "read_parquet"}


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        (
            "SELECT current_setting('allowed_paths')",
            {"reason": "function", "name": "current_setting"},
        ),
        (
            "SELECT current_setting('secret_directory')",
            {"reason": "function", "name": "current_setting"},
        ),
        ("SELECT pg_get_viewdef(1)", {"reason": "function", "name": "pg_get_viewdef"}),
        (
            "SELECT * FROM duckdb_settings()",
            {"reason": "table_function", "name": "duckdb_settings"},
        ),
        ("SELECT sql FROM duckdb_views()", {"reason": "table_function", "name": "duckdb_views"}),
        (
            "SELECT * FROM query_table('census')",
            {"reason": "table_function", "name": "query_table"},
        ),
        ("SELECT * FROM query('SELECT 1')", {"reason": "table_function", "name": "query"}),
        ("SELECT sql FROM duckdb_views", {"reason": "system_table", "name": "duckdb_views"}),
        ("SELECT * FROM sqlite_master", {"reason": "system_table", "name": "sqlite_master"}),
        ("SELECT * FROM pg_settings", {"reason": "system_table", "name": "pg_settings"}),
        (
            "WITH sqlite_master AS (SELECT 1) SELECT * FROM (SELECT * FROM sqlite_master)",
            {"reason": "system_table", "name": "sqlite_master"},
        ),
        ("SELECT * FROM information_schema.views", {"reason": "qualified_name", "name": "views"}),
        ("SELECT * FROM memory.main.census", {"reason": "qualified_name", "name": "census"}),
        ("SHOW ALL TABLES", {"reason": "show"}),
        ("SHOW TABLES", {"reason": "show"}),
    ],
)
def test_settings_and_catalog_that_would_reveal_server_paths(
    views: dict[str, Path], sql: str, params: dict[str, str]
) -> None:
    error = refused(sql, views)
    assert error.code == "forbidden"
    assert error.params == params


@pytest.mark.parametrize(
    "sql", ["SELECT getenv('HOME')", "SELECT set_config('threads', '64', false)"]
)
def test_functions_that_do_not_exist_in_the_engine(views: dict[str, Path], sql: str) -> None:
    error = refused(sql, views)
    assert error.code == "failed"
    assert "does not exist" in error.params["message"]


def test_unknown_table_names_no_dataset_the_caller_may_not_read(
    files: dict[str, Path],
) -> None:
    views = {"census": files["census"]}
    error = refused('SELECT * FROM "health-beds"', views)
    assert error.code == "unknown_table"
    assert error.params == {"name": "health-beds"}
    # A CTE used outside its scope is left to DuckDB, whose answer is the same.
    error = refused("SELECT * FROM (WITH beds AS (SELECT 1) SELECT * FROM beds), beds", views)
    assert error.params == {"name": "beds"}


def test_python_variables_are_not_tables(views: dict[str, Path]) -> None:
    python_table = pa.table({"password": ["hunter2"]})
    assert python_table.num_rows == 1
    assert refused("SELECT * FROM python_table", views).code == "unknown_table"
    with open_sandbox(views, FAST) as conn, pytest.raises(duckdb.CatalogException):
        conn.execute("SELECT * FROM python_table").fetchall()


def test_errors_carry_no_server_path(views: dict[str, Path]) -> None:
    error = refused("SELECT error('cannot open /srv/marja/objects/ab/cd.parquet')", views)
    assert error.code == "failed"
    assert error.params["message"] == "cannot open …"
    error = refused("SELECT error('no date 2024/01/02 in C:\\data\\x.csv')", views)
    assert error.params["message"] == "no date 2024/01/02 in …"


def test_a_damaged_dataset_file_is_reported_without_its_path(tmp_path: Path) -> None:
    path = tmp_path / "data store" / "census 2.parquet"
    path.parent.mkdir()
    with duckdb.connect() as conn:
        conn.sql("SELECT 1 AS n").write_parquet(str(path))
    with open_sandbox({"census": path}, FAST) as sandbox:
        path.write_bytes(b"not parquet at all")
        with pytest.raises(SqlError) as caught:
            fetch_result(sandbox, "SELECT * FROM census", FAST)
        assert caught.value.code == "failed"
        assert "store" not in caught.value.params["message"]
        assert "census 2" not in caught.value.params["message"]
        assert fetch_result(sandbox, "SELECT 1 AS one", FAST).rows == [(1,)]


def test_values_of_every_kind_pass_the_size_cap(views: dict[str, Path]) -> None:
    result = run(
        "SELECT MAP {'a': 1} AS m, 'ab'::BLOB AS b, INTERVAL 3 DAY AS i, "
        "TIMESTAMPTZ '2024-03-20 10:00:00+00' AS t, 2::HUGEINT ** 100 AS h, "
        "[1, 2]::INTEGER[2] AS a, union_value(k := 1) AS u, '{\"x\": 1}'::JSON AS j",
        views,
    )
    assert result.types[:3] == ["MAP(VARCHAR, INTEGER)", "BLOB", "INTERVAL"]
    assert result.rows[0][0] == {"a": 1}
    assert result.rows[0][1] == b"ab"
    assert result.rows[0][5] == (1, 2)


# The engine itself, without the checks in front of it


@pytest.mark.parametrize(
    "sql",
    [
        "SET memory_limit = '100GB'",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET allowed_directories = ['/']",
        "RESET threads",
        "PRAGMA threads = 64",
    ],
)
def test_configuration_is_locked(sandbox: duckdb.DuckDBPyConnection, sql: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="locked"):
        sandbox.execute(sql)
    assert sandbox.execute("SELECT current_setting('memory_limit')").fetchall() == [("256.0 MiB",)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM glob('/*')",
        "COPY (SELECT 1) TO '/tmp/marja-sandbox-escape.csv'",
        "EXPORT DATABASE '/tmp/marja-sandbox-escape'",
        "ATTACH '/tmp/marja-sandbox-escape.duckdb'",
        "INSTALL httpfs",
        "LOAD httpfs",
    ],
)
def test_engine_refuses_files_and_extensions_on_its_own(
    sandbox: duckdb.DuckDBPyConnection, sql: str
) -> None:
    with pytest.raises(duckdb.PermissionException):
        sandbox.execute(sql).fetchall()
    assert not Path("/tmp/marja-sandbox-escape.csv").exists()


def test_sandbox_keeps_working_after_refused_and_failed_queries(
    views: dict[str, Path],
) -> None:
    tight = SqlLimits(timeout_seconds=0.3, memory_mb=128)
    sandbox = open_sandbox(views, tight)
    bad = [
        ("SELECT * FROM read_csv('/etc/passwd')", "forbidden"),
        ("SELECT 1 +", "syntax"),
        ("DROP VIEW census", "not_read_only"),
        ("SELECT 'x'::INTEGER", "failed"),
        ("SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b", "timeout"),
        ("SELECT list(range) FROM range(100000000)", "memory"),
    ]
    for sql, code in bad:
        with pytest.raises(SqlError) as caught:
            fetch_result(sandbox, sql, tight)
        assert caught.value.code == code
    assert fetch_result(sandbox, "SELECT count(*) FROM census", tight).rows == [(3,)]
    sandbox.close()


# Streaming exports


def test_relation_for_exports_is_checked_and_capped(sandbox: duckdb.DuckDBPyConnection) -> None:
    relation = sandboxed_relation(sandbox, "SELECT * FROM range(1000000000)", SqlLimits(max_rows=3))
    table = relation.to_arrow_reader().read_all()
    assert table.column_names == ["range"]
    assert table.column("range").to_pylist() == [0, 1, 2]
    with pytest.raises(SqlError) as caught:
        sandboxed_relation(sandbox, "SELECT * FROM duckdb_settings()", FAST)
    assert caught.value.code == "forbidden"


# The lists above stay right as DuckDB changes


def test_allowed_and_denied_functions_exist_in_duckdb() -> None:
    with duckdb.connect() as conn:
        names = {
            row[0]
            for row in conn.execute("SELECT function_name FROM duckdb_functions()").fetchall()
        }
    assert names >= ALLOWED_TABLE_FUNCTIONS
    assert names >= DENIED_FUNCTIONS


def test_every_builtin_macro_that_reads_the_catalog_or_settings_is_refused() -> None:
    with duckdb.connect() as conn:
        macros = conn.execute(
            "SELECT DISTINCT function_name, function_type, macro_definition "
            "FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro')"
        ).fetchall()
    revealing = re.compile(r"duckdb_|pragma_|\bquery(_table)?\(|current_setting|getvariable")
    for name, kind, definition in macros:
        if revealing.search(definition):
            if kind == "macro":
                assert name in DENIED_FUNCTIONS, name
            else:
                assert name not in ALLOWED_TABLE_FUNCTIONS, name
