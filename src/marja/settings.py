"""Django settings, read from the environment through :mod:`marja.config`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from marja import config

PACKAGE_DIR = Path(__file__).resolve().parent
# The source checkout (for node_modules); marja runs from its repository.
PROJECT_DIR = PACKAGE_DIR.parent.parent

DATA_DIR = config.DATA_DIR.read()
DEBUG = config.DEBUG.read()
SECRET_KEY = config.secret_key(DATA_DIR)
ALLOWED_HOSTS = config.ALLOWED_HOSTS.read()
CSRF_TRUSTED_ORIGINS = config.CSRF_TRUSTED_ORIGINS.read()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    # django-ninja's app only serves its bundled Swagger UI files (no CDN).
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "marja.accounts",
    "marja.ledger",
    "marja.catalog",
    "marja.ingest",
    "marja.query",
    "marja.search",
    "marja.indicators",
    "marja.budget",
    "marja.web",
]

# Background jobs (large publications, scheduled pulls): Django's task interface with a
# database-backed queue; `marja serve` starts the worker. Queued jobs survive a restart.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

MAX_UPLOAD_BYTES = config.MAX_UPLOAD_MB.read() * 1024 * 1024
BACKGROUND_ABOVE_BYTES = config.BACKGROUND_ABOVE_MB.read() * 1024 * 1024
MAX_COLUMNS = config.MAX_COLUMNS.read()
PUBLISH_MEMORY_MB = config.PUBLISH_MEMORY_MB.read()
QUERY_MEMORY_MB = config.QUERY_MEMORY_MB.read()
QUERY_TIMEOUT_SECONDS = config.QUERY_TIMEOUT_SECONDS.read()
SQL_MAX_ROWS = config.SQL_MAX_ROWS.read()
# The trust ledger (marja.ledger): the name its signatures state, and how often it signs.
INSTANCE_NAME = config.INSTANCE_NAME.read() or "marja"
LEDGER_CHECKPOINT_EVERY = config.LEDGER_CHECKPOINT_EVERY.read()
# Uploaded files go to disk in chunks, never into memory whole.
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "uploads"
FILE_UPLOAD_TEMP_DIR.mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_HANDLERS = ["marja.ingest.upload_handlers.LimitedUploadHandler"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marja.web.locale.PersianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Per-token and per-address limits of everything under /api/ (429, RateLimit-* headers).
    "marja.api.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "marja.web.middleware.ContentSecurityPolicyMiddleware",
    "marja.web.middleware.RejectNulMiddleware",
    # Last, so that it sees failed logins after every other middleware has run.
    "axes.middleware.AxesMiddleware",
]

# API rate limits (marja.api.ratelimit): per token or logged-in user, else per address.
API_RATE_LIMIT_ANONYMOUS = config.API_RATE_LIMIT_ANONYMOUS.read()
API_RATE_LIMIT_TOKEN = config.API_RATE_LIMIT_TOKEN.read()
API_RATE_LIMIT_STORAGE = config.RATE_LIMIT_STORAGE.read()
# Behind the TLS proxy, the client address is the one it appends to X-Forwarded-For.
API_RATE_LIMIT_TRUST_FORWARDED_FOR = config.BEHIND_HTTPS_PROXY.read()

ROOT_URLCONF = "marja.urls"
WSGI_APPLICATION = "marja.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["marja.web.templatetags.marja"],
        },
    }
]

_database_url = config.DATABASE_URL.read()
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "marja.sqlite3"),
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE transactions
                # take the write lock up front instead of failing mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Login rate limiting (django-axes): lock a user name from an address after N failures.
AXES_FAILURE_LIMIT = config.LOGIN_FAILURE_LIMIT.read()
AXES_COOLOFF_TIME = timedelta(minutes=config.LOGIN_LOCKOUT_MINUTES.read())
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "marja.accounts.views.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = config.TIME_ZONE.read()
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/vazirmatn", PROJECT_DIR / "node_modules" / "vazirmatn" / "fonts"),
    # Resumable uploads in the browser (tus protocol), from npm.
    ("vendor/tus", PROJECT_DIR / "node_modules" / "tus-js-client" / "dist"),
    # Charts of aggregates in the dataset page, from npm.
    ("vendor/chartjs", PROJECT_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Cookies and headers: secure by default.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = config.SECURE_COOKIES.read()
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if config.BEHIND_HTTPS_PROXY.read():
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": config.LOG_LEVEL.read()},
}
CSRF_FAILURE_VIEW = "marja.web.views.csrf_failure"
