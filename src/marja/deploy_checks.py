"""``marja check --deploy``: settings that are unsafe on a production server.

Each finding is *unsafe* (an error: fix before serving) or *advice* (a warning). Django's
own deployment checks are included, except those marja answers differently (HSTS and
the HTTPS redirect come with ``MARJA_BEHIND_HTTPS_PROXY``, reported once, here).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Django deployment checks that the marja findings below replace with their own words.
_REPLACED = {
    "security.W004",  # HSTS
    "security.W008",  # SECURE_SSL_REDIRECT
    "security.W012",  # SESSION_COOKIE_SECURE
    "security.W016",  # CSRF_COOKIE_SECURE
    "security.W018",  # DEBUG
    "security.W020",  # ALLOWED_HOSTS
    "security.W009",  # SECRET_KEY strength
    "security.W021",  # HSTS preload: a government intranet's names are not preloaded
}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
_DEMO_USERS = ("admin", "mpo.editor", "tums.admin", "governorate.viewer", "varamin.viewer")


@dataclass(frozen=True)
class Finding:
    unsafe: bool
    text: str


def _private(path: Path) -> bool:
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def deployment_findings() -> list[Finding]:
    """Everything ``--deploy`` reports (Django must be set up)."""
    from django.conf import settings
    from django.core import checks

    found: list[Finding] = []

    def unsafe(text: str) -> None:
        found.append(Finding(True, text))

    def advice(text: str) -> None:
        found.append(Finding(False, text))

    if settings.DEBUG:
        unsafe("MARJA_DEBUG is on: pages show code and settings on errors; turn it off")
    if not settings.SESSION_COOKIE_SECURE or not settings.CSRF_COOKIE_SECURE:
        unsafe("MARJA_SECURE_COOKIES is off: login sessions travel over plain HTTP")
    if not settings.SESSION_COOKIE_HTTPONLY:
        unsafe("the session cookie is readable by page scripts (SESSION_COOKIE_HTTPONLY)")
    if not getattr(settings, "SECURE_SSL_REDIRECT", False) or not settings.SECURE_HSTS_SECONDS:
        unsafe(
            "no HTTPS: serve marja behind a TLS proxy and set MARJA_BEHIND_HTTPS_PROXY=true "
            "(HTTPS redirect and HSTS)"
        )
    hosts = set(settings.ALLOWED_HOSTS)
    if "*" in hosts:
        unsafe("MARJA_ALLOWED_HOSTS accepts any host name (*): name the server's own")
    elif hosts <= _LOCAL_HOSTS:
        advice("MARJA_ALLOWED_HOSTS names only this machine: other computers cannot reach it")
    plain = [o for o in settings.CSRF_TRUSTED_ORIGINS if o.startswith("http://")]
    if plain:
        unsafe(f"MARJA_CSRF_TRUSTED_ORIGINS trusts plain-HTTP origins: {', '.join(plain)}")
    if settings.X_FRAME_OPTIONS != "DENY":
        unsafe("pages may be framed by other sites (X_FRAME_OPTIONS is not DENY)")
    if not settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher"):
        unsafe("passwords are not hashed with Argon2 first (PASSWORD_HASHERS)")
    validators: list[dict[str, Any]] = list(getattr(settings, "AUTH_PASSWORD_VALIDATORS", []))
    lengths = [
        int(v.get("OPTIONS", {}).get("min_length", 8))
        for v in validators
        if str(v["NAME"]).endswith("MinimumLengthValidator")
    ]
    if not lengths or min(lengths) < 10:
        unsafe("passwords may be shorter than 10 characters")
    if settings.AXES_FAILURE_LIMIT > 10:
        advice(f"login locks only after {settings.AXES_FAILURE_LIMIT} failures (5 is usual)")
    data_dir = Path(settings.DATA_DIR)
    for name, path in (
        ("secret key", data_dir / "secret_key"),
        ("ledger key", data_dir / "ledger" / "ed25519.pem"),
    ):
        if not path.exists():
            unsafe(f"the {name} is missing ({path}); `marja serve` makes it on first start")
        elif not _private(path):
            unsafe(f"the {name} {path} is readable by others: chmod 600 {path}")
    if len(settings.SECRET_KEY) < 50 or len(set(settings.SECRET_KEY)) < 5:
        unsafe("the secret key is short or simple: delete it and let marja make a new one")
    if (data_dir / "demo-credentials.txt").exists() or _demo_users():
        unsafe(
            f"the demo accounts ({', '.join(_DEMO_USERS)}) or their passwords file "
            "demo-credentials.txt exist: remove them before serving real data"
        )
    if settings.API_RATE_LIMIT_STORAGE.startswith("memory://"):
        advice(
            "API rate limits are counted per process (memory://): with several web "
            "processes a caller gets several times the limit; use redis://"
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        advice("the database is SQLite: fine for one machine; PostgreSQL for more")
    if os.stat(data_dir).st_mode & 0o007:
        advice(f"the data folder {data_dir} is open to every user of the machine: chmod o-rwx")
    for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security]):
        if message.id not in _REPLACED and message.level >= checks.WARNING:
            (unsafe if message.level >= checks.ERROR else advice)(f"{message.id}: {message.msg}")
    return found


def _demo_users() -> bool:
    from marja.accounts.models import User

    try:
        active = User.objects.filter(username__in=_DEMO_USERS, is_active=True)
        return active.count() == len(_DEMO_USERS)
    except Exception:  # an unmigrated database has no users to worry about
        return False
