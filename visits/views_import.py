"""The pairing import pages: upload and check, preview and confirm, the template."""

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.forms import BootstrapFormMixin
from core.http import client_ip

from .importing import (
    pairing_import_confirm,
    pairing_import_start,
    pairing_import_template_xlsx,
    pairing_imports_visible_to,
)
from .models import PairingImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PairingImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Pairing list (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    end_unlisted = forms.BooleanField(
        label=gettext_lazy(
            "This file is the complete list: end the current pairings it does not list"
        ),
        help_text=gettext_lazy(
            "Leave it unticked to only add and change the pairings in the file. The preview "
            "lists every pairing that would end."
        ),
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into smaller files.")
                % {"mb": limit // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class PairingImportView(PermissionRequiredMixin, View):
    permission_required = "core.import_data"
    raise_exception = True

    def get(self, request):
        return self._page(request, PairingImportForm())

    def post(self, request):
        form = PairingImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form, status=400)
        upload = form.cleaned_data["file"]
        try:
            job = pairing_import_start(
                user=request.user,
                file_name=upload.name,
                content=upload.read(),
                end_unlisted=form.cleaned_data["end_unlisted"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
            return self._page(request, form, status=400)
        return redirect("visits:pairing_import_job", pk=job.pk)

    def _page(self, request, form, status=200):
        jobs = pairing_imports_visible_to(request.user).order_by("-created_at", "-id")[:10]
        return render(
            request, "visits/pairing_import.html", {"form": form, "jobs": jobs}, status=status
        )


class PairingImportTemplateView(PermissionRequiredMixin, View):
    permission_required = "core.import_data"
    raise_exception = True

    def get(self, request):
        response = HttpResponse(pairing_import_template_xlsx(), content_type=XLSX)
        name = quote("挂钩关系导入模板.xlsx")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return response


class PairingImportJobView(PermissionRequiredMixin, View):
    permission_required = "core.import_data"
    raise_exception = True
    page_size = 100

    def get(self, request, pk):
        job = self._job(request, pk)
        report = job.report or {}
        # One list to page through: the errors when there are any, else what changes.
        if report.get("error_count"):
            rows = report.get("errors", [])
        else:
            rows = [change[:8] for change in report.get("changes", [])]
            rows += [
                [None, code, firm, cadre, unit, tier, "end", start]
                for code, firm, cadre, unit, tier, start in report.get("ending", [])
            ]
        page = Paginator(rows, self.page_size).get_page(request.GET.get("page"))
        return render(
            request,
            "visits/pairing_import_job.html",
            {
                "job": job,
                "report": report,
                "page": page,
                "query": "",
                "ending_more": report.get("ended", 0) - len(report.get("ending", [])),
            },
        )

    def post(self, request, pk):
        job = self._job(request, pk)
        if job.status != PairingImport.Status.PREVIEW:
            messages.warning(request, _("This file is not waiting for confirmation."))
            return redirect("visits:pairing_import_job", pk=job.pk)
        job = pairing_import_confirm(job=job, user=request.user, ip_address=client_ip(request))
        if job.status == PairingImport.Status.DONE:
            messages.success(request, _("The pairings have been imported."))
        elif (job.report or {}).get("changed_since_preview"):
            messages.warning(
                request,
                _(
                    "Pairings changed since this preview was made, so nothing was imported. "
                    "Below is what the file would do now; check it and confirm again."
                ),
            )
        return redirect("visits:pairing_import_job", pk=job.pk)

    def _job(self, request, pk) -> PairingImport:
        try:
            return pairing_imports_visible_to(request.user).get(pk=pk)
        except PairingImport.DoesNotExist as exc:
            raise Http404 from exc
