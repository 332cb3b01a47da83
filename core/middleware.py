from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequiredMiddleware
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

EXPIRED_PARAM = "expired"


class LoginRequiredMiddleware(BaseLoginRequiredMiddleware):
    """Django's: every page needs a login unless its view is ``@login_not_required``. Ours also
    tells the login page when a session timed out (the request still carried its cookie), and
    sends htmx requests to the login page as a whole-page redirect rather than a fragment."""

    def handle_no_permission(self, request, view_func):
        response = super().handle_no_permission(request, view_func)
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            response["Location"] += f"&{EXPIRED_PARAM}=1"
        if request.headers.get("HX-Request"):
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        return response


class PasswordChangeRequiredMiddleware:
    """A user whose password someone else chose (``User.must_change_password``: an initial
    password handed to a firm) reaches only the password-change page and logout until a new
    password is set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in ("password_change", "logout")}
            path = request.path_info
            if path not in allowed and not path.startswith(
                (settings.STATIC_URL or "/static/", "/i18n/")
            ):
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = reverse("password_change")
                    return response
                return redirect("password_change")
        return self.get_response(request)
