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
