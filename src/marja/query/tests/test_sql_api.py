"""POST /api/v1/sql and the SQL page: joins across agencies, nothing else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

JOIN = (
    "SELECT b.county, sum(b.active_beds) * 1000.0 / max(c.population) AS beds_per_1000 "
    'FROM hospital_beds b JOIN "county-population-1395" c USING (county) '
    "WHERE b.year = 1402 AND b.quarter = 1 GROUP BY b.county ORDER BY b.county"
)


def run(client: Client, sql: str) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/v1/sql", json.dumps({"sql": sql}), content_type="application/json")
    return response.status_code, response.json()


@pytest.fixture
def tables(published: Any) -> None:
    published("hospital-beds", "county-population-1395", "unfinished-projects")


def test_an_analyst_joins_health_with_the_census_by_county(tables: None, client: Client) -> None:
    status, body = run(client, JOIN)
    assert status == 200, body
    assert [c["name"] for c in body["columns"]] == ["county", "beds_per_1000"]
    per_county = dict(body["rows"])
    assert "tehran" in per_county and per_county["tehran"] > 0
    assert body["truncated"] is False
    assert body["row_count"] == len(body["rows"])


@pytest.mark.parametrize(
    ("sql", "status", "code"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", 403, "sql_forbidden"),
        ("SELECT * FROM '/etc/passwd'", 403, "sql_forbidden"),
        ("INSTALL httpfs", 400, "sql_not_read_only"),
        ("LOAD httpfs", 400, "sql_not_read_only"),
        ("ATTACH ':memory:' AS other", 400, "sql_not_read_only"),
        ("SET threads = 64", 400, "sql_not_read_only"),
        ("COPY hospital_beds TO '/tmp/leak.csv'", 400, "sql_not_read_only"),
        ("SELECT 1; SELECT 2", 400, "sql_multiple_statements"),
        ("SELEC 1", 400, "sql_syntax"),
        ("", 400, "sql_empty"),
        ("SELECT * FROM no_such_table", 400, "sql_unknown_table"),
    ],
)
def test_what_is_not_a_read_of_allowed_tables_is_refused_with_a_message(
    tables: None, client: Client, sql: str, status: int, code: str
) -> None:
    got, body = run(client, sql)
    assert got == status, body
    error = body["error"]
    assert error["code"] == code
    assert error["message_fa"] and error["message_en"]
    assert "root:" not in json.dumps(body)
    # The server stays up and answers the next query.
    assert run(client, "SELECT 42 AS answer")[1]["rows"] == [[42]]


def test_a_billion_rows_are_capped_and_flagged(tables: None, client: Client) -> None:
    status, body = run(client, "SELECT * FROM range(1000000000)")
    assert status == 200
    assert body["truncated"] is True
    assert body["row_count"] == body["max_rows"] == len(body["rows"])


def test_a_query_that_runs_for_ever_is_stopped(tables: None, client: Client, settings: Any) -> None:
    settings.QUERY_TIMEOUT_SECONDS = 1
    status, body = run(
        client,
        "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b",
    )
    assert status == 422, body
    assert body["error"]["code"] == "sql_timeout"
    assert run(client, "SELECT 1 AS one")[0] == 200


def test_a_query_touching_a_forbidden_dataset_is_refused_not_partly_answered(
    tables: None, client: Client, client_as: Any
) -> None:
    both = "SELECT count(*) FROM hospital_beds UNION ALL SELECT count(*) FROM unfinished_projects"
    status, body = run(client, both)  # anonymous: the restricted table does not exist
    assert status == 400 and body["error"]["code"] == "sql_unknown_table"
    assert "rows" not in body
    status, body = run(client_as("tums.admin"), both)  # not granted
    assert status == 400 and body["error"]["code"] == "sql_unknown_table"
    status, body = run(client_as("governorate.viewer"), both)  # granted
    assert status == 200 and len(body["rows"]) == 2


def test_the_sql_page_runs_a_join_and_shows_errors(tables: None, client_as: Any) -> None:
    client = client_as("governorate.viewer")
    page = client.get("/sql/?table=hospital-beds")
    assert page.status_code == 200
    assert "FROM &quot;hospital-beds&quot;" in page.content.decode()
    assert "unfinished_projects" in page.content.decode()  # granted, so listed
    answer = client.post("/sql/", {"sql": JOIN})
    assert answer.status_code == 200 and b'data-field="sql-result"' in answer.content
    refused = client.post("/sql/", {"sql": "SELECT * FROM read_text('/etc/passwd')"})
    assert refused.status_code == 400
    assert b'data-field="sql-error"' in refused.content and b"root:" not in refused.content
    anonymous = Client().get("/sql/")
    assert "unfinished_projects" not in anonymous.content.decode()


def test_values_json_cannot_hold_come_back_readable(tables: None, client: Client) -> None:
    status, body = run(
        client,
        "SELECT 'ab'::BLOB AS b, 'nan'::DOUBLE AS n, 'inf'::DOUBLE AS i, "
        "[1.5, 'nan'::DOUBLE] AS l, {'x': 'ab'::BLOB} AS s, INTERVAL 3 DAY AS d, "
        "DATE '2023-11-08' AS day",
    )
    assert status == 200, body
    assert body["rows"] == [
        ["YWI=", None, None, [1.5, None], {"x": "YWI="}, "3 days, 0:00:00", "2023-11-08"]
    ]


def test_a_json_body_nested_too_deeply_is_a_400(client: Client) -> None:
    response = client.post(
        "/api/v1/sql", "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_json", "invalid_request"}


def test_an_answer_too_large_to_send_is_refused_not_built(tables: None, client: Client) -> None:
    status, body = run(client, "SELECT repeat('ab', 100000000) AS huge")
    assert status == 422, str(body)[:200]
    assert body["error"]["code"] == "sql_too_large"
    assert body["error"]["message_fa"] and body["error"]["message_en"]
