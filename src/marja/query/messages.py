"""Query problems (:class:`marja.core.query.QueryError` codes) as sentences."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from marja.core.query import QueryError
from marja.ingest.messages import TYPE_NAMES

QUERY_MESSAGES: dict[str, Promise] = {
    "unknown_column": _("There is no column «%(column)s»; the columns are: %(known)s."),
    "unknown_operator": _(
        "«%(operator)s» is not a filter operator (column «%(column)s»); use one of: %(known)s."
    ),
    "operator_not_for_type": _(
        "The operator «%(operator)s» cannot be used on column «%(column)s» (its type does "
        "not allow it)."
    ),
    "bad_value": _("«%(value)s» is not a valid %(type)s for column «%(column)s»."),
    "unknown_county": _("«%(value)s» is not a county of the province (column «%(column)s»)."),
    "empty_list": _("The list of values for column «%(column)s» is empty."),
    "no_text_columns": _("This table has no text column to search in."),
    "limit_out_of_range": _("The limit %(limit)s is out of range: use %(minimum)s to %(maximum)s."),
    "offset_out_of_range": _("The offset %(offset)s is out of range: use 0 to %(maximum)s."),
    "cursor_with_offset": _("Use either a cursor or an offset, not both."),
    "bad_cursor": _("The cursor is malformed; use the «next» link of the previous page."),
    "cursor_mismatch": _(
        "The cursor belongs to another query (other filters, sort or version); start again "
        "from the first page."
    ),
    "unknown_bucket": _(
        "«%(bucket)s» is not a time bucket (column «%(column)s»); use one of: %(known)s."
    ),
    "bucket_not_for_type": _(
        "Column «%(column)s» is not a date, so it cannot be grouped by %(bucket)s."
    ),
    "unknown_function": _("«%(function)s» is not an aggregate; use one of: %(known)s."),
    "measure_needs_column": _("The aggregate «%(function)s» needs a column, e.g. sum:beds."),
    "function_not_for_type": _(
        "The aggregate «%(function)s» cannot be computed on column «%(column)s» (its type "
        "does not allow it)."
    ),
    "no_measures": _("Ask for at least one aggregate, e.g. count."),
    "duplicate_output": _("Two outputs have the same name: %(columns)s."),
    "unknown_sort": _("Cannot sort by «%(column)s»; sort by one of: %(known)s."),
    "bad_number": _("«%(value)s» is not a whole number (parameter «%(parameter)s»)."),
}


def query_message(error: QueryError) -> tuple[Promise, dict[str, Any]]:
    """The sentence for ``error`` and its parameters, lists joined for reading."""
    message = QUERY_MESSAGES.get(error.code, _("The query is not valid (%(code)s)."))
    params = {"code": error.code, **error.params}
    for key, value in list(params.items()):
        if isinstance(value, list | tuple):
            params[key] = ", ".join(str(v) for v in value)
    if "type" in params:
        params["type"] = TYPE_NAMES.get(str(params["type"]), params["type"])
    return message, params


SQL_MESSAGES: dict[str, Promise] = {
    "empty": _("Write a SQL query first, e.g. SELECT * FROM hospital_beds LIMIT 10."),
    "too_long": _("The query is %(chars)s characters long; at most %(max_chars)s are allowed."),
    "syntax": _("The query is not valid SQL (line %(line)s, column %(column)s): %(message)s"),
    "not_read_only": _(
        "Only reading queries (SELECT, WITH … SELECT, VALUES) may run here; «%(statement)s» "
        "is not allowed."
    ),
    "multiple_statements": _("Send one statement at a time (this text holds %(count)s)."),
    "forbidden": _(
        "The query uses «%(name)s», which is not allowed here: only the tables of the datasets "
        "you may read, with no files, network, extensions, other databases, settings or "
        "system catalogs."
    ),
    "unknown_table": _(
        "There is no table «%(name)s» that you may read. Each dataset you may read is a table "
        "named by its identifier."
    ),
    "timeout": _(
        "The query ran longer than %(seconds)s seconds and was stopped; narrow it with filters "
        "or aggregates."
    ),
    "memory": _(
        "The query needed more memory than allowed and was stopped; narrow it with filters or "
        "aggregates."
    ),
    "too_large": _(
        "A row of the answer is larger than the %(limit_mb)s MB an answer may be; select "
        "fewer or shorter values."
    ),
    "failed": _("The query failed: %(message)s"),
}


def sql_message(code: str, params: dict[str, Any]) -> tuple[Promise, dict[str, Any]]:
    message = SQL_MESSAGES.get(code, SQL_MESSAGES["failed"])
    values = {"message": "", "name": "", "line": "?", "column": "?", "code": code, **params}
    return message, values
