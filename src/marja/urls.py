"""Top-level URLs: pages of each app, the admin, the language switch."""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("marja.web.urls")),
    path("", include("marja.api.urls")),
    path("", include("marja.query.urls")),
    path("", include("marja.search.urls")),
    path("", include("marja.catalog.urls")),
    path("", include("marja.ingest.urls")),
    path("", include("marja.ledger.urls")),
    path("", include("marja.indicators.urls")),
    path("", include("marja.budget.urls")),
    path("accounts/", include("marja.accounts.urls")),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]

handler400 = "marja.web.views.bad_request"
handler403 = "marja.web.views.permission_denied"
handler404 = "marja.web.views.page_not_found"
handler500 = "marja.web.views.server_error"
