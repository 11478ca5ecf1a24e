"""The page shell: RTL Persian, Persian digits, Jalali dates, headers, error pages."""

import posixpath
import re

import pytest
from django.http import HttpResponse
from django.test import Client

from marja.catalog.demo import DemoResult

pytestmark = pytest.mark.django_db


def test_home_is_rtl_persian_with_persian_digits(client: Client, demo: DemoResult) -> None:
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    assert '<html lang="fa" dir="rtl">' in response.text
    counts = re.findall(r'data-count="(\w+)">([^<]+)<', response.text)
    assert dict(counts)["counties"] == "۱۶"
    assert not re.search(r"[0-9]", "".join(value for _, value in counts))
    # Jalali "updated" dates in Persian digits, e.g. ۱۴۰۵/۰۹/۰۴
    assert re.search(r"<time datetime=\"[^\"]+\">[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}</time>", response.text)


def test_font_is_served_by_marja_and_nothing_comes_from_elsewhere(
    client: Client, demo: DemoResult
) -> None:
    page = client.get("/").text
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    from django.contrib.staticfiles import finders

    css_path = finders.find("marja/marja.css")
    assert css_path
    with open(css_path, encoding="utf-8") as handle:
        css = handle.read()
    assert "Vazirmatn" in css
    fonts = re.findall(r'url\("([^"]+)"\)', css)
    assert fonts
    for url in fonts:
        assert not url.startswith(("http:", "https:", "//"))
        assert finders.find(posixpath.normpath("marja/" + url)), url


def test_security_headers(client: Client, demo: DemoResult) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_secure_cookies_by_default(client: Client, demo: DemoResult) -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY


def test_unknown_page_is_a_persian_404(client: Client, demo: DemoResult) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "صفحه پیدا نشد" in response.text
    assert "Traceback" not in response.text
    english = client.get("/no/such/page/", headers={"accept-language": "en"})
    assert "Page not found" in english.text


def test_language_switch_persists(client: Client, demo: DemoResult) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert 'lang="en" dir="ltr"' in client.get("/").text
    client.post("/i18n/setlang/", {"language": "fa", "next": "/"})
    assert 'lang="fa" dir="rtl"' in client.get("/").text


def test_server_error_page_is_bilingual_without_a_trace(demo: DemoResult) -> None:
    from django.urls import path

    from marja import urls

    def explode(request: object) -> HttpResponse:
        raise RuntimeError("secret internals")

    client = Client(raise_request_exception=False)
    urls.urlpatterns.append(path("explode/", explode))
    try:
        from django.urls import clear_url_caches

        clear_url_caches()
        response = client.get("/explode/")
    finally:
        urls.urlpatterns.pop()
        clear_url_caches()
    assert response.status_code == 500
    assert "خطای سامانه" in response.text and "Server error" in response.text
    assert "secret internals" not in response.text


@pytest.mark.parametrize(
    "query", ["q=%00", "q=a%00b", "organisation=%00", "tag=%00", "county=%00", "access=%00"]
)
def test_nul_characters_are_a_bad_request_on_every_database(
    client: Client, demo: DemoResult, query: str
) -> None:
    response = client.get(f"/datasets/?{query}")
    assert response.status_code == 400
    assert "درخواست نادرست" in response.text
    assert "\x00" not in response.text


def test_home_counts_use_singular_nouns_after_numbers(client: Client, demo: DemoResult) -> None:
    text = client.get("/").text
    assert re.search(r'data-count="counties">۱۶</strong>شهرستان</div>', text)
    assert re.search(r'data-count="themes">۱۰</strong>موضوع</div>', text)


def test_login_link_does_not_nest_on_the_login_page(client: Client, demo: DemoResult) -> None:
    text = client.get("/accounts/login/?next=/datasets/").text
    assert "next=/accounts/login/" not in text
    assert "%3Fnext%3D" not in text


def test_logout_by_get_asks_to_confirm(client: Client, demo: DemoResult) -> None:
    from marja.accounts.models import User

    client.force_login(User.objects.get(username="mpo.editor"))
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert "می‌خواهید از مرجع خارج شوید؟" in page.text
    assert client.get("/").context["user"].is_authenticated  # a GET logs nobody out


def test_organisations_are_listed_governorate_first(client: Client, demo: DemoResult) -> None:
    from marja.accounts.models import Organisation

    organisations = list(client.get("/organisations/").context["organisations"])
    assert organisations[0].slug == "governorate"
    order = Organisation.Kind.values
    positions = [order.index(o.kind) for o in organisations]
    assert positions == sorted(positions)
