"""The API instance: versioned under /api/v1/, OpenAPI at /api/docs, errors as JSON."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise, lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from marja.api.auth import API_AUTH
from marja.api.budget import router as budget_router
from marja.api.catalog import router as catalog_router
from marja.api.errors import ApiError, error_response
from marja.api.indicators import router as indicators_router
from marja.api.ledger import router as ledger_router
from marja.api.publishing import router as publishing_router
from marja.api.query import router as query_router
from marja.api.search import router as search_router
from marja.common.access import ExplainedDenial
from marja.common.display import digits

logger = logging.getLogger(__name__)


class PersianJSONRenderer(JSONRenderer):
    """UTF-8 JSON as written: «تهران», not \\u062a\\u0647…, half the bytes and readable."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=PersianJSONRenderer(),
    title="marja",
    version="1",
    description=(
        "The JSON API of marja: the catalog, dataset rows, aggregates, read-only SQL "
        "and exports. Errors carry a machine code and a message in Persian and English."
    ),
    urls_namespace="api",
    auth=API_AUTH,
)
api.add_router("/", query_router)
api.add_router("/", catalog_router)
api.add_router("/", search_router)
api.add_router("/", publishing_router)
api.add_router("/", ledger_router)
api.add_router("/", indicators_router)
api.add_router("/", budget_router)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return error_response(request, error)


#: What each kind of malformed field needs, said in the reader's language.
_FIELD_PROBLEMS: dict[str, Promise] = {
    "missing": _("this field is required"),
    "int_parsing": _("give a whole number, e.g. 1403"),
    "int_type": _("give a whole number, e.g. 1403"),
    "int_from_float": _("give a whole number, e.g. 1403"),
    "float_parsing": _("give a number, e.g. 2.5"),
    "float_type": _("give a number, e.g. 2.5"),
    "finite_number": _("give a finite number"),
    "string_type": _("give text"),
    "bool_parsing": _("give true or false"),
    "bool_type": _("give true or false"),
    "literal_error": _("give one of: %(expected)s"),
    "enum": _("give one of: %(expected)s"),
    "model_attributes_type": _("send a JSON object"),
    "dict_type": _("send a JSON object"),
    "list_type": _("send a list"),
    "greater_than_equal": _("give at least %(ge)s"),
    "less_than_equal": _("give at most %(le)s"),
    "string_too_long": _("give at most %(max_length)s characters"),
}

#: Parts of a location that are where, not which field.
_PLACES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _field_name(item: dict[str, Any]) -> str:
    return ".".join(str(part) for part in item.get("loc", ()) if part not in _PLACES)


def _field_problem(item: dict[str, Any]) -> str:
    known = _FIELD_PROBLEMS.get(str(item.get("type", "")))
    if known is None:
        return str(item.get("msg", ""))
    try:
        return str(known) % {k: _shown(k, v) for k, v in (item.get("ctx") or {}).items()}
    except (KeyError, TypeError, ValueError):
        return str(known)


def _shown(key: str, value: object) -> str:
    """A constraint's figure in the reader's digits; a literal's options as a list
    ("'higher', 'lower'": the codes themselves, without an English "or")."""
    text = str(value)
    if key == "expected":
        return text.replace("' or '", "', '")
    return digits(text)


def _problems_text(errors: list[dict[str, Any]]) -> str:
    """Each field's problem in the active language (rendered once per language)."""
    parts = [f"{_field_name(item) or '—'}: {_field_problem(item)}" for item in errors]
    return ("; " if get_language() == "en" else "؛ ").join(parts)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = [dict(item) for item in error.errors]
    if any(
        item.get("type") == "model_attributes_type" and not _field_name(item) for item in errors
    ):
        return error_response(
            request, ApiError(400, "invalid_json", _("The request body is not a JSON object."))
        )
    return error_response(
        request,
        ApiError(
            400,
            "invalid_request",
            _("The request is not valid: %(problems)s"),
            problems=lazy(_problems_text, str)(errors),
            fields=sorted({_field_name(item) for item in errors if _field_name(item)}),
        ),
    )


@api.exception_handler(RecursionError)
def _nested(request: HttpRequest, error: RecursionError) -> HttpResponse:
    """A JSON body nested deeper than Python's parser goes: the client's mistake."""
    return error_response(
        request,
        ApiError(400, "invalid_json", _("The request body is not a JSON object.")),
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return error_response(request, ApiError(404, "not_found", _("Not found.")))


@api.exception_handler(ExplainedDenial)
def _denied_with_reason(request: HttpRequest, denial: ExplainedDenial) -> HttpResponse:
    """A refusal the caller may know the reason of (an expired grant, say)."""
    return error_response(request, ApiError(403, denial.code, denial.message, **denial.params))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return error_response(
        request, ApiError(403, "forbidden", _("You do not have permission to do this."))
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return error_response(
        request, ApiError(401, "not_authenticated", _("Log in or send an API token."))
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 400 and str(error).startswith("Cannot parse request body"):
        return error_response(
            request, ApiError(400, "invalid_json", _("The request body is not a JSON object."))
        )
    return error_response(
        request,
        ApiError(
            error.status_code,
            "invalid_request" if error.status_code == 400 else "http_error",
            _("The request failed: %(reason)s"),
            reason=str(error),
        ),
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.path)
    return error_response(
        request,
        ApiError(
            500,
            "server_error",
            _("Something went wrong on the server; it has been logged. Please try again."),
        ),
    )
