"""The firm's side of the portal and the office's decisions on what firms ask: the public
registration page, the firm's own file with its contact corrections, and the office's lists
of registrations and corrections."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from core.http import client_ip

from .corrections import (
    contact_correction_approve,
    contact_correction_propose,
    contact_correction_reject,
)
from .forms import ContactCorrectionForm, RegistrationForm, form_errors_add
from .models import Decision
from .registrations import (
    firm_registration_approve,
    firm_registration_reject,
    firm_registration_submit,
    registration_attempts_exceeded,
    registration_refused_message,
)
from .selectors import (
    contact_correction_get_visible,
    contact_corrections_visible_to,
    firm_accounts_manageable,
    firm_registration_get_visible,
    firm_registrations_visible_to,
    portal_firm_of,
)
from .views_accounts import AccountsManagerMixin

PAGE_SIZE = 30


def _next_or(request, default: str) -> str:
    """Back to the page the decision was made on (the firm's file, a list), if it is ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@method_decorator(login_not_required, name="dispatch")
@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class RegisterView(View):
    """Public: a firm in the file asks for an account; the office decides."""

    def dispatch(self, request, *args, **kwargs):
        # Someone already logged in has an account: registering another here would only leave
        # an inactive one behind. Their own start page instead.
        if request.user.is_authenticated:
            return redirect("core:start")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._page(request, RegistrationForm())

    def post(self, request):
        ip = client_ip(request)
        # Counted and refused before the form is read: beyond the limit nothing is checked, so
        # nothing about the file or the user names is answered.
        if registration_attempts_exceeded(ip):
            typed = {name: request.POST.get(name, "") for name in RegistrationForm.PUBLIC_FIELDS}
            return self._page(
                request,
                RegistrationForm(initial=typed),
                refused=registration_refused_message(),
                status=429,
            )
        form = RegistrationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                firm_registration_submit(
                    credit_code=data["credit_code"],
                    firm_name=data["firm_name"],
                    contact_name=data["contact_name"],
                    mobile=data["mobile"],
                    username=data["username"],
                    password=data["password1"],
                    ip_address=ip,
                )
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                return redirect("enterprises:register_done")
        return self._page(request, form, status=400)

    def _page(self, request, form, *, refused="", status=200):
        return render(
            request,
            "enterprises/register.html",
            {"form": form, "refused": refused},
            status=status,
        )


@method_decorator(login_not_required, name="dispatch")
class RegisterDoneView(TemplateView):
    template_name = "enterprises/register_done.html"


class RegistrationListView(AccountsManagerMixin, View):
    def get(self, request):
        page = Paginator(firm_registrations_visible_to(request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "enterprises/registration_list.html",
            {"page": page, "query": "", "pending": Decision.PENDING},
        )


class RegistrationDecideView(AccountsManagerMixin, View):
    decision = ""  # "approve" or "reject", set in urls.py

    def post(self, request, pk):
        registration = firm_registration_get_visible(request.user, pk)
        ip = client_ip(request)
        try:
            if self.decision == "approve":
                firm_registration_approve(
                    registration=registration, actor=request.user, ip_address=ip
                )
                messages.success(
                    request,
                    _("Approved: %(user)s can now log in for %(firm)s.")
                    % {"user": registration.user.username, "firm": registration.enterprise.name},
                )
            else:
                firm_registration_reject(
                    registration=registration,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    ip_address=ip,
                )
                messages.success(request, _("Rejected; the applicant is told by text message."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(_next_or(request, "enterprises:registration_list"))


class PortalProfileView(View):
    """A firm's own file, read-only, and the form to propose corrections of its contact
    details. Only for an enterprise user linked to a firm."""

    def get(self, request):
        firm = self._firm(request)
        form = ContactCorrectionForm(initial=_contact_of(firm), address_on_file=bool(firm.address))
        return self._page(request, firm, form)

    def post(self, request):
        firm = self._firm(request)
        form = ContactCorrectionForm(request.POST, address_on_file=bool(firm.address))
        if form.is_valid():
            try:
                contact_correction_propose(
                    enterprise=firm,
                    proposed_by=request.user,
                    ip_address=client_ip(request),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(
                    request,
                    _("Sent to the activity office. Your file changes once the office approves."),
                )
                return redirect("enterprises:portal_profile")
        messages.error(request, _("Not sent; see the marked fields."))
        return self._page(request, firm, form, status=400)

    def _firm(self, request):
        firm = portal_firm_of(request.user)
        if firm is None:
            raise PermissionDenied
        return firm

    def _page(self, request, firm, form, status=200):
        corrections = list(contact_corrections_visible_to(request.user)[:10])
        return render(
            request,
            "enterprises/portal_profile.html",
            {
                "firm": firm,
                "years": list(firm.years.order_by("-year")),
                "form": form,
                "corrections": corrections,
                "has_pending": any(c.status == Decision.PENDING for c in corrections),
                "pending": Decision.PENDING,
            },
            status=status,
        )


def _contact_of(firm) -> dict:
    return {
        "contact_person": firm.contact_person,
        "contact_phone": firm.contact_phone,
        "address": firm.address,
    }


class CorrectionListView(AccountsManagerMixin, View):
    def get(self, request):
        page = Paginator(contact_corrections_visible_to(request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "enterprises/correction_list.html",
            {"page": page, "query": "", "pending": Decision.PENDING},
        )


class CorrectionDetailView(View):
    """One correction: the firm's users see their own firm's, the office every firm's; anyone
    else gets 404."""

    def get(self, request, pk):
        correction = contact_correction_get_visible(request.user, pk)
        can_decide = (
            firm_accounts_manageable(request.user) and correction.status == Decision.PENDING
        )
        current = {
            f: getattr(correction.enterprise, f)
            for f in correction.changed_fields()
            if getattr(correction.enterprise, f) != getattr(correction, f"old_{f}")
        }
        return render(
            request,
            "enterprises/correction_detail.html",
            {
                "correction": correction,
                "rows": [{**row, "now": current.get(row["field"])} for row in correction.rows()],
                "can_decide": can_decide,
                "is_office": firm_accounts_manageable(request.user),
            },
        )


class CorrectionDecideView(View):
    decision = ""  # "approve" or "reject", set in urls.py

    def post(self, request, pk):
        # Another firm's correction is 404 before anything else; the firm's own is 403.
        correction = contact_correction_get_visible(request.user, pk)
        if not firm_accounts_manageable(request.user):
            raise PermissionDenied
        ip = client_ip(request)
        try:
            if self.decision == "approve":
                contact_correction_approve(correction=correction, actor=request.user, ip_address=ip)
                messages.success(request, _("Approved: the firm's file is updated."))
            else:
                contact_correction_reject(
                    correction=correction,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                    ip_address=ip,
                )
                messages.success(request, _("Rejected; the firm is told why."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(_next_or(request, "enterprises:correction_list"))
