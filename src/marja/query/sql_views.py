"""The SQL page: an editor over the datasets the reader may read, and the answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from marja.core.sandbox import SqlError
from marja.query.messages import sql_message
from marja.query.selectors import sql_reads
from marja.query.services import run_sql

MAX_SQL_CHARS = 20_000


def _example(tables: dict[str, Any], chosen: str) -> str:
    name = chosen if chosen in tables else next(iter(sorted(tables)), "")
    if not name:
        return ""
    return f'SELECT *\nFROM "{name}"\nLIMIT 20'


@require_http_methods(["GET", "POST"])
def sql_page(request: HttpRequest) -> HttpResponse:
    tables = sql_reads(request.user)
    listing = [
        {
            "slug": slug,
            "alias": slug.replace("-", "_"),
            "title": read.dataset.title,
            "version": read.version.number,
            "rows": read.version.row_count,
            "fields": read.schema.to_dict()["fields"],
        }
        for slug, read in sorted(tables.items())
    ]
    context: dict[str, Any] = {"tables": listing, "max_rows": settings.SQL_MAX_ROWS}
    status = 200
    if request.method == "POST":
        text = request.POST.get("sql", "")[: MAX_SQL_CHARS + 1]
        context["sql"] = text
        try:
            context["result"] = run_sql(request.user, text)
        except SqlError as error:
            message, params = sql_message(error.code, dict(error.params))
            if error.code == "timeout":
                params["seconds"] = settings.QUERY_TIMEOUT_SECONDS
            context["error"] = str(message) % params
            status = 400
    else:
        context["sql"] = _example(tables, request.GET.get("table", ""))
    return render(request, "query/sql.html", context, status=status)
