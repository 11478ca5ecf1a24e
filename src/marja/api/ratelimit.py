"""Rate limits of everything under ``/api/`` (the JSON API and the CKAN face).

A request with a usable API token counts against that token, one from a logged-in
session against its user (both ``API_RATE_LIMIT_TOKEN``); any other request, including
one with an unusable token, counts against its client address
(``API_RATE_LIMIT_ANONYMOUS``). Fixed windows from the ``limits`` library; counters live
in ``API_RATE_LIMIT_STORAGE`` (``memory://`` counts per process, ``redis://`` across
processes and machines).

Every answer carries ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset``
(seconds), ``RateLimit-Policy`` and the ``X-RateLimit-*`` equivalents (reset as a Unix
time); a refused request gets 429 with ``Retry-After``. When the counter storage cannot
be reached the API keeps answering, unlimited, and a warning is logged.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from marja.api.auth import token_of
from marja.api.errors import ApiError, error_response

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
_NAMESPACE = "marja-api"
#: A storage failure is logged at most this often (seconds), not on every request.
_WARNING_INTERVAL = 60.0
_last_warning = 0.0


@dataclass(frozen=True)
class Quota:
    """The limit a request counts against, and whose counter it is."""

    limit: RateLimitItem
    key: str


@functools.lru_cache(maxsize=16)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)


@functools.lru_cache(maxsize=4)
def limiter_for(storage_url: str) -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(storage_from_string(storage_url))


def reset() -> None:
    """Forget every counter of the configured storage (for tests and benchmarks)."""
    try:
        limiter_for(settings.API_RATE_LIMIT_STORAGE).storage.reset()
    except Exception:
        _storage_unavailable()


def client_address(request: HttpRequest) -> str:
    """The caller's address: ``REMOTE_ADDR``, or behind a trusted proxy the address that
    proxy appended to ``X-Forwarded-For``. IPv6 callers are counted per /64 network."""
    address = str(request.META.get("REMOTE_ADDR", ""))
    if settings.API_RATE_LIMIT_TRUST_FORWARDED_FOR:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        if hops[-1]:
            address = hops[-1]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def quota_for(request: HttpRequest) -> Quota:
    try:
        token = token_of(request)
    except ApiError:
        token = None  # answered 401 by the API; counted against the address
    if token is not None:
        # Counted per person, not per token: one who makes more tokens gets no more calls.
        return Quota(_parsed(settings.API_RATE_LIMIT_TOKEN), f"user:{token.user_id}")
    if request.user.is_authenticated:
        return Quota(_parsed(settings.API_RATE_LIMIT_TOKEN), f"user:{request.user.pk}")
    return Quota(_parsed(settings.API_RATE_LIMIT_ANONYMOUS), f"address:{client_address(request)}")


def _headers(limit: RateLimitItem, reset_at: float, remaining: int) -> dict[str, str]:
    seconds = max(0, math.ceil(reset_at - time.time()))
    return {
        "RateLimit-Limit": str(limit.amount),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(seconds),
        "RateLimit-Policy": f"{limit.amount};w={limit.get_expiry()}",
        "X-RateLimit-Limit": str(limit.amount),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(math.ceil(reset_at)),
    }


def _storage_unavailable() -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARNING_INTERVAL:
        _last_warning = now
        logger.warning(
            "API rate limits are not enforced: the counter storage %s cannot be used",
            settings.API_RATE_LIMIT_STORAGE.split("@")[-1],
            exc_info=True,
        )


def too_many_requests(request: HttpRequest, headers: dict[str, str]) -> HttpResponse:
    wait = max(1, int(headers["RateLimit-Reset"]))
    return error_response(
        request,
        ApiError(
            429,
            "rate_limited",
            _("Too many requests. Wait %(seconds)s seconds and try again."),
            headers={**headers, "Retry-After": str(wait)},
            seconds=wait,
        ),
    )


class RateLimitMiddleware:
    """Counts every request under ``/api/`` and refuses those over the limit (429)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        quota = quota_for(request)
        try:
            limiter = limiter_for(settings.API_RATE_LIMIT_STORAGE)
            allowed = limiter.hit(quota.limit, _NAMESPACE, quota.key)
            stats = limiter.get_window_stats(quota.limit, _NAMESPACE, quota.key)
        except Exception:  # the storage is down or misconfigured: fail open
            _storage_unavailable()
            return self.get_response(request)
        headers = _headers(quota.limit, stats.reset_time, stats.remaining)
        if not allowed:
            response = too_many_requests(request, headers)
        else:
            response = self.get_response(request)
            for name, value in headers.items():
                response[name] = value
        # Answers depend on who asks: no shared cache may hand one caller's to another.
        patch_vary_headers(response, ("Authorization", "X-CKAN-API-Key", "Cookie"))
        return response
