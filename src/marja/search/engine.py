"""The two full-text engines behind one interface: SQLite FTS5 and PostgreSQL tsvector.

Both index the same tokens (see :mod:`marja.core.fulltext`) and answer the same boolean
question, "which datasets have these token prefixes"; ranking is done in portable SQL
(:mod:`marja.search.ranking`), so both engines return the same results in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from marja.core.fulltext import ParsedQuery, fts5_match, tsquery

FTS_TABLE = "search_document_fts"

_SQLITE_STRUCTURES = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_document_fts USING fts5(
        title_key, keywords_key, body_key,
        content='search_document', content_rowid='dataset_id',
        tokenize='unicode61 remove_diacritics 0', prefix='1 2 3')""",
    """CREATE TRIGGER IF NOT EXISTS search_document_added AFTER INSERT ON search_document
    BEGIN
        INSERT INTO search_document_fts(rowid, title_key, keywords_key, body_key)
        VALUES (new.dataset_id, new.title_key, new.keywords_key, new.body_key);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_document_removed AFTER DELETE ON search_document
    BEGIN
        INSERT INTO search_document_fts(
            search_document_fts, rowid, title_key, keywords_key, body_key)
        VALUES ('delete', old.dataset_id, old.title_key, old.keywords_key, old.body_key);
    END""",
    """CREATE TRIGGER IF NOT EXISTS search_document_changed
    AFTER UPDATE OF title_key, keywords_key, body_key ON search_document
    BEGIN
        INSERT INTO search_document_fts(
            search_document_fts, rowid, title_key, keywords_key, body_key)
        VALUES ('delete', old.dataset_id, old.title_key, old.keywords_key, old.body_key);
        INSERT INTO search_document_fts(rowid, title_key, keywords_key, body_key)
        VALUES (new.dataset_id, new.title_key, new.keywords_key, new.body_key);
    END""",
)

# The lexemes are the stored tokens themselves: no parser, no dictionary, no stemming.
_POSTGRES_STRUCTURES = (
    # Deferred foreign-key checks of earlier writes in the transaction block ALTER TABLE.
    "SET CONSTRAINTS ALL IMMEDIATE",
    """ALTER TABLE search_document ADD COLUMN IF NOT EXISTS vector tsvector
    GENERATED ALWAYS AS (array_to_tsvector(array_remove(
        string_to_array(title_key || keywords_key || body_key, ' '), ''))) STORED""",
    "CREATE INDEX IF NOT EXISTS search_document_vector ON search_document USING gin (vector)",
)


def create_structures(conn: BaseDatabaseWrapper) -> None:
    """Create the engine's index next to ``search_document`` (idempotent).

    On SQLite this also restores the triggers, which a migration that rebuilds the
    ``search_document`` table would drop; ``marja reindex`` calls it for that reason.
    """
    statements = _statements(conn)
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_structures(conn: BaseDatabaseWrapper) -> None:
    if conn.vendor == "sqlite":
        statements: tuple[str, ...] = (
            "DROP TRIGGER IF EXISTS search_document_added",
            "DROP TRIGGER IF EXISTS search_document_removed",
            "DROP TRIGGER IF EXISTS search_document_changed",
            "DROP TABLE IF EXISTS search_document_fts",
        )
    elif conn.vendor == "postgresql":
        statements = (
            "SET CONSTRAINTS ALL IMMEDIATE",
            "ALTER TABLE search_document DROP COLUMN IF EXISTS vector",
        )
    else:
        statements = ()
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _statements(conn: BaseDatabaseWrapper) -> tuple[str, ...]:
    if conn.vendor == "sqlite":
        return _SQLITE_STRUCTURES
    if conn.vendor == "postgresql":
        return _POSTGRES_STRUCTURES
    raise NotImplementedError(f"no full-text search for the {conn.vendor} database")


def matching_ids(query: ParsedQuery, *, any_clause: bool = False) -> RawSQL:
    """A subquery of the ids of datasets whose documents match ``query``, for ``pk__in``.

    For a query of exclusions only, the ids of datasets that have an excluded word. On
    PostgreSQL the match runs at once, on its own, with the full-text index (see
    :func:`index_first`), and the subquery yields its ids: the planner then plans the
    rest of the search (permissions, filters) with its usual costs.
    """
    if connection.vendor == "sqlite":
        return RawSQL(
            "SELECT rowid FROM search_document_fts WHERE search_document_fts MATCH %s",
            (fts5_match(query, any_clause=any_clause),),
        )
    with index_first(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT dataset_id FROM search_document WHERE vector @@ %s::tsquery",
            (tsquery(query, any_clause=any_clause),),
        )
        return id_set([row[0] for row in cursor.fetchall()])


@contextmanager
def index_first() -> Iterator[None]:
    """Run the statements inside so that PostgreSQL uses the full-text index.

    PostgreSQL's planner prices a prefix search in the GIN index so high that it reads
    every row of ``search_document`` instead (or walks its primary key): ~50 ms at 10,000
    datasets, where the index answers in ~4 ms. Inside this block, in its own
    transaction, sequential and plain index scans are priced out (bitmap scans remain);
    rolling back undoes the setting too. Elsewhere it does nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        yield
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_indexscan = on")


def ids_of(datasets: QuerySet[Any]) -> list[int]:
    """The ids of ``datasets`` (a query with a :func:`matching_ids` condition), fetched once."""
    return list(datasets.order_by().values_list("pk", flat=True))


def id_set(ids: list[int]) -> RawSQL:
    """A subquery yielding ``ids``, bound as one parameter however many there are."""
    if connection.vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))
    return RawSQL("SELECT unnest(%s::integer[])", (ids,))


def among(column: tuple[str, str], ids: list[int]) -> RawSQL:
    """A condition: ``column`` (table, column) is one of ``ids``, bound as one parameter.

    Measured at 7,686 ids on PostgreSQL: ``IN (SELECT unnest(…))`` hashes the ids and
    scans the narrow table once (11-13 ms for a facet count), where ``= ANY(…)`` looked
    each id up in an index (17 ms).
    """
    name = ".".join(connection.ops.quote_name(part) for part in column)
    if connection.vendor == "sqlite":
        sql, param = f"{name} IN (SELECT value FROM json_each(%s))", json.dumps(ids)  # noqa: S608 (a model's quoted table and column)
    else:
        sql, param = f"{name} IN (SELECT unnest(%s::integer[]))", ids  # type: ignore[assignment]
    return RawSQL(sql, (param,), output_field=BooleanField())  # noqa: S611 (ids are bound)


def analyse() -> None:
    """Refresh the planner's statistics after a rebuild (PostgreSQL; a server with
    autovacuum off would otherwise plan every search as if one row matched)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_document")


def optimise() -> None:
    """Merge the index's segments after a rebuild (SQLite); PostgreSQL needs nothing."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_document_fts(search_document_fts) VALUES ('optimize')"
            )


def structures_present() -> dict[str, Any]:
    """Which parts of the engine's index exist (for ``marja check`` and the tests)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE name = %s OR name LIKE %s",
                [FTS_TABLE, "search_document_%ed"],
            )
            names = {row[0] for row in cursor.fetchall()}
            return {
                "index": FTS_TABLE in names,
                "triggers": {"search_document_added", "search_document_removed",
                             "search_document_changed"} <= names,
            }  # fmt: skip
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'search_document' AND column_name = 'vector'"
        )
        return {"index": cursor.fetchone() is not None, "triggers": True}
