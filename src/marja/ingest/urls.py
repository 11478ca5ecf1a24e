from django.urls import path

from marja.ingest import grant_views, views

app_name = "ingest"
urlpatterns = [
    path("datasets/<slug:slug>/publish/", views.publish, name="publish"),
    path(
        "datasets/<slug:slug>/publications/<uuid:pk>/",
        views.publication_detail,
        name="publication",
    ),
    path(
        "datasets/<slug:slug>/publications/<uuid:pk>/report.json",
        views.publication_json,
        name="publication_json",
    ),
    path(
        "datasets/<slug:slug>/publications/<uuid:pk>/bad-rows.csv",
        views.bad_rows_csv,
        name="bad_rows",
    ),
    path(
        "datasets/<slug:slug>/publications/<uuid:pk>/retry/",
        views.publication_retry,
        name="publication_retry",
    ),
    path("datasets/<slug:slug>/versions/", views.version_list, name="versions"),
    path("datasets/<slug:slug>/versions/<int:number>/", views.version_detail, name="version"),
    path(
        "datasets/<slug:slug>/versions/<int:number>/data.parquet",
        views.version_download,
        name="version_download",
    ),
    path(
        "datasets/<slug:slug>/versions/<int:number>/receipt.json",
        views.version_receipt,
        name="version_receipt",
    ),
    path("datasets/<slug:slug>/access/", grant_views.grants, name="grants"),
    path(
        "datasets/<slug:slug>/access/<int:pk>/revoke/",
        grant_views.grant_revoke,
        name="grant_revoke",
    ),
    path("datasets/<slug:slug>/reads/", grant_views.reads, name="reads"),
    path("datasets/<slug:slug>/schema/", views.schema_edit, name="schema"),
    path("datasets/<slug:slug>/schema.json", views.dataset_schema_json, name="schema_json"),
    path("datasets/<slug:slug>/source/", views.source_edit, name="source"),
    path("datasets/<slug:slug>/source/pull/", views.source_pull_now, name="source_pull"),
]
