"""The firm list, a firm's file, export, and the import pages."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.http import client_ip
from core.models import Unit

from .codes import phone_mask
from .exporting import enterprises_export_xlsx, import_template_xlsx
from .file_sections import file_sections_for
from .forms import EnterpriseFilterForm, ImportUploadForm
from .history import change_rows
from .models import EnterpriseRevision, ImportJob
from .selectors import (
    enterprise_get_visible,
    enterprises_filter,
    enterprises_visible_to,
    firm_accounts_manageable,
    history_visible,
    import_jobs_visible_to,
    phone_visible_in_full,
    requests_pending_counts,
    with_account_counts,
)
from .services import enterprise_export_record, import_job_confirm, import_job_start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


class EnterpriseListView(PermissionRequiredMixin, View):
    permission_required = "core.view_all_enterprises"
    raise_exception = True
    page_size = 30

    def get(self, request):
        form = EnterpriseFilterForm(request.GET or None)
        firms = enterprises_filter(enterprises_visible_to(request.user), **form.filters())
        firms = firms.select_related("town", "industry").order_by("town__sort_order", "name", "pk")
        manage_accounts = firm_accounts_manageable(request.user)
        if manage_accounts:
            firms = with_account_counts(firms)
        page = Paginator(firms, self.page_size).get_page(request.GET.get("page"))
        full_phone = phone_visible_in_full(request.user)
        for firm in page:
            firm.phone_shown = firm.contact_phone if full_phone else phone_mask(firm.contact_phone)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "enterprises/enterprise_list.html",
            {
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "can_import": request.user.has_perm("core.import_data"),
                "manage_accounts": manage_accounts,
                "pending": requests_pending_counts() if manage_accounts else None,
            },
        )


class EnterpriseExportView(PermissionRequiredMixin, View):
    permission_required = "core.view_all_enterprises"
    raise_exception = True

    def get(self, request):
        form = EnterpriseFilterForm(request.GET or None)
        filters = form.filters()
        firms = enterprises_filter(enterprises_visible_to(request.user), **filters)
        content = enterprises_export_xlsx(firms, mask_phone=not phone_visible_in_full(request.user))
        enterprise_export_record(
            actor=request.user, count=firms.count(), filters=filters, ip_address=client_ip(request)
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(content, f"企业名单-{stamp}.xlsx")


class EnterpriseDetailView(View):
    def get(self, request, pk):
        firm = enterprise_get_visible(request.user, pk)
        years = list(firm.years.order_by("year"))
        chart = {
            "years": [str(y.year) for y in years],
            "series": [
                {"name": _("Output value"), "data": [_num(y.output_value) for y in years]},
                {"name": _("Sales"), "data": [_num(y.sales) for y in years]},
                {"name": _("Tax"), "data": [_num(y.tax) for y in years]},
                {"name": _("Profit"), "data": [_num(y.profit) for y in years]},
            ],
            "unit": _("10k yuan"),
        }
        revisions = []
        if history_visible(request.user):
            revisions = list(
                firm.revisions.select_related("actor", "actor__unit").order_by("-created_at")[:50]
            )
        full_phone = phone_visible_in_full(request.user)
        return render(
            request,
            "enterprises/enterprise_detail.html",
            {
                "firm": firm,
                "phone_shown": firm.contact_phone if full_phone else phone_mask(firm.contact_phone),
                "years": years,
                "chart": chart,
                "revisions": [_revision_rows(r) for r in revisions],
                "show_history": history_visible(request.user),
                "sections": file_sections_for(request, firm),
            },
        )


def _num(value):
    return float(value) if value is not None else None


def _revision_rows(revision: EnterpriseRevision) -> dict:
    return {"revision": revision, "rows": change_rows(revision.changes)}


class ImportView(PermissionRequiredMixin, View):
    permission_required = "core.import_data"
    raise_exception = True

    def get(self, request):
        return self._page(request, ImportUploadForm())

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            job = import_job_start(user=request.user, file_name=upload.name, content=upload.read())
        except ValidationError as exc:
            form.add_error("file", exc)
            return self._page(request, form, status=400)
        return redirect("enterprises:import_job", pk=job.pk)

    def _page(self, request, form, status=200):
        jobs = import_jobs_visible_to(request.user).order_by("-created_at")[:10]
        return render(
            request, "enterprises/import.html", {"form": form, "jobs": jobs}, status=status
        )


class ImportTemplateView(PermissionRequiredMixin, View):
    permission_required = "core.import_data"
    raise_exception = True

    def get(self, request):
        towns = list(
            Unit.objects.filter(kind=Unit.Kind.TOWN, is_active=True)
            .order_by("sort_order")
            .values_list("name", flat=True)
        )
        return xlsx_response(import_template_xlsx(towns), "企业名单导入模板.xlsx")


class ImportJobView(PermissionRequiredMixin, View):
    permission_required = "core.import_data"
    raise_exception = True
    page_size = 100

    def get(self, request, pk):
        job = self._job(request, pk)
        report = job.report or {}
        changes = report.get("changes", [])
        page = Paginator(changes, self.page_size).get_page(request.GET.get("page"))
        return render(
            request,
            "enterprises/import_job.html",
            {"job": job, "report": report, "page": page, "query": ""},
        )

    def post(self, request, pk):
        job = self._job(request, pk)
        if job.status != ImportJob.Status.PREVIEW:
            messages.warning(request, _("This file is not waiting for confirmation."))
            return redirect("enterprises:import_job", pk=job.pk)
        import_job_confirm(job=job, user=request.user, ip_address=client_ip(request))
        return redirect("enterprises:import_job", pk=job.pk)

    def _job(self, request, pk) -> ImportJob:
        try:
            return import_jobs_visible_to(request.user).get(pk=pk)
        except ImportJob.DoesNotExist as exc:
            raise Http404 from exc


class ImportJobProgressView(ImportJobView):
    """The progress bar, polled by htmx; once the job is done the whole page reloads."""

    def get(self, request, pk):
        job = self._job(request, pk)
        response = render(request, "enterprises/_import_progress.html", {"job": job})
        if not job.is_running:
            response["HX-Refresh"] = "true"
        return response
