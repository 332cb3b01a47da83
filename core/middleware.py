from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequiredMiddleware
from django.http import HttpResponse

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
