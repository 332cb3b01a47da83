from django.urls import path

from . import views, views_accounts, views_portal

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
    # The firms' accounts, kept by the office.
    path(
        "<int:pk>/accounts/new/",
        views_accounts.FirmAccountCreateView.as_view(),
        name="account_create",
    ),
    path(
        "accounts/<int:pk>/reset/",
        views_accounts.FirmAccountResetView.as_view(),
        name="account_reset",
    ),
    path(
        "accounts/<int:pk>/active/",
        views_accounts.FirmAccountActiveView.as_view(),
        name="account_active",
    ),
    path("accounts/bulk/", views_accounts.AccountsBulkView.as_view(), name="accounts_bulk"),
    path(
        "accounts/issued/<str:token>/",
        views_accounts.AccountsIssuedView.as_view(),
        name="accounts_issued",
    ),
    path(
        "accounts/issued/<str:token>/xlsx/",
        views_accounts.AccountsIssuedXlsxView.as_view(),
        name="accounts_issued_xlsx",
    ),
    # Self-registration (public) and the office's decisions.
    path("register/", views_portal.RegisterView.as_view(), name="register"),
    path("register/done/", views_portal.RegisterDoneView.as_view(), name="register_done"),
    path("registrations/", views_portal.RegistrationListView.as_view(), name="registration_list"),
    path(
        "registrations/<int:pk>/approve/",
        views_portal.RegistrationDecideView.as_view(decision="approve"),
        name="registration_approve",
    ),
    path(
        "registrations/<int:pk>/reject/",
        views_portal.RegistrationDecideView.as_view(decision="reject"),
        name="registration_reject",
    ),
    # The firm's own file in the portal, and its contact corrections.
    path("mine/", views_portal.PortalProfileView.as_view(), name="portal_profile"),
    path("corrections/", views_portal.CorrectionListView.as_view(), name="correction_list"),
    path(
        "corrections/<int:pk>/",
        views_portal.CorrectionDetailView.as_view(),
        name="correction_detail",
    ),
    path(
        "corrections/<int:pk>/approve/",
        views_portal.CorrectionDecideView.as_view(decision="approve"),
        name="correction_approve",
    ),
    path(
        "corrections/<int:pk>/reject/",
        views_portal.CorrectionDecideView.as_view(decision="reject"),
        name="correction_reject",
    ),
]
