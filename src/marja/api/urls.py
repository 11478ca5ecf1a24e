from django.urls import path
from django.views.generic import RedirectView

from marja.api.ckan import action as ckan_action
from marja.api.ckan import api_version as ckan_api_version
from marja.api.dcat import catalog as dcat_catalog
from marja.api.main import api
from marja.api.uploads import upload, uploads

urlpatterns = [
    path("api/v1/", api.urls),
    # Resumable uploads (tus 1.0), for the publish page and token clients (docs/publishing.md).
    path("api/v1/uploads/", uploads, name="uploads"),
    path("api/v1/uploads/<uuid:pk>", upload, name="upload"),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api_docs"),
    # The CKAN Action API face (docs/ckan.md); no trailing slash, as CKAN clients call it.
    path("api/action/<str:name>", ckan_action, name="ckan_action"),
    path("api/3/action/<str:name>", ckan_action, name="ckan_action_3"),
    path("api/3", ckan_api_version, name="ckan_api_version"),
    # The DCAT-AP 3 catalogue of public datasets (docs/ckan.md).
    path("catalog", dcat_catalog, name="dcat_catalog"),
    path("catalog.<str:extension>", dcat_catalog, name="dcat_catalog_file"),
]
