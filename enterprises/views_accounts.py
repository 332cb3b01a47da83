"""The office makes and keeps the firms' accounts: one from a firm's file, many from a list of
credit codes, a new initial password, deactivate and reactivate; and the page that shows the
initial passwords once (see credentials.py for how they get there and how they are forgotten).

Every method that holds initial passwords is ``sensitive_variables()``: an error report shows
none of its variables, nor those of anything it calls. No password is ever posted to these
views (the office makes them), so there is no POST parameter to hide.

The forms that make accounts or passwords carry a one-time token (``OnceFormMixin``): the same
form sent twice (a double click) makes them once, and the second request goes to the page of
the first (``_already_sent``) without touching the set the first one stored.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables

from core.http import client_ip, id_or_none

from . import credentials
from .accounts import (
    BULK_MAX,
    FormAlreadySent,
    firm_account_active_set,
    firm_account_create,
    firm_account_password_reset,
    firm_accounts_create_bulk,
    firm_accounts_plan,
    firm_contact_for_account,
)
from .exporting import credentials_xlsx
from .forms import AccountResetForm, BulkAccountsForm, FirmAccountForm, form_errors_add
from .selectors import (
    enterprise_get_visible,
    enterprises_visible_to,
    firm_account_get,
    firm_accounts_manageable,
)
from .views import xlsx_response


def login_url() -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('login')}"


class AccountsManagerMixin(UserPassesTestMixin):
    """The office and administrators (``firm_accounts_manageable``); 403 for everyone else."""

    raise_exception = True

    def test_func(self):
        return firm_accounts_manageable(self.request.user)


def _already_sent(request, exc: FormAlreadySent):
    """The same form came again: its first request made the accounts and stored their set
    (committed before this request could go on). Take that set into this request's session,
    which is saved after the response, and go to its page; nothing new was made."""
    credentials.credentials_reload(request)
    return redirect("enterprises:accounts_issued", token=exc.token)


@method_decorator(sensitive_variables(), name="post")
class FirmAccountCreateView(AccountsManagerMixin, View):
    """One account for a named person of the firm; the firm's file has the same form."""

    def get(self, request, pk):
        firm = enterprise_get_visible(request.user, pk)
        return self._page(request, firm, FirmAccountForm(initial=FirmAccountForm.initial_for(firm)))

    def post(self, request, pk):
        firm = enterprise_get_visible(request.user, pk)
        form = FirmAccountForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    issued = firm_account_create(
                        enterprise=firm,
                        actor=request.user,
                        ip_address=client_ip(request),
                        **form.cleaned_data,
                    )
                    token = credentials.credentials_keep(
                        request,
                        kind=credentials.SINGLE,
                        issued=[issued],
                        token=form.cleaned_data["once"],
                        firm_id=firm.pk,
                    )
            except FormAlreadySent as exc:
                return _already_sent(request, exc)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                return redirect("enterprises:accounts_issued", token=token)
        messages.error(request, _("No account was made; see the marked fields."))
        return self._page(request, firm, form, status=400)

    def _page(self, request, firm, form, status=200):
        return render(
            request, "enterprises/account_form.html", {"firm": firm, "form": form}, status=status
        )


@method_decorator(sensitive_variables(), name="post")
class FirmAccountResetView(AccountsManagerMixin, View):
    """A new initial password: asked once more (the old password stops working), then made."""

    def get(self, request, pk):
        account = firm_account_get(request.user, pk)
        return self._page(request, account, AccountResetForm())

    def post(self, request, pk):
        account = firm_account_get(request.user, pk)
        form = AccountResetForm(request.POST)
        if not form.is_valid():
            return self._page(request, account, form, status=400)
        try:
            with transaction.atomic():
                issued = firm_account_password_reset(
                    account=account,
                    actor=request.user,
                    ip_address=client_ip(request),
                    once=form.cleaned_data["once"],
                )
                token = credentials.credentials_keep(
                    request,
                    kind=credentials.RESET,
                    issued=[issued],
                    token=form.cleaned_data["once"],
                    firm_id=account.enterprise_id,
                )
        except FormAlreadySent as exc:
            return _already_sent(request, exc)
        return redirect("enterprises:accounts_issued", token=token)

    def _page(self, request, account, form, status=200):
        return render(
            request,
            "enterprises/account_reset.html",
            {"account": account, "form": form},
            status=status,
        )


