from django.urls import path

from marja.search import views

app_name = "search"
urlpatterns = [
    path("datasets/", views.dataset_search, name="datasets"),
    path("search/suggest/", views.suggest, name="suggest"),
]
