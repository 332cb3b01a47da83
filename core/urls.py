from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("start/", views.StartView.as_view(), name="start"),
    path("audit/", views.AuditEventListView.as_view(), name="audit_list"),
    path("healthz/", views.HealthView.as_view(), name="health"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read/", views.NotificationReadView.as_view(), name="notifications_read"),
    path(
        "notifications/<int:pk>/open/",
        views.NotificationOpenView.as_view(),
        name="notification_open",
    ),
]
