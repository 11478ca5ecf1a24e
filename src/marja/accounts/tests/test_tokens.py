"""API tokens on the user's page: created and shown once, listed, revoked and kept."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from marja.accounts import services, tokens
from marja.accounts.models import ApiToken, User
from marja.accounts.services import create_token, create_user, revoke_token
from marja.core.jalali import format_date
from marja.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

NEW_TOKEN = re.compile(r'id="new-token" value="([^"]+)"')
DOCUMENTED_PREFIX = re.compile(r"marja_pat_[0-9A-Za-z]{6}")


@pytest.fixture
def sara(db: None) -> User:
    return create_user("sara", "correct horse battery")


@pytest.fixture
def omid(db: None) -> User:
    return create_user("omid", "another long passphrase")


@pytest.fixture
def sara_client(sara: User) -> Client:
    client = Client()
    client.force_login(sara)
    return client


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def create_on_page(client: Client, **fields: str) -> tuple[str, str]:
    data = {"name": "گزارش ماهانه", "scope": "read", "expires_on": in_days(30), **fields}
    response = client.post("/accounts/tokens/", data)
    assert response.status_code == 200, response.text
    match = NEW_TOKEN.search(response.text)
    assert match
    return match[1], response.text


def test_the_page_needs_a_login(client: Client) -> None:
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_header_links_to_the_page(sara_client: Client) -> None:
    assert 'href="/accounts/tokens/"' in sara_client.get("/").text


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(
    sara_client: Client, sara: User
) -> None:
    plaintext, page = create_on_page(sara_client)
    assert tokens.TOKEN_PATTERN.fullmatch(plaintext)
    assert tokens.is_well_formed(plaintext)
    assert "فقط همین یک بار" in page
    token = ApiToken.objects.get(user=sara)
    assert token.key_hash == tokens.key_hash(plaintext)
    assert DOCUMENTED_PREFIX.fullmatch(token.prefix)
    assert plaintext.startswith(token.prefix)
    # Nowhere in the database: not in the token's row, the ledger or the session.
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    stored += [str(entry.payload) for entry in LedgerEntry.objects.all()]
    stored += [str(session.get_decoded()) for session in Session.objects.all()]
    assert not [value for value in stored if plaintext in value or plaintext[16:] in value]
    # Never shown again.
    again = sara_client.get("/accounts/tokens/")
    assert plaintext not in again.text
    assert f"{token.prefix}…" in again.text


def test_the_page_with_a_token_is_not_cached(sara_client: Client) -> None:
    response = sara_client.post(
        "/accounts/tokens/", {"name": "x", "scope": "read", "expires_on": in_days(3)}
    )
    assert "no-store" in response["Cache-Control"]


def test_creation_is_recorded_in_the_ledger(sara_client: Client, sara: User) -> None:
    _plaintext, _page = create_on_page(sara_client, scope="publish")
    token = ApiToken.objects.get(user=sara)
    entry = LedgerEntry.objects.get(action="token.created")
    assert entry.actor == sara
    assert entry.object_id == str(token.pk)
    assert entry.payload["scope"] == "publish"
    assert entry.payload["prefix"] == token.prefix
    assert token.key_hash not in str(entry.payload)


def test_the_list_shows_jalali_dates_in_persian_digits(sara_client: Client, sara: User) -> None:
    last_day = timezone.localdate() + dt.timedelta(days=40)
    typed = format_date(last_day, digits="persian")  # e.g. ۱۴۰۵/۱۰/۱۴
    create_on_page(sara_client, name="اسکریپت", expires_on=typed)
    token = ApiToken.objects.get(name="اسکریپت")
    assert token.valid_through == last_day
    page = sara_client.get("/accounts/tokens/").text
    assert typed in page
    assert format_date(timezone.localdate(), digits="persian") in page  # created today
    assert "اسکریپت" in page and "هرگز" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "این فیلد لازم است"),
        ({"name": "<b>x</b>"}, "name", "HTML"),
        ({"scope": "admin"}, "scope", "انتخاب"),
        ({"expires_on": in_days(-1)}, "expires_on", "گذشته"),
        ({"expires_on": in_days(400)}, "expires_on", "۳۶۵"),
        ({"expires_on": "1403/13/01"}, "expires_on", "ماه"),
    ],
)
def test_bad_input_is_answered_on_the_form_and_nothing_is_created(
    sara_client: Client, fields: dict[str, str], field: str, message: str
) -> None:
    data = {"name": "x", "scope": "read", "expires_on": in_days(30), **fields}
    response = sara_client.post("/accounts/tokens/", data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.text
    assert message in response.text
    assert not ApiToken.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_user_may_hold_only_so_many_active_tokens(
    sara_client: Client, sara: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_ACTIVE_TOKENS", 2)
    create_on_page(sara_client)
    create_on_page(sara_client)
    data = {"name": "third", "scope": "read", "expires_on": in_days(3)}
    response = sara_client.post("/accounts/tokens/", data)
    assert response.status_code == 400
    assert "۲ توکن فعال" in response.text
    assert ApiToken.objects.count() == 2


def test_revoking_asks_first_then_keeps_the_row_and_records_it(
    sara_client: Client, sara: User
) -> None:
    token, _plaintext = create_token(sara, name="ci", scope="read", expires_on=timezone.localdate())
    confirm = sara_client.get(f"/accounts/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert 'method="post"' in confirm.text and "csrfmiddlewaretoken" in confirm.text
    token.refresh_from_db()
    assert token.revoked_at is None

    response = sara_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == sara
    entry = LedgerEntry.objects.get(action="token.revoked")
    assert (entry.actor, entry.object_id) == (sara, str(token.pk))
    page = sara_client.get("/accounts/tokens/").text
    assert "باطل شد" in page
    # Revoking again changes nothing and records nothing.
    sara_client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert LedgerEntry.objects.filter(action="token.revoked").count() == 1


def test_revoking_needs_csrf(sara: User) -> None:
    token, _plaintext = create_token(sara, name="ci", scope="read", expires_on=timezone.localdate())
    client = Client(enforce_csrf_checks=True)
    client.force_login(sara)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_users_token_is_not_found(sara_client: Client, omid: User) -> None:
    token, _plaintext = create_token(
        omid, name="his", scope="read", expires_on=timezone.localdate()
    )
    assert sara_client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert sara_client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "his" not in sara_client.get("/accounts/tokens/").text


def test_only_the_owner_or_an_administrator_may_revoke(sara: User, omid: User) -> None:
    token, _plaintext = create_token(sara, name="x", scope="read", expires_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        revoke_token(token, actor=omid)
    admin = create_user("root", "a long admin passphrase", superuser=True)
    revoke_token(token, actor=admin)
    token.refresh_from_db()
    assert token.revoked_by == admin


def test_the_page_speaks_english_when_asked(sara_client: Client) -> None:
    response = sara_client.get("/accounts/tokens/", headers={"accept-language": "en"})
    assert "API tokens" in response.text and "You have no API tokens yet." in response.text
