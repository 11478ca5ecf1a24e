"""The CKAN Action API face, so CKAN clients (``ckanapi``, harvesters, scripts) work unchanged.

Served on ``/api/action/<name>`` (where ``ckanapi`` posts) and ``/api/3/action/<name>``,
by GET with a query string or POST with a JSON body or a form, without redirects. Answers
use CKAN 2.11's envelope (``help``, ``success``, ``result`` or ``error``), its error
``__type`` strings and HTTP statuses (``ckan/views/api.py``): Not Found Error 404,
Authorization Error 403 (401 for an unusable API token), Validation Error 409, an unknown
action 400 with "Bad request - Action name not known". The caller is identified by
:func:`marja.api.auth.authenticate_request`: an API token in ``Authorization`` or
``X-CKAN-API-Key`` as CKAN clients send it, a login session, or nobody.

The actions themselves are in :mod:`marja.api.ckan_actions`; docs/ckan.md describes them.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from marja.api.auth import authenticate_request
from marja.api.ckan_actions import ACTIONS
from marja.api.ckan_base import (
    CkanError,
    Context,
    NotAuthorizedError,
    NotFoundError,
    ValidationError,
)
from marja.api.errors import ApiError, in_both_languages
from marja.common.access import ExplainedDenial

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/json;charset=utf-8"


def _finish(status: int, body: Any) -> HttpResponse:
    return JsonResponse(
        body,
        status=status,
        safe=False,
        content_type=CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def _mixed(values: QueryDict) -> dict[str, Any]:
    """A single value as text, a repeated one as a list (as CKAN reads parameters)."""
    return {k: v[0] if len(v) == 1 else v for k, v in values.lists()}


def request_data(request: HttpRequest) -> dict[str, Any]:
    """The action's parameters: the query string of a GET; the JSON body or form of a POST.

    Raises ``ValueError`` for a body that is not a JSON object.
    """
    if request.method == "GET":
        data: Any = _mixed(request.GET)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        data = _mixed(request.POST)
        # CKAN also reads a form whose only key is the JSON body (value "1" or empty).
        if len(data) == 1 and next(iter(data.values())) in ("1", ""):
            with contextlib.suppress(ValueError, RecursionError):
                data = json.loads(next(iter(data)))
    else:
        body = request.body.decode("utf-8").strip()
        data = json.loads(body) if body else {}
        if data == {}:  # as CKAN reads them for read actions: in the query string
            data = _mixed(request.GET)
    if not isinstance(data, dict):
        shown = repr(data)[:200]
        raise ValueError(f"Request data JSON decoded to {shown} but it needs to be a dictionary.")
    data.pop("callback", None)  # JSONP is not served
    return data


def _error_body(error: CkanError) -> dict[str, Any]:
    both = in_both_languages(error.message, error.params) if error.message else {}
    if isinstance(error, ValidationError):
        # English first (what CKAN clients show), then Persian when it differs.
        return {
            "__type": error.ckan_type,
            error.parameter: list(dict.fromkeys([both["en"], both["fa"]])),
        }
    english = both.get("en", "")
    message = f"{error.prefix}: {english}" if english else error.prefix
    return {
        "__type": error.ckan_type,
        "message": message,
        "message_fa": both.get("fa", ""),
        "message_en": english,
    }


def _call(name: str, request: HttpRequest, data: dict[str, Any]) -> Any:
    """Run action ``name``, with every failure turned into a :class:`CkanError`."""
    try:
        user = authenticate_request(request)
    except ApiError as refused:
        error = NotAuthorizedError(refused.message, **refused.params)
        error.status = refused.status
        raise error from None
    version = "3/" if request.path.startswith("/api/3/") else ""
    context = Context(request=request, user=user, action_path=f"/api/{version}action/")
    try:
        return ACTIONS[name](context, data)
    except Http404:
        raise NotFoundError() from None
    except ExplainedDenial as denial:
        raise NotAuthorizedError(denial.message, **denial.params) from None
    except PermissionDenied:
        raise NotAuthorizedError() from None


@csrf_exempt  # token and anonymous clients; authenticate_request checks a session's CSRF
@require_http_methods(["GET", "POST"])
def action(request: HttpRequest, name: str) -> HttpResponse:
    """``/api/action/<name>`` and ``/api/3/action/<name>``."""
    if name not in ACTIONS:
        return _finish(400, f"Bad request - Action name not known: {name}")
    envelope: dict[str, Any] = {
        "help": request.build_absolute_uri(f"/api/3/action/help_show?name={quote(name)}")
    }
    try:
        data = request_data(request)
    except (ValueError, UnicodeDecodeError) as problem:
        return _finish(400, f"Bad request - JSON Error: {problem}")
    except RecursionError:
        return _finish(400, "Bad request - JSON Error: nested too deeply")
    try:
        result = _call(name, request, data)
    except CkanError as error:
        return _finish(error.status, envelope | {"success": False, "error": _error_body(error)})
    except Exception:
        logger.exception("CKAN action %s failed", name)
        failure = {"__type": "Internal Server Error", "message": "Internal Server Error"}
        return _finish(500, envelope | {"success": False, "error": failure})
    return _finish(200, envelope | {"success": True, "result": result})


@require_http_methods(["GET"])
def api_version(request: HttpRequest) -> HttpResponse:
    """``/api/3``: the Action API version, as CKAN answers it."""
    return _finish(200, {"version": 3})
