from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("escalated/", views.EscalatedListView.as_view(), name="escalated"),
]
