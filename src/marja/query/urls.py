from django.urls import path

from marja.query import sql_views, views

app_name = "query"
urlpatterns = [
    path("datasets/<slug:slug>/data/", views.explore, name="explore"),
    path("sql/", sql_views.sql_page, name="sql"),
]
