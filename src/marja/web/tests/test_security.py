"""Security by default: headers, cookies, CSRF, passwords, and ``marja check --deploy``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from marja.catalog.demo import DemoResult


def test_every_page_forbids_inline_script_and_framing(demo: DemoResult) -> None:
    for path in ("/", "/datasets/", "/accounts/login/", "/sql/", "/no-such-page/"):
        response = Client().get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy and response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_behind_the_tls_proxy_http_is_redirected_and_hsts_sent(
    demo: DemoResult, settings: Any
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = Client().get("/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = Client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookies_are_secure_and_hidden_from_scripts(demo: DemoResult) -> None:
    from marja.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    assert page.cookies["csrftoken"]["secure"]
    assert User.objects.filter(username="admin").exists()
    refused = client.post("/accounts/login/", {"username": "admin", "password": "x"})
    assert refused.status_code == 403  # no CSRF token: refused before the password is read
    response = client.post(
        "/accounts/login/",
        {"username": "admin", "password": "wrong password here", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 400
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SECURE
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_passwords_need_ten_characters_and_are_argon2_in_production() -> None:
    from marja import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    validators: list[dict[str, Any]] = production.AUTH_PASSWORD_VALIDATORS  # type: ignore[assignment]
    lengths = [
        v["OPTIONS"]["min_length"]
        for v in validators
        if v["NAME"].endswith("MinimumLengthValidator")
    ]
    assert lengths == [10]


MARJA = [sys.executable, "-m", "marja"]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MARJA, *args], env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MARJA_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "marja.settings",  # production's, not the suite's
    }


def test_check_deploy_names_unsafe_settings_and_passes_a_safe_server(env: dict[str, str]) -> None:
    assert run(env, "load-demo", "--without-data").returncode == 0
    demo = run({**env, "MARJA_DEBUG": "true", "MARJA_SECURE_COOKIES": "false"}, "check", "--deploy")
    assert demo.returncode == 1
    for words in ("MARJA_DEBUG is on", "MARJA_SECURE_COOKIES is off", "no HTTPS", "demo accounts"):
        assert words in demo.stderr, words
    assert "Traceback" not in demo.stderr
    # A real server: behind TLS, its own name, shared rate limits, no demo accounts.
    data = Path(env["MARJA_DATA_DIR"])
    (data / "demo-credentials.txt").unlink()
    subprocess.run(  # the demo accounts disabled (the ledger keeps who they were)
        [sys.executable, "manage.py", "shell", "-c",
         "from marja.accounts.models import User; User.objects.update(is_active=False)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "marja.settings"},
        check=True, capture_output=True, timeout=120,
        cwd=Path(__file__).resolve().parents[4],
    )  # fmt: skip
    data.chmod(0o700)
    safe = {
        **env,
        "MARJA_BEHIND_HTTPS_PROXY": "true",
        "MARJA_ALLOWED_HOSTS": "marja.tehran.ir",
        "MARJA_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379",
    }
    result = run(safe, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "everything in order" in result.stdout
