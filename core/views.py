"""Login, the home page, the audit log, and the pages shown when something is refused."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import requires_csrf_token
from django.views.generic import RedirectView, TemplateView

from . import audit
from .forms import AuditFilterForm, LoginForm, PasswordChangeForm
from .http import client_ip, id_or_none
from .middleware import EXPIRED_PARAM
from .navigation import sections_for, start_url_for
from .roles import user_roles
from .selectors import audit_events_filter, audit_events_visible_to
from .services import audit_record, password_change


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Set by our LoginRequiredMiddleware when a request came with a session that timed out.
        expired = self.request.GET.get(EXPIRED_PARAM) == "1"
        return super().get_context_data(session_expired=expired, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes shows a locked account: the login page, saying so and for how long."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_out": True,
            "lockout_message": _(
                "Too many failed logins: this account is locked for %(minutes)d minutes. "
                "Try again later, or ask your administrator to unlock it."
            )
            % {"minutes": minutes},
        },
        status=429,
    )


@method_decorator(login_not_required, name="dispatch")
class AdminLoginView(RedirectView):
    """The admin's login goes to the one login page. Someone already logged in who lands here
    was sent by the admin because the account may not use it: that is a refusal, not a login
    (redirecting would loop between the two login pages)."""

    pattern_name = "login"
    query_string = True

    def get(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            raise PermissionDenied
        return super().get(request, *args, **kwargs)


class StartView(View):
    """After login: the start page of the user's role."""

    def get(self, request):
        return redirect(start_url_for(request.user))


class HomeView(TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            roles=[role.label for role in user_roles(user)],
            sections=sections_for(user),
            **kwargs,
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm

    def form_valid(self, form):
        password_change(user=self.request.user, form=form, ip_address=client_ip(self.request))
        # Same as Django's own view: keep this session, end the others.
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())


class AuditEventListView(PermissionRequiredMixin, View):
    permission_required = "core.view_auditevent"
    raise_exception = True
    page_size = 50

    def get(self, request):
        form = AuditFilterForm(request.GET or None)
        events = audit_events_visible_to(request.user)
        if form.is_bound and form.is_valid():
            events = audit_events_filter(events, **form.cleaned_data)
        page = Paginator(events, self.page_size).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "core/audit_list.html",
            {"form": form, "page": page, "query": query.urlencode()},
        )


# --- Refusals -------------------------------------------------------------------------------


@login_not_required
@requires_csrf_token
def permission_denied(request, exception=None):
    """403: a clear page, and the attempt in the audit log."""
    user = getattr(request, "user", None)
    audit_record(
        actor=user,
        action=audit.PERMISSION_DENIED,
        object_type="url",
        object_repr=request.get_full_path()[:200],
        after={"method": request.method, "path": request.path[:500]},
        ip_address=client_ip(request),
    )
    return render(request, "403.html", status=403)


@login_not_required
def csrf_failure(request, reason=""):
    """A form came back without a valid CSRF token: usually a page left open too long."""
    user = getattr(request, "user", None)
    audit_record(
        actor=user,
        action=audit.CSRF_FAILED,
        object_type="url",
        object_repr=request.path[:200],
        after={"method": request.method, "path": request.path[:500], "reason": reason[:200]},
        ip_address=client_ip(request),
    )
    return render(request, "403_csrf.html", status=403)


@method_decorator(login_not_required, name="dispatch")
class HealthView(View):
    """For the load balancer and `make run`: the app answers and reaches its database."""

    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})


class NotificationListView(View):
    """The notification centre: the user's notices, newest first, unread marked."""

    page_size = 30

    def get(self, request):
        from django.core.paginator import Paginator

        from .models import Notification

        notices = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
        page = Paginator(notices, self.page_size).get_page(request.GET.get("page"))
        return render(request, "core/notification_list.html", {"page": page, "query": ""})


class NotificationReadView(View):
    """Mark all the user's notices read (or those posted as ``id``)."""

    def post(self, request):
        from .notifications import notifications_mark_read

        ids = [i for i in map(id_or_none, request.POST.getlist("id")) if i] or None
        notifications_mark_read(user=request.user, ids=ids)
        return redirect("core:notifications")


class NotificationOpenView(View):
    """Open a notice: mark it read and go where it points (only within this site)."""

    def post(self, request, pk):
        from django.http import Http404

        from .models import Notification
        from .notifications import notifications_mark_read

        notice = Notification.objects.filter(pk=pk, recipient=request.user).first()
        if notice is None:
            raise Http404
        notifications_mark_read(user=request.user, ids=[notice.pk])
        if notice.url.startswith("/") and not notice.url.startswith("//"):
            return redirect(notice.url)
        return redirect("core:notifications")
