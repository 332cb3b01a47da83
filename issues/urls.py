from django.urls import path

from . import views

app_name = "issues"

urlpatterns = [
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
]
