from django.urls import path

from marja.budget import views

app_name = "budget"
urlpatterns = [
    path("budget/", views.cycle_list, name="cycles"),
    path("budget/<slug:cycle>/", views.cycle_detail, name="cycle"),
    path("budget/<slug:cycle>/compare/", views.compare, name="compare"),
    path("budget/<slug:cycle>/publish/", views.final_publish, name="final_publish"),
    path("budget/<slug:cycle>/scenarios/new/", views.scenario_edit, name="scenario_new"),
    path("budget/<slug:cycle>/scenarios/<int:number>/", views.scenario_detail, name="scenario"),
    path(
        "budget/<slug:cycle>/scenarios/<int:number>/edit/",
        views.scenario_edit,
        name="scenario_edit",
    ),
    path(
        "budget/<slug:cycle>/scenarios/<int:number>/compute/",
        views.scenario_compute,
        name="scenario_compute",
    ),
    path(
        "budget/<slug:cycle>/scenarios/<int:number>/consultation/",
        views.scenario_consult,
        name="scenario_consult",
    ),
    path(
        "budget/<slug:cycle>/scenarios/<int:number>/comments/",
        views.scenario_comment,
        name="scenario_comment",
    ),
    path(
        "budget/<slug:cycle>/scenarios/<int:number>/session/",
        views.session_open,
        name="session_open",
    ),
    path(
        "budget/<slug:cycle>/scenarios/<int:number>/session/vote/",
        views.session_vote,
        name="session_vote",
    ),
    path(
        "budget/<slug:cycle>/scenarios/<int:number>/session/close/",
        views.session_close,
        name="session_close",
    ),
    path(
        "budget/<slug:cycle>/counties/<slug:county>/projects/",
        views.county_projects,
        name="county_projects",
    ),
]
