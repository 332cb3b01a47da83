from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from core import views as core_views

admin.site.site_header = _("Lin'an enterprise visits: administration")
admin.site.site_title = _("Lin'an enterprise visits")
admin.site.index_title = _("System administration")

urlpatterns = [
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        core_views.PasswordChangeView.as_view(success_url=reverse_lazy("core:start")),
        name="password_change",
    ),
    # One login page for everyone, with the lockout and session-expiry messages.
    path("admin/login/", core_views.AdminLoginView.as_view()),
    path("admin/", admin.site.urls),
    path("enterprises/", include("enterprises.urls")),
    path("issues/", include("issues.urls")),
    path("portal/", include("issues.portal.urls")),
    path("visits/", include("visits.urls")),
    path("supervision/", include("supervision.urls")),
    path("", include("core.urls")),
]

handler403 = "core.views.permission_denied"
