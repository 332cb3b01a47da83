"""The pairing import pages (included by visits/urls.py, in the "visits" namespace)."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("", views_import.PairingImportView.as_view(), name="pairing_import"),
    path(
        "template/",
        views_import.PairingImportTemplateView.as_view(),
        name="pairing_import_template",
    ),
    path("<int:pk>/", views_import.PairingImportJobView.as_view(), name="pairing_import_job"),
]
