from django.urls import include, path

from . import views, views_dashboard

app_name = "supervision"

urlpatterns = [
    path("escalated/", views.EscalatedListView.as_view(), name="escalated"),
    path("dashboard/", views_dashboard.DashboardView.as_view(), name="dashboard"),
    path("dashboard/slips/", views_dashboard.DashboardSlipsView.as_view(), name="dashboard_slips"),
    path(
        "dashboard/problems/",
        views_dashboard.DashboardProblemsView.as_view(),
        name="dashboard_problems",
    ),
    path(
        "dashboard/targets/",
        views_dashboard.DashboardTargetsView.as_view(),
        name="dashboard_targets",
    ),
    # Bulletins and evaluations; analytics. Their names are in this namespace too.
    path("", include("supervision.urls_reports")),
    path("analytics/", include("supervision.urls_analytics")),
]
