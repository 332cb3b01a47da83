from django.urls import path

from . import views, views_attachments, views_slips

app_name = "issues"

urlpatterns = [
    path("problems/", views.ProblemListView.as_view(), name="problem_list"),
    path("problems/new/", views.ProblemCreateView.as_view(), name="problem_create"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem_detail"),
    path(
        "attachments/<int:pk>/",
        views_attachments.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path("batches/", views.BatchListView.as_view(), name="batch_list"),
    path("batches/<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("slips/", views_slips.SlipListView.as_view(), name="slip_list"),
    path("slips/inbox/", views_slips.SlipInboxView.as_view(), name="slip_inbox"),
    path("slips/<int:pk>/", views_slips.SlipDetailView.as_view(), name="slip_detail"),
    path("slips/<int:pk>/do/<slug:key>/", views_slips.SlipActionView.as_view(), name="slip_action"),
    path("slips/<int:pk>/print/", views_slips.SlipPrintView.as_view(), name="slip_print"),
    path("slips/<int:pk>/pdf/", views_slips.SlipPdfView.as_view(), name="slip_pdf"),
]
