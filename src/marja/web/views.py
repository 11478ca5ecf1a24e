"""Home page and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marja.catalog.selectors import catalog_counts, latest_updates, themes_with_counts
from marja.common.access import ExplainedDenial


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/home.html",
        {
            "counts": catalog_counts(request.user),
            "themes": themes_with_counts(request.user),
            "latest": latest_updates(request.user),
        },
    )


def _error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "web/error.html", {"status": status}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, ExplainedDenial):
        context = {"status": 403, "title": exception.title, "message": exception.text()}
        return render(request, "web/error.html", context, status=403)
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the database or context processors: the fault may be there.
    return render(request, "500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "web/error.html", {"status": 403, "csrf": True}, status=403)
