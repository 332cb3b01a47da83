from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("problems/new/", views.PortalProblemCreateView.as_view(), name="problem_create"),
    path("problems/<int:pk>/", views.PortalProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/rate/", views.PortalProblemRateView.as_view(), name="problem_rate"),
]
