"""What every action of the CKAN face shares: its context, its errors and its parameters.

CKAN clients tell errors apart by ``error.__type`` (``ckanapi`` raises ``NotFound``,
``NotAuthorized`` or ``ValidationError`` from it), so each error here carries the CKAN
type and HTTP status of ``ckan/views/api.py`` in CKAN 2.11. Messages are marja's, in
English (what CKAN clients show) and Persian.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from marja.accounts.selectors import AnyUser
from marja.core.jalali import format_date, format_datetime

#: The CKAN version clients see in ``status_show``: the Action API of 2.11.
CKAN_VERSION = "2.11.0"


@dataclass(frozen=True)
class Context:
    """One call of an action: the request, who makes it, and the path it came by."""

    request: HttpRequest
    user: AnyUser
    #: ``/api/3/action/`` or ``/api/action/``, so links point back the way the client came.
    action_path: str

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)


class CkanError(Exception):
    """An error answered in CKAN's envelope with ``__type`` and an HTTP status."""

    ckan_type = "Internal Server Error"
    status = 500
    prefix = ""

    def __init__(self, message: Promise | str = "", **params: Any) -> None:
        super().__init__(str(message))
        self.message = message
        self.params = params


class NotFoundError(CkanError):
    ckan_type = "Not Found Error"
    status = 404
    prefix = "Not found"


class NotAuthorizedError(CkanError):
    ckan_type = "Authorization Error"
    status = 403
    prefix = "Access denied"


class ValidationError(CkanError):
    """Problems keyed by parameter name, as CKAN's ``error_dict`` (answered 409)."""

    ckan_type = "Validation Error"
    status = 409

    def __init__(self, parameter: str, message: Promise | str, **params: Any) -> None:
        super().__init__(message, **params)
        self.parameter = parameter


def missing(field: str) -> ValidationError:
    return ValidationError(field, _("Missing value"))


def text_param(data: Mapping[str, Any], name: str, default: str = "") -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if isinstance(value, list | dict):
        raise ValidationError(name, _("Expected a single text value."))
    return str(value).strip()


#: Larger offsets and counts are refused: no catalog is that large, and the database's
#: integers are not either.
MAX_WHOLE_NUMBER = 10**9


def int_param(
    data: Mapping[str, Any], name: str, default: int, *, maximum: int | None = None
) -> int:
    """A whole number of 0 or more; above ``maximum`` it is capped, as CKAN caps rows."""
    value = data.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(name, _("Must be a whole number of 0 or more.")) from None
    if number < 0 or number > MAX_WHOLE_NUMBER:
        raise ValidationError(name, _("Must be a whole number of 0 or more."))
    return min(number, maximum) if maximum is not None else number


def bool_param(data: Mapping[str, Any], name: str, default: bool) -> bool:
    value = data.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in {"true", "1", "yes", "on"}:
        return True
    if word in {"false", "0", "no", "off"}:
        return False
    raise ValidationError(name, _("Must be true or false."))


def json_param(data: Mapping[str, Any], name: str) -> Any:
    """A parameter that is JSON in a query string and already decoded in a JSON body."""
    value = data.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            raise ValidationError(name, _("Not valid JSON.")) from None
    return value


def list_param(data: Mapping[str, Any], name: str) -> list[str]:
    """A list given as a JSON list, a repeated parameter or comma-separated text."""
    value = data.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        value = json_param(data, name) if text.startswith("[") else text.split(",")
    if not isinstance(value, list):
        raise ValidationError(name, _("Expected a list."))
    return [str(item).strip() for item in value if str(item).strip()]


def ckan_time(value: dt.datetime | None) -> str | None:
    """A moment the way CKAN writes it: ISO 8601 in UTC, without a time zone."""
    if value is None:
        return None
    return timezone.make_naive(value, dt.UTC).isoformat()


def jalali_time(value: dt.datetime | None) -> str:
    return "" if value is None else format_datetime(timezone.localtime(value), digits="latin")


def jalali_day(value: dt.date | None) -> str:
    return "" if value is None else format_date(value, digits="latin")
