from django.urls import path

from . import views

app_name = "enterprises"

urlpatterns = [
    path("", views.EnterpriseListView.as_view(), name="list"),
    path("export/", views.EnterpriseExportView.as_view(), name="export"),
    path("<int:pk>/", views.EnterpriseDetailView.as_view(), name="detail"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template/", views.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views.ImportJobView.as_view(), name="import_job"),
    path(
        "import/<int:pk>/progress/", views.ImportJobProgressView.as_view(), name="import_progress"
    ),
]
