"""The symposium and matchmaking meeting pages (included by visits/urls.py, in the "visits"
namespace)."""

from django.urls import path

from . import views_meetings as views

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting_edit"),
    path(
        "<int:pk>/problems/",
        views.MeetingProblemCreateView.as_view(),
        name="meeting_problem_create",
    ),
    path("<int:pk>/issue/", views.MeetingIssueView.as_view(), name="meeting_issue"),
    path("<int:pk>/print/", views.MeetingPrintView.as_view(), name="meeting_print"),
    path("<int:pk>/pdf/", views.MeetingPdfView.as_view(), name="meeting_pdf"),
]
