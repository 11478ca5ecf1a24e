"""Settings for the test suite: marja's own, with static files served from the finders."""

from marja.settings import *  # noqa: F403
from marja.settings import STORAGES

# Pages render {% static %} without a collectstatic manifest; the live server for
# browser tests serves the files straight from the app and node_modules folders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# SQLite tests use a file, as production does: an in-memory database shares one cache
# between threads and reports "table is locked" where a real file waits its turn (WAL,
# busy timeout), so concurrent-publication tests would test the wrong thing.
from marja.settings import DATA_DIR, DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

# The suite calls the API far faster than any client does; the rate-limit tests
# (src/marja/api/tests/test_ratelimit.py) set their own low limits.
API_RATE_LIMIT_ANONYMOUS = API_RATE_LIMIT_TOKEN = "100000/minute"

# Argon2 is deliberately slow; the demo users of every test would cost seconds each.
# Production keeps Argon2 (checked in accounts' test_login).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
