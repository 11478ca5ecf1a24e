"""Rate limits under /api/: per token, per logged-in user, per address; 429 and headers."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from marja import config
from marja.accounts.models import User
from marja.accounts.services import create_token, create_user
from marja.api import ratelimit

pytestmark = pytest.mark.django_db

#: Any address under /api/ is counted, whether or not something answers there.
API = "/api/v1/openapi.json"
CKAN = "/api/3/action/status_show"
HEADERS = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy"]
X_HEADERS = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]


@pytest.fixture(autouse=True)
def three_a_minute() -> Iterator[None]:
    with override_settings(
        API_RATE_LIMIT_ANONYMOUS="3/minute",
        API_RATE_LIMIT_TOKEN="3/minute",
        API_RATE_LIMIT_STORAGE="memory://",
        API_RATE_LIMIT_TRUST_FORWARDED_FOR=False,
    ):
        ratelimit.reset()
        yield
        ratelimit.reset()


@pytest.fixture
def sara(db: None) -> User:
    return create_user("sara", "correct horse battery")


def token_of(user: User, name: str = "script") -> str:
    _token, plaintext = create_token(user, name=name, scope="read", expires_on=timezone.localdate())
    return plaintext


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


def assert_refused(response) -> None:
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert response["RateLimit-Remaining"] == "0"
    assert response["RateLimit-Limit"] == "3"
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["params"] == {"seconds": wait}
    assert "authorization" in response["Vary"].lower()
    assert f"{wait} seconds" in error["message_en"]
    assert "ثانیه" in error["message_fa"]


def test_the_fourth_request_from_an_address_is_refused(client: Client) -> None:
    for left in ("2", "1", "0"):
        response = client.get(API)
        assert response.status_code == 200
        assert response["RateLimit-Limit"] == "3"
        assert response["RateLimit-Remaining"] == left
        assert response["RateLimit-Policy"] == "3;w=60"
        assert 0 < int(response["RateLimit-Reset"]) <= 60
        assert int(response["X-RateLimit-Reset"]) >= int(time.time())
        assert all(response[name] for name in X_HEADERS)
    assert_refused(client.get(API))
    # Another address is counted apart.
    assert client.get(API, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_the_ckan_face_is_limited_too(client: Client) -> None:
    for _ in range(3):
        assert "RateLimit-Limit" in client.get(CKAN)
    assert_refused(client.get("/api/action/package_list"))


def test_pages_are_not_limited(client: Client) -> None:
    for _ in range(5):
        response = client.get("/")
        assert response.status_code == 200
        assert not any(name in response for name in HEADERS)


def test_each_person_has_their_own_count_however_many_tokens(client: Client, sara: User) -> None:
    first, second = token_of(sara, "first"), token_of(sara, "second")
    for _ in range(3):
        assert client.get(API, headers=bearer(first)).status_code == 200
    assert_refused(client.get(API, headers=bearer(first)))
    # A second token of the same person shares the count: more tokens, no more calls.
    assert_refused(client.get(API, headers=bearer(second)))
    # Someone else's token, and the same address without a token: their own counts.
    other = create_user("reza", "another long passphrase")
    assert client.get(API, headers=bearer(token_of(other))).status_code == 200
    assert client.get(API).status_code == 200


def test_a_logged_in_user_is_counted_apart_from_the_address(sara: User) -> None:
    client = Client()
    client.force_login(sara)
    for _ in range(3):
        assert client.get(API).status_code == 200
    assert_refused(client.get(API))
    assert Client().get(API).status_code == 200


def test_unusable_tokens_count_against_the_address(client: Client) -> None:
    """Fresh made-up tokens on every request do not escape the address's limit."""
    from marja.accounts import tokens

    for _ in range(3):
        response = client.get(API, headers=bearer(tokens.generate()))
        assert response.status_code == 200  # openapi.json needs no authentication
    assert_refused(client.get(API, headers=bearer(tokens.generate())))


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_trusted(client: Client) -> None:
    for n in range(3):
        client.get(API, headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert_refused(client.get(API, headers={"X-Forwarded-For": "198.51.100.9"}))


@override_settings(API_RATE_LIMIT_TRUST_FORWARDED_FOR=True)
def test_behind_the_proxy_the_address_it_appended_counts(client: Client) -> None:
    for _ in range(3):
        client.get(API, headers={"X-Forwarded-For": "203.0.113.7, 198.51.100.1"})
    # A forged first entry does not help: the proxy's (last) entry is what counts.
    assert_refused(client.get(API, headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.1"}))
    assert client.get(API, headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_ipv6_callers_are_counted_per_network(client: Client) -> None:
    for n in range(3):
        client.get(API, REMOTE_ADDR=f"2001:db8:1:2::{n + 1}")
    assert_refused(client.get(API, REMOTE_ADDR="2001:db8:1:2:ffff::1"))
    assert client.get(API, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_settings_can_raise_the_limits(client: Client) -> None:
    with override_settings(API_RATE_LIMIT_ANONYMOUS="1000/minute"):
        for _ in range(10):
            assert client.get(API).status_code == 200


class BrokenStorage:
    def reset(self) -> None:
        raise ConnectionError("Connection refused")


class BrokenLimiter:
    storage = BrokenStorage()

    def hit(self, *args: object) -> bool:
        raise ConnectionError("Connection refused")


def test_an_unreachable_storage_leaves_the_api_up(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ratelimit, "limiter_for", lambda url: BrokenLimiter())
    monkeypatch.setattr(ratelimit, "_last_warning", 0.0)
    with caplog.at_level(logging.WARNING, logger="marja.api.ratelimit"):
        for _ in range(5):
            response = client.get(API)
            assert response.status_code == 200
            assert "RateLimit-Limit" not in response
    warnings = [r for r in caplog.records if r.name == "marja.api.ratelimit"]
    assert len(warnings) == 1  # once a minute, not once a request
    assert "not enforced" in warnings[0].getMessage()


@pytest.mark.parametrize("good", ["60/minute", "10 per second", "1000/hour", " 5/day "])
def test_limit_options_accept_limits_notation(good: str) -> None:
    assert config.parse_rate_limit(good) == good.strip()


@pytest.mark.parametrize("bad", ["", "lots", "60", "10/second;100/minute", "-1/minute"])
def test_limit_options_refuse_anything_else(bad: str) -> None:
    with pytest.raises(config.ConfigError):
        config.parse_rate_limit(bad)


@pytest.mark.parametrize("good", ["memory://", "redis://127.0.0.1:6379/0", "rediss://h:1"])
def test_storage_option_accepts_known_storages(good: str) -> None:
    assert config.parse_rate_limit_storage(good) == good


@pytest.mark.parametrize("bad", ["", "memory", "ftp://x", "async+memory://", "postgres://x"])
def test_storage_option_refuses_anything_else(bad: str) -> None:
    with pytest.raises(config.ConfigError):
        config.parse_rate_limit_storage(bad)
