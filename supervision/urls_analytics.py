from django.urls import path

from . import views_analytics

urlpatterns = [
    path("", views_analytics.AnalyticsFiguresView.as_view(), name="analytics"),
    path(
        "problems/",
        views_analytics.AnalyticsProblemsView.as_view(),
        name="analytics_problems",
    ),
]