class FirmAccountActiveView(AccountsManagerMixin, View):
    def post(self, request, pk):
        account = firm_account_get(request.user, pk)
        active = request.POST.get("active") == "1"
        user = firm_account_active_set(
            account=account, active=active, actor=request.user, ip_address=client_ip(request)
        )
        if active:
            messages.success(request, _("%(user)s can log in again.") % {"user": user})
        else:
            messages.success(request, _("%(user)s can no longer log in.") % {"user": user})
        return redirect("enterprises:detail", pk=account.enterprise_id)


@method_decorator(sensitive_variables(), name="post")
class AccountsBulkView(AccountsManagerMixin, View):
    """Accounts for many firms: the credit codes of the firms ticked on the list of firms, or
    pasted from a spreadsheet; checked first (who gets one, who is skipped and why), then
    made all at once."""

    def get(self, request):
        ids = [i for i in map(id_or_none, request.GET.getlist("firm")) if i][: BULK_MAX * 2]
        codes = list(
            enterprises_visible_to(request.user)
            .filter(pk__in=ids)
            .order_by("town__sort_order", "name")
            .values_list("credit_code", flat=True)
        )
        form = BulkAccountsForm(initial={"codes": "\n".join(codes)})
        return self._page(request, form)

    def post(self, request):
        form = BulkAccountsForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        codes = form.cleaned_data["codes"]
        if request.POST.get("action") == "create":
            try:
                with transaction.atomic():
                    result = firm_accounts_create_bulk(
                        credit_codes=codes,
                        actor=request.user,
                        ip_address=client_ip(request),
                        once=form.cleaned_data["once"],
                    )
                    token = credentials.credentials_keep(
                        request,
                        kind=credentials.BULK,
                        issued=result.issued,
                        token=form.cleaned_data["once"],
                        skipped=[
                            {"firm": firm.name, "credit_code": firm.credit_code, "reason": reason}
                            for firm, reason in result.skipped
                        ],
                    )
            except FormAlreadySent as exc:
                return _already_sent(request, exc)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                return redirect("enterprises:accounts_issued", token=token)
        plan = firm_accounts_plan(codes)
        rows = [(firm, *firm_contact_for_account(firm)) for firm in plan.create]
        status = 400 if request.POST.get("action") == "create" else 200
        return self._page(request, form, plan=plan, rows=rows, status=status)

    def _page(self, request, form, *, plan=None, rows=(), status=200):
        return render(
            request,
            "enterprises/accounts_bulk.html",
            {"form": form, "plan": plan, "rows": rows, "bulk_max": BULK_MAX},
            status=status,
        )


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_variables(), name="get")
class AccountsIssuedView(AccountsManagerMixin, View):
    """The initial passwords just made, once: a printable notice for one account, or the list
    of a bulk run with its .xlsx."""

    def get(self, request, token):
        entry = credentials.credentials_take(request, token)
        if entry is None:
            return render(
                request,
                "enterprises/accounts_issued_gone.html",
                {
                    "token": token,
                    "downloadable": credentials.credentials_still_downloadable(request, token),
                },
                status=410,
            )
        template = (
            "enterprises/accounts_issued.html"
            if entry["kind"] == credentials.BULK
            else "enterprises/account_notice.html"
        )
        return render(
            request,
            template,
            {
                "entry": entry,
                "token": token,
                "login_url": login_url(),
                "is_reset": entry["kind"] == credentials.RESET,
            },
        )


@method_decorator(never_cache, name="dispatch")
@method_decorator(sensitive_variables(), name="get")
class AccountsIssuedXlsxView(AccountsManagerMixin, View):
    def get(self, request, token):
        entry = credentials.credentials_download(request, token)
        if entry is None:
            return render(
                request,
                "enterprises/accounts_issued_gone.html",
                {"token": token, "downloadable": False},
                status=410,
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(
            credentials_xlsx(entry["rows"], login_url=login_url()), f"企业账号-{stamp}.xlsx"
        )
