from django.urls import path

from marja.indicators import views

app_name = "indicators"
urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/<slug:plan>/", views.plan_detail, name="plan"),
    path("plans/<slug:plan>/indicators/<str:code>/", views.indicator_detail, name="indicator"),
    path(
        "plans/<slug:plan>/indicators/<str:code>/manage/",
        views.indicator_manage,
        name="indicator_manage",
    ),
    path("counties/", views.county_list, name="counties"),
    path("counties/compare/", views.county_compare, name="compare"),
    path("counties/<slug:county>/", views.county_detail, name="county"),
]
