"""Refusals that explain themselves, and the gate of pages for system administrators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise


class ExplainedDenial(PermissionDenied):
    """A refusal whose reason the person may know: the 403 page (and the API) say it.

    ``code`` is stable (for the API); ``title`` and ``message`` are translatable text,
    ``message`` with ``%(name)s`` placeholders filled from ``params``.
    """

    def __init__(
        self, code: str, title: Promise | str, message: Promise | str, **params: Any
    ) -> None:
        super().__init__(code)
        self.code = code
        self.title = title
        self.message = message
        self.params = params

    def text(self) -> str:
        """The message in the active language (moments as Jalali date and time)."""
        from marja.common.display import jdatetime

        shown = {
            key: jdatetime(value) if isinstance(value, dt.datetime) else value
            for key, value in self.params.items()
        }
        return str(self.message) % shown if shown else str(self.message)


def superuser_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to the login page; other users get 403."""

    @wraps(view)
    def gate(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return gate
