"""Resumable uploads (tus) reached through the API's authentication.

The protocol itself is ingest's; this layer lets a token with the ``publish`` scope use
it as a browser session does (sessions keep their CSRF check).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from marja.api.auth import authenticate_request, require_scope
from marja.api.errors import ApiError, error_response
from marja.ingest import resumable

View = Callable[..., HttpResponse]


def _authenticated(view: View) -> View:
    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "OPTIONS":
            try:
                request.user = authenticate_request(request)  # type: ignore[assignment]
                require_scope(request, "publish")
            except ApiError as error:
                response = error_response(request, error)
                response["Tus-Resumable"] = resumable.TUS_VERSION
                return response
        return view(request, *args, **kwargs)

    return wrapper


uploads = _authenticated(resumable.uploads)
upload = _authenticated(resumable.upload)
