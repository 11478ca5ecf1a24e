"""API authentication through the HTTP surface: tokens, sessions, scopes, refusals.

A tiny test-only API (``/api/test-auth/``) and a plain view (``/api/test-plain/``) stand
in for the real operations, so these tests do not depend on the routers of other apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from marja import urls as site_urls
from marja.accounts import tokens
from marja.accounts.models import ApiToken, User
from marja.accounts.services import create_token, create_user, revoke_token
from marja.api import ratelimit
from marja.api.auth import API_AUTH, api_token, authenticate_request, caller, require_scope
from marja.api.errors import ApiError, error_response

test_api = NinjaAPI(urls_namespace="test-auth", auth=API_AUTH, docs_url=None)
test_api.exception_handler(ApiError)(error_response)


def _whoami(request: HttpRequest) -> dict[str, object]:
    user = caller(request)
    token = api_token(request)
    return {
        "user": user.get_username() if user.is_authenticated else None,
        "token": token.prefix if token else None,
    }


@test_api.get("/whoami")
def whoami(request: HttpRequest) -> dict[str, object]:
    return _whoami(request)


@test_api.post("/publish")
def publish(request: HttpRequest) -> dict[str, object]:
    require_scope(request, "publish")
    return _whoami(request)


@csrf_exempt
def plain_view(request: HttpRequest) -> HttpResponse:
    try:
        authenticate_request(request)
        if request.method == "POST":
            require_scope(request, "publish")
    except ApiError as error:
        return error_response(request, error)
    return JsonResponse(_whoami(request))


urlpatterns = [
    path("api/test-auth/", test_api.urls),
    path("api/test-plain/", plain_view),
    *site_urls.urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def sara(db: None) -> User:
    return create_user("sara", "correct horse battery")


def new_token(user: User, scope: str = "read") -> tuple[ApiToken, str]:
    return create_token(user, name="script", scope=scope, expires_on=timezone.localdate())


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message_fa"] and error["message_en"]
    assert error["message_fa"] != error["message_en"]
    assert "Traceback" not in response.text and "marja_pat_" not in response.text


@pytest.mark.parametrize(
    "headers",
    [
        lambda t: {"Authorization": f"Bearer {t}"},
        lambda t: {"Authorization": f"bearer  {t}"},
        lambda t: {"Authorization": f"Token {t}"},
        lambda t: {"Authorization": t},
        lambda t: {"X-CKAN-API-Key": t},
    ],
    ids=["bearer", "bearer-lower", "token", "bare-ckan", "x-ckan-api-key"],
)
def test_a_token_authenticates_its_user(client: Client, sara: User, headers) -> None:
    token, plaintext = new_token(sara)
    response = client.get("/api/test-auth/whoami", headers=headers(plaintext))
    assert response.status_code == 200
    assert response.json() == {"user": "sara", "token": token.prefix}
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(
    client: Client, sara: User, django_assert_num_queries
) -> None:
    _token, plaintext = new_token(sara)
    client.get("/api/test-auth/whoami", headers=bearer(plaintext))
    with django_assert_num_queries(1):  # the lookup; no UPDATE
        client.get("/api/test-auth/whoami", headers=bearer(plaintext))


def test_without_credentials_the_caller_is_anonymous(client: Client) -> None:
    response = client.get("/api/test-auth/whoami")
    assert response.json() == {"user": None, "token": None}


def test_other_authorization_schemes_are_not_tokens(client: Client) -> None:
    response = client.get("/api/test-auth/whoami", headers={"Authorization": "Basic dTpw"})
    assert response.json() == {"user": None, "token": None}


@pytest.mark.parametrize(
    "presented",
    ["", "nonsense", "marja_pat_short", "marja_pat_" + "A" * 46, "x" * 10_000, "مرجع"],
    ids=["empty", "word", "short", "bad-checksum", "huge", "persian"],
)
def test_a_malformed_token_is_refused_without_a_database_lookup(
    client: Client, presented: str, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get(
            "/api/test-auth/whoami", headers={"Authorization": f"Bearer {presented}"}
        )
    assert_refused(response, 401, "token_invalid")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_well_formed_token_is_invalid(client: Client, sara: User) -> None:
    _token, plaintext = new_token(sara)
    stranger = tokens.generate()
    assert tokens.is_well_formed(stranger) and stranger != plaintext
    assert_refused(
        client.get("/api/test-auth/whoami", headers=bearer(stranger)), 401, "token_invalid"
    )


def test_an_expired_token_is_refused(client: Client, sara: User) -> None:
    token, plaintext = new_token(sara)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/test-auth/whoami", headers=bearer(plaintext))
    assert_refused(response, 401, "token_expired")
    assert "expired" in response.json()["error"]["message_en"]


def test_a_revoked_token_is_refused_and_its_row_kept(client: Client, sara: User) -> None:
    token, plaintext = new_token(sara)
    revoke_token(token, actor=sara)
    response = client.get("/api/test-auth/whoami", headers=bearer(plaintext))
    assert_refused(response, 401, "token_revoked")
    kept = ApiToken.objects.get(pk=token.pk)
    assert kept.revoked_at is not None and kept.revoked_by == sara


def test_the_token_of_a_disabled_user_is_invalid(client: Client, sara: User) -> None:
    _token, plaintext = new_token(sara)
    User.objects.filter(pk=sara.pk).update(is_active=False)
    assert_refused(
        client.get("/api/test-auth/whoami", headers=bearer(plaintext)), 401, "token_invalid"
    )


def test_a_bad_token_is_refused_even_with_a_session(sara: User) -> None:
    token, plaintext = new_token(sara)
    revoke_token(token, actor=sara)
    client = Client()
    client.force_login(sara)
    response = client.get("/api/test-auth/whoami", headers=bearer(plaintext))
    assert_refused(response, 401, "token_revoked")


def test_a_read_token_cannot_publish(client: Client, sara: User) -> None:
    _token, read = new_token(sara, "read")
    _token, publish_token = new_token(sara, "publish")
    assert_refused(client.post("/api/test-auth/publish", headers=bearer(read)), 403, "token_scope")
    assert client.post("/api/test-auth/publish", headers=bearer(publish_token)).status_code == 200
    # Publish implies read.
    assert client.get("/api/test-auth/whoami", headers=bearer(publish_token)).status_code == 200


def test_a_token_needs_no_csrf_token(sara: User) -> None:
    _token, plaintext = new_token(sara, "publish")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/api/test-auth/publish", headers=bearer(plaintext)).status_code == 200


def test_a_session_has_every_scope_but_needs_its_csrf_token(sara: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(sara)
    assert client.get("/api/test-auth/whoami").json() == {"user": "sara", "token": None}
    assert_refused(client.post("/api/test-auth/publish"), 403, "csrf_failed")
    client.get("/accounts/tokens/")  # sets the CSRF cookie, as any page does
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/test-auth/publish", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200
    assert response.json()["user"] == "sara"


def test_plain_views_authenticate_the_same_way(client: Client, sara: User) -> None:
    token, plaintext = new_token(sara)
    response = client.get("/api/test-plain/", headers={"X-CKAN-API-Key": plaintext})
    assert response.json() == {"user": "sara", "token": token.prefix}
    assert_refused(client.post("/api/test-plain/", headers=bearer(plaintext)), 403, "token_scope")
    revoke_token(token, actor=sara)
    assert_refused(client.get("/api/test-plain/", headers=bearer(plaintext)), 401, "token_revoked")
    assert client.get("/api/test-plain/").json() == {"user": None, "token": None}


def test_plain_views_check_csrf_for_sessions(sara: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(sara)
    assert_refused(client.post("/api/test-plain/"), 403, "csrf_failed")


def test_the_openapi_document_offers_bearer_tokens(client: Client, sara: User) -> None:
    _token, plaintext = new_token(sara)
    response = client.get("/api/v1/openapi.json", headers=bearer(plaintext))
    assert response.status_code == 200
    schemes = response.json().get("components", {}).get("securitySchemes", {})
    assert schemes.get("TokenAuth", {}).get("scheme") == "bearer"
    assert response["RateLimit-Limit"]
