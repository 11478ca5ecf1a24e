"""Who is calling the API: an API token, a logged-in session, or nobody (public data only).

A token is read from ``Authorization: Bearer <token>``, ``Authorization: Token <token>``,
a bare ``Authorization: <token>`` or ``X-CKAN-API-Key: <token>`` (as CKAN clients send
it). A token that is presented but cannot be used is answered 401 with its reason; the
request is never quietly treated as anonymous. A session needs the CSRF token for
unsafe methods; a token does not (browsers never attach it on their own).

Ninja operations use ``API_AUTH`` and :func:`caller`; plain Django views (the CKAN face)
call :func:`authenticate_request`. Both then call :func:`require_scope` before
publishing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security.apikey import APIKeyCookie
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from marja.accounts.models import ApiToken
from marja.accounts.selectors import AnyUser, TokenError, authenticate_token
from marja.accounts.services import note_token_use
from marja.api.errors import ApiError

_TOKEN_SCHEMES = {"bearer", "token"}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
_CACHE = "_marja_api_token"

_TOKEN_MESSAGES = {
    "token_invalid": _(
        "The API token is not valid. Check that it was copied whole, or create a new one "
        "on your API tokens page."
    ),
    "token_expired": _("The API token has expired. Create a new one on your API tokens page."),
    "token_revoked": _("The API token was revoked. Create a new one on your API tokens page."),
}


def presented_token(request: HttpRequest) -> str | None:
    """The token text a request presents, or ``None`` when it presents none.

    Other ``Authorization`` schemes (Basic, Digest…) are not tokens and are ignored; a
    token scheme with nothing after it is a presented, empty (so invalid) token.
    """
    header = request.headers.get("Authorization", "").strip()
    if header:
        scheme, _space, rest = header.partition(" ")
        if scheme.lower() in _TOKEN_SCHEMES:
            return rest.strip()
        if not rest:
            return scheme
    ckan_key = request.headers.get("X-CKAN-API-Key")
    if ckan_key is not None:
        return ckan_key.strip()
    return None


def token_of(request: HttpRequest) -> ApiToken | None:
    """The usable token the request presents; ``None`` when it presents none.

    Raises a 401 :class:`ApiError` (``token_invalid``, ``token_expired``,
    ``token_revoked``) for a token that cannot be used. Looked up once per request.
    """
    outcome: ApiToken | str | None
    if hasattr(request, _CACHE):
        outcome = getattr(request, _CACHE)
    else:
        plaintext = presented_token(request)
        outcome = None
        if plaintext is not None:
            try:
                outcome = authenticate_token(plaintext)
            except TokenError as problem:
                outcome = problem.code
            else:
                note_token_use(outcome)
        setattr(request, _CACHE, outcome)
    if isinstance(outcome, str):
        raise ApiError(
            401,
            outcome,
            _TOKEN_MESSAGES[outcome],
            headers={"WWW-Authenticate": 'Bearer realm="marja", error="invalid_token"'},
        )
    return outcome


def _act_as(request: HttpRequest, token: ApiToken) -> AnyUser:
    request.user = token.user
    request.api_token = token  # type: ignore[attr-defined]
    return token.user


def _session_user(request: HttpRequest) -> AnyUser | None:
    """The session's user, after the CSRF check for unsafe methods; ``None`` if anonymous."""
    user = request.user
    if not user.is_authenticated:
        return None
    exempt = getattr(request, "_ninja_csrf_exempt", False)
    if request.method not in _SAFE_METHODS and not exempt and check_csrf(request) is not None:
        raise ApiError(
            403,
            "csrf_failed",
            _(
                "The request came with your login session but without its CSRF token. "
                "Reload the page, or call the API with a token instead."
            ),
        )
    return user


def authenticate_request(request: HttpRequest) -> AnyUser:
    """The caller of a plain Django view: token user, session user or anonymous.

    Raises :class:`ApiError` (401 for an unusable token, 403 for a session request
    without its CSRF token). Views calling it should be ``csrf_exempt``: this function
    does the CSRF check for sessions, and token clients have no CSRF token.
    """
    token = token_of(request)
    if token is not None:
        return _act_as(request, token)
    return _session_user(request) or AnonymousUser()


def api_token(request: HttpRequest) -> ApiToken | None:
    """The token the request was authenticated with (``None`` for a session or anonymous)."""
    token: ApiToken | None = getattr(request, "api_token", None)
    return token


def require_scope(request: HttpRequest, scope: str) -> None:
    """Refuse (403 ``token_scope``) a token without ``scope``; sessions have every scope.

    It does not decide who may do what: the service called next checks the user's rights.
    """
    if scope not in ApiToken.Scope.values:
        raise ValueError(f"unknown token scope {scope!r}")
    token = api_token(request)
    if token is not None and not token.allows(scope):
        raise ApiError(
            403,
            "token_scope",
            _(
                "This API token has the “%(scope)s” scope, and this request needs "
                "“%(needed)s”. Create a token with that scope."
            ),
            scope=token.scope,
            needed=scope,
        )


class TokenAuth(AuthBase):
    """An API token (see the module's docstring for where it may be sent)."""

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_description = (
        "An API token (marja_pat_…) from your API tokens page. Also accepted as "
        "Authorization: Token …, a bare Authorization header or X-CKAN-API-Key."
    )

    def __call__(self, request: HttpRequest) -> Any:
        token = token_of(request)
        return None if token is None else _act_as(request, token)


class SessionAuth(APIKeyCookie):
    """The browser's login session; unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked in authenticate, for logged-in users only

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return _session_user(request)


class Anonymous:
    """Lets a request without credentials through as an anonymous visitor."""

    def __call__(self, request: HttpRequest) -> Any:
        request.user = AnonymousUser()
        return request.user


#: Authentication of every operation, tried in order.
API_AUTH: list[Any] = [TokenAuth(), SessionAuth(), Anonymous()]


def caller(request: HttpRequest) -> AnyUser:
    user: AnyUser = getattr(request, "auth", None) or request.user
    return user
