"""Which language a page is answered in.

marja is Persian first: a browser set to English (Chrome's usual ``en-US,en;q=0.9``)
still gets Persian pages. English is chosen by the footer switch (a cookie), by
``?lang=en``, or by a request whose Accept-Language begins with a bare ``en``, as
scripts and API clients send it (``curl -H 'Accept-Language: en'``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def language_for(request: HttpRequest) -> str:
    asked = request.GET.get("lang", "")
    if asked in SUPPORTED:
        return asked
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if cookie in SUPPORTED:
        return cookie
    header = request.headers.get("Accept-Language", "")
    first = header.split(",", 1)[0].split(";", 1)[0].strip().lower()
    if first == "en":
        return "en"
    return str(settings.LANGUAGE_CODE)


class PersianFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
