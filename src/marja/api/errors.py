"""API errors: an HTTP status, a machine code, and the message in Persian and English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from marja.core.text import to_persian_digits


class ApiError(Exception):
    """Raised anywhere under an API view; answered as JSON with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: Promise | str,
        /,
        *,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.params = params
        self.headers = headers or {}


def in_both_languages(message: Promise | str, params: dict[str, Any]) -> dict[str, str]:
    """``message`` rendered in Persian and in English, with ``params`` filled in."""
    rendered = {}
    for language in ("fa", "en"):
        with translation.override(language):
            text = str(message)
            shown = _moments(_persian_numbers(params) if language == "fa" else params)
            rendered[language] = text % shown if params else text
    return rendered


def _persian_numbers(params: dict[str, Any]) -> dict[str, Any]:
    """Numbers in Persian digits for the Persian sentence (the params stay as they are)."""
    return {
        key: to_persian_digits(str(value))
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for key, value in params.items()
    }


def _moments(params: dict[str, Any]) -> dict[str, Any]:
    """Moments as a Jalali date and time, in the active language's digits."""
    from marja.common.display import jdatetime

    return {k: jdatetime(v) if isinstance(v, dt.datetime) else v for k, v in params.items()}


def error_body(code: str, message: Promise | str, params: dict[str, Any]) -> dict[str, Any]:
    both = in_both_languages(message, params)
    return {
        "error": {
            "code": code,
            "message": both["fa"],
            "message_fa": both["fa"],
            "message_en": both["en"],
            "params": _plain(params),
        }
    }


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Params as JSON can carry them (lists stay lists, anything else becomes text)."""
    plain: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, list | tuple):
            plain[key] = [str(v) for v in value]
        elif value is None or isinstance(value, bool | int | float | str):
            plain[key] = value
        else:
            plain[key] = str(value)
    return plain


def error_response(request: HttpRequest | None, error: ApiError) -> HttpResponse:
    response = JsonResponse(
        error_body(error.code, error.message, error.params),
        status=error.status,
        json_dumps_params={"ensure_ascii": False},
    )
    for name, value in error.headers.items():
        response[name] = value
    return response


def _problems_text(exc: ValidationError) -> str:
    """Each field's problems, in the active language (Persian digits in Persian)."""
    text = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return to_persian_digits(text) if get_language() == "fa" else text


def invalid_request(exc: ValidationError) -> ApiError:
    """A service's refusal (``ValidationError`` by field) as ``400 invalid_request``,
    the fields named one by one."""
    # Lazy: the error body renders it once in Persian and once in English.
    problems = lazy(_problems_text, str)(exc)
    return ApiError(
        400,
        "invalid_request",
        _("The request is not valid: %(problems)s"),
        problems=problems,
        fields=sorted(exc.message_dict),
    )


@contextmanager
def refused_as_invalid() -> Iterator[None]:
    """A service's refusal (``ValidationError`` by field) as ``400 invalid_request``."""
    try:
        yield
    except ValidationError as exc:
        raise invalid_request(exc) from None
