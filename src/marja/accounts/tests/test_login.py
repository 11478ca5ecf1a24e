from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from marja.accounts.models import User
from marja.accounts.services import create_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db: None) -> User:
    return create_user("sara", "correct horse battery", first_name="سارا")


def test_passwords_are_hashed_with_argon2(db: None) -> None:
    """The production hasher (the test settings use a fast one for speed)."""
    from django.test import override_settings

    from marja import settings as production

    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        person = create_user("leila", "correct horse battery")
        assert person.password.startswith("argon2$")
        assert person.check_password("correct horse battery")


def test_login_page_is_persian(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "گذرواژه" in response.text
    assert 'lang="fa" dir="rtl"' in response.text


def test_login_and_logout(client: Client, person: User) -> None:
    response = client.post(
        "/accounts/login/", {"username": "sara", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get("/").context["user"] == person
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_wrong_password_is_answered_in_persian(client: Client, person: User) -> None:
    response = client.post("/accounts/login/", {"username": "sara", "password": "wrong one"})
    assert response.status_code == 400
    assert "نام کاربری یا گذرواژه نادرست است" in response.text
    assert "Traceback" not in response.text


def test_wrong_password_in_english_when_asked(client: Client, person: User) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": "sara", "password": "wrong one"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert "The user name or password is wrong" in response.text
    assert 'lang="en" dir="ltr"' in response.text


def test_login_is_locked_after_repeated_failures(client: Client, person: User) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = client.post("/accounts/login/", {"username": "sara", "password": "nope"})
        assert response.status_code == 400
    locked = client.post("/accounts/login/", {"username": "sara", "password": "nope"})
    assert locked.status_code == 429
    assert "قفل" in locked.text
    # Even the right password is refused while locked.
    right = client.post(
        "/accounts/login/", {"username": "sara", "password": "correct horse battery"}
    )
    assert right.status_code == 429
    assert not Client().get("/").context["user"].is_authenticated


def test_lockout_is_per_user_name(client: Client, person: User) -> None:
    create_user("omid", "another long passphrase")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "sara", "password": "nope"})
    response = client.post(
        "/accounts/login/", {"username": "omid", "password": "another long passphrase"}
    )
    assert response.status_code == 302


def test_create_user_rejects_weak_password_and_stores_nothing(db: None) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        create_user("weak", "12345")
    assert not User.objects.filter(username="weak").exists()


def test_admin_is_persian_for_administrators(client_as: Callable[[str], Client]) -> None:
    response = client_as("admin").get("/admin/")
    assert response.status_code == 200
    assert 'dir="rtl"' in response.text
    assert "مدیریت سامانهٔ مرجع" in response.text
    response = client_as("admin").get("/admin/catalog/county/")
    assert response.status_code == 200
    assert "پاکدشت" in response.text


def test_admin_is_closed_to_agency_staff(client_as: Callable[[str], Client], demo: object) -> None:
    response = client_as("mpo.editor").get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
