"""Every environment option marja reads, declared once.

This list drives ``settings.py``, ``marja check`` and the documentation test: an option
that is not declared here cannot be read, and one not documented in docs/settings.md
fails the test suite.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """An environment option holds a value marja cannot use."""


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"expected true or false, got {raw!r}")


def parse_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_hosts(raw: str) -> list[str]:
    hosts = parse_list(raw)
    if not hosts:
        raise ConfigError("at least one host name is needed, or every request is refused")
    return hosts


def parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ConfigError(f"expected a whole number of 1 or more, got {raw!r}")
    return value


def parse_time_zone(raw: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone {raw!r} (e.g. Asia/Tehran)") from None
    return raw


def parse_log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got {raw!r}")
    return level


def parse_database_url(raw: str) -> str:
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if raw and scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ConfigError(
            "expected postgres://user@host:port/name or sqlite:///path, or empty for SQLite"
        )
    return raw


def parse_rate_limit(raw: str) -> str:
    from limits import parse

    text = raw.strip()
    if ";" in text or "," in text:
        raise ConfigError(f"expected one limit such as 60/minute, got {raw!r}")
    try:
        parse(text)
    except ValueError:
        raise ConfigError(
            f"expected a limit such as 60/minute, 1000/hour or 10 per second, got {raw!r}"
        ) from None
    return text


def parse_rate_limit_storage(raw: str) -> str:
    from limits._storage_scheme import SCHEMES

    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in SCHEMES or scheme.startswith("async+"):
        raise ConfigError(
            f"expected memory:// or a storage address such as redis://host:6379, got {raw!r}"
        )
    return raw


def parse_path(raw: str) -> Path:
    return Path(raw).expanduser().resolve()


@dataclass(frozen=True)
class Option(Generic[T]):
    """One environment option: its name, how it is parsed and what it means."""

    name: str
    parse: Callable[[str], T]
    default: str
    help: str

    def read(self, environ: Mapping[str, str] | None = None) -> T:
        env = os.environ if environ is None else environ
        raw = env.get(self.name, self.default)
        try:
            return self.parse(raw)
        except (ValueError, ConfigError) as exc:
            raise ConfigError(f"{self.name}: {exc}") from exc


DATA_DIR = Option(
    "MARJA_DATA_DIR",
    parse_path,
    "var",
    "Folder for everything marja keeps: the SQLite database, the secret key, collected "
    "static files and (later) dataset objects. Relative paths are from the working folder.",
)
DATABASE_URL = Option(
    "DATABASE_URL",
    parse_database_url,
    "",
    "Database to use, e.g. postgres://user@127.0.0.1:5432/marja. Empty: SQLite "
    "(WAL mode) at MARJA_DATA_DIR/marja.sqlite3.",
)
DEBUG = Option("MARJA_DEBUG", parse_bool, "false", "Django debug mode. Never on in production.")
ALLOWED_HOSTS = Option(
    "MARJA_ALLOWED_HOSTS",
    parse_hosts,
    "127.0.0.1,localhost,[::1]",
    "Comma-separated host names marja answers to.",
)
CSRF_TRUSTED_ORIGINS = Option(
    "MARJA_CSRF_TRUSTED_ORIGINS",
    parse_list,
    "",
    "Comma-separated origins (scheme://host) trusted for form posts behind a proxy.",
)
SECURE_COOKIES = Option(
    "MARJA_SECURE_COOKIES",
    parse_bool,
    "true",
    "Send session and CSRF cookies only over HTTPS. Browsers also accept them on "
    "http://127.0.0.1 and http://localhost, so the default suits local use too.",
)
BEHIND_HTTPS_PROXY = Option(
    "MARJA_BEHIND_HTTPS_PROXY",
    parse_bool,
    "false",
    "Trust X-Forwarded-Proto from the reverse proxy that terminates TLS, redirect "
    "plain HTTP to HTTPS and send HSTS.",
)
LOGIN_FAILURE_LIMIT = Option(
    "MARJA_LOGIN_FAILURE_LIMIT",
    parse_positive_int,
    "5",
    "Failed logins for one user name from one address before login is locked.",
)
LOGIN_LOCKOUT_MINUTES = Option(
    "MARJA_LOGIN_LOCKOUT_MINUTES",
    parse_positive_int,
    "15",
    "How long a locked login stays locked.",
)
TIME_ZONE = Option(
    "MARJA_TIME_ZONE", parse_time_zone, "Asia/Tehran", "Time zone for displayed times."
)
LOG_LEVEL = Option(
    "MARJA_LOG_LEVEL", parse_log_level, "INFO", "Level of the logs written to stderr."
)

MAX_UPLOAD_MB = Option(
    "MARJA_MAX_UPLOAD_MB",
    parse_positive_int,
    "5120",
    "Largest file a publisher may upload, in megabytes; larger uploads are refused "
    "before any byte is stored.",
)
BACKGROUND_ABOVE_MB = Option(
    "MARJA_BACKGROUND_ABOVE_MB",
    parse_positive_int,
    "20",
    "Files larger than this many megabytes are published by the background worker, with "
    "progress shown on the page; smaller ones while the publisher waits.",
)
MAX_COLUMNS = Option(
    "MARJA_MAX_COLUMNS",
    parse_positive_int,
    "1000",
    "Most columns a published file may have.",
)
PUBLISH_MEMORY_MB = Option(
    "MARJA_PUBLISH_MEMORY_MB",
    parse_positive_int,
    "512",
    "Memory DuckDB may use while publishing one file; beyond it, work spills to disk "
    "in the data folder.",
)
QUERY_MEMORY_MB = Option(
    "MARJA_QUERY_MEMORY_MB",
    parse_positive_int,
    "512",
    "Memory DuckDB may use for the queries of one web process together (and for each SQL "
    "sandbox); a query that needs more is stopped with a message.",
)
QUERY_TIMEOUT_SECONDS = Option(
    "MARJA_QUERY_TIMEOUT_SECONDS",
    parse_positive_int,
    "30",
    "Longest a query (rows, aggregates, SQL) may run before it is stopped with a message.",
)
SQL_MAX_ROWS = Option(
    "MARJA_SQL_MAX_ROWS",
    parse_positive_int,
    "10000",
    "Most rows a read-only SQL query returns; the answer says when there were more.",
)
API_RATE_LIMIT_ANONYMOUS = Option(
    "MARJA_API_RATE_LIMIT_ANONYMOUS",
    parse_rate_limit,
    "60/minute",
    "API requests allowed per client address without a token or login, e.g. 60/minute.",
)
API_RATE_LIMIT_TOKEN = Option(
    "MARJA_API_RATE_LIMIT_TOKEN",
    parse_rate_limit,
    "600/minute",
    "API requests allowed per API token (and per logged-in user), e.g. 600/minute.",
)
RATE_LIMIT_STORAGE = Option(
    "MARJA_RATE_LIMIT_STORAGE",
    parse_rate_limit_storage,
    "memory://",
    "Where API rate-limit counters are kept: memory:// (per process) or redis://host:6379.",
)
INSTANCE_NAME = Option(
    "MARJA_INSTANCE_NAME",
    str.strip,
    "marja",
    "The instance's name, as its signed ledger checkpoints and receipts state it, e.g. "
    "marja — Tehran province. Receipts stay valid if it changes later.",
)
LEDGER_CHECKPOINT_EVERY = Option(
    "MARJA_LEDGER_CHECKPOINT_EVERY",
    parse_positive_int,
    "1000",
    "The ledger's head is signed every this many entries, every hour, and at once after "
    "each published version.",
)

ALL_OPTIONS: tuple[Option[Any], ...] = (
    DATA_DIR,
    DATABASE_URL,
    DEBUG,
    ALLOWED_HOSTS,
    CSRF_TRUSTED_ORIGINS,
    SECURE_COOKIES,
    BEHIND_HTTPS_PROXY,
    LOGIN_FAILURE_LIMIT,
    LOGIN_LOCKOUT_MINUTES,
    TIME_ZONE,
    LOG_LEVEL,
    MAX_UPLOAD_MB,
    BACKGROUND_ABOVE_MB,
    MAX_COLUMNS,
    PUBLISH_MEMORY_MB,
    QUERY_MEMORY_MB,
    QUERY_TIMEOUT_SECONDS,
    SQL_MAX_ROWS,
    API_RATE_LIMIT_ANONYMOUS,
    API_RATE_LIMIT_TOKEN,
    RATE_LIMIT_STORAGE,
    INSTANCE_NAME,
    LEDGER_CHECKPOINT_EVERY,
)


def secret_key(data_dir: Path) -> str:
    """The instance's secret key, generated once into the data folder (mode 0600)."""
    import secrets

    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Written whole to a private temporary file, then linked into place: when two
    # processes start at once, one key wins and both read it complete.
    tmp = data_dir / f".secret_key.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink()
    return key
