"""督查通报 and 考评, in the ``supervision`` namespace (``supervision:bulletin_list``...)."""

from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="bulletin_list"),
    path("bulletins/new/", views.BulletinCreateView.as_view(), name="bulletin_create"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="bulletin_detail"),
    path("bulletins/<int:pk>/edit/", views.BulletinUpdateView.as_view(), name="bulletin_update"),
    path(
        "bulletins/<int:pk>/publish/", views.BulletinPublishView.as_view(), name="bulletin_publish"
    ),
    path("bulletins/<int:pk>/delete/", views.BulletinDeleteView.as_view(), name="bulletin_delete"),
    path("bulletins/<int:pk>/print/", views.BulletinPrintView.as_view(), name="bulletin_print"),
    path("bulletins/<int:pk>/pdf/", views.BulletinPdfView.as_view(), name="bulletin_pdf"),
    path("bulletins/<int:pk>/xlsx/", views.BulletinXlsxView.as_view(), name="bulletin_xlsx"),
    path("evaluations/", views.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/new/", views.EvaluationCreateView.as_view(), name="evaluation_create"),
    path("evaluations/<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path(
        "evaluations/<int:pk>/edit/",
        views.EvaluationUpdateView.as_view(),
        name="evaluation_update",
    ),
    path(
        "evaluations/<int:pk>/publish/",
        views.EvaluationPublishView.as_view(),
        name="evaluation_publish",
    ),
    path("evaluations/<int:pk>/xlsx/", views.EvaluationXlsxView.as_view(), name="evaluation_xlsx"),
]
