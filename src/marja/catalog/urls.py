from django.urls import path

from marja.catalog import views

app_name = "catalog"
urlpatterns = [
    path("datasets/new/", views.dataset_create, name="dataset_create"),
    path("datasets/<slug:slug>/", views.dataset_detail, name="dataset"),
    path("datasets/<slug:slug>/edit/", views.dataset_edit, name="dataset_edit"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
]
