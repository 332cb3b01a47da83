"""督查通报 and 考评 pages: the lists, the office's drafts (create, edit, publish), a bulletin as
a page, a print layout, an .xlsx and a PDF; an evaluation as a page and an .xlsx.

Views are thin: the selectors in ``supervision.reports`` decide what the user may read (404
for what is not theirs), the services decide what may be written."""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import View

from core.http import client_ip
from issues.views import add_errors, paginate

from .forms_reports import BulletinForm, EvaluationForm
from .models_reports import WEIGHT_FIELDS, Bulletin, Evaluation
from .reports import (
    bulletin_content,
    bulletin_create,
    bulletin_delete,
    bulletin_get_visible,
    bulletin_period,
    bulletin_publish,
    bulletin_update,
    bulletins_visible_to,
    evaluation_content,
    evaluation_create,
    evaluation_get_visible,
    evaluation_publish,
    evaluation_update,
    evaluations_visible_to,
    may_manage_reports,
    may_read_all_reports,
    may_read_reports,
    reads_as_unit,
    report_dates,
    report_groups,
)
from .reports_export import XLSX, bulletin_pdf, bulletin_xlsx, evaluation_xlsx

PAGE_SIZE = 30


def _reader_required(user) -> None:
    if not may_read_reports(user):
        raise PermissionDenied


def _office_required(user) -> None:
    if not may_manage_reports(user):
        raise PermissionDenied


def _file_response(content: bytes, content_type: str, name: str, *, inline=False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name)}"
    return response


# --- Bulletins -----------------------------------------------------------------------------------


def bulletin_context(request, bulletin: Bulletin) -> dict:
    """Everything the bulletin's page, print layout and PDF show."""
    content = bulletin_content(bulletin)
    overdue = [{**row, "deadline": parse_date(row["deadline"])} for row in content["overdue"]]
    return {
        "bulletin": bulletin,
        "content": content,
        "dates": report_dates(content),
        "groups": report_groups(content["ranking"]),
        "overdue": overdue,
        "period_label": bulletin_period(bulletin).label,
        "own_unit_id": request.user.unit_id if reads_as_unit(request.user) else None,
        "may_manage": may_manage_reports(request.user),
        "reads_all": may_read_all_reports(request.user),
    }


class BulletinListView(View):
    def get(self, request):
        _reader_required(request.user)
        bulletins = bulletins_visible_to(request.user).select_related("published_by")
        page, query = paginate(
            request, bulletins.order_by("status", "-period_start", "-pk"), PAGE_SIZE
        )
        return render(
            request,
            "supervision/bulletin_list.html",
            {"page": page, "query": query, "may_manage": may_manage_reports(request.user)},
        )


class BulletinCreateView(View):
    def get(self, request):
        _office_required(request.user)
        return self._render(request, BulletinForm())

    def post(self, request):
        _office_required(request.user)
        form = BulletinForm(request.POST)
        if form.is_valid():
            try:
                bulletin = bulletin_create(
                    actor=request.user,
                    period_kind=form.cleaned_data["period_kind"],
                    period_key=form.cleaned_data["period_key"],
                    comment=form.cleaned_data["comment"],
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Draft saved. Check the figures, then publish."))
                return redirect("supervision:bulletin_detail", pk=bulletin.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(
            request,
            "supervision/bulletin_form.html",
            {"form": form, "bulletin": None},
            status=status,
        )


class BulletinDetailView(View):
    def get(self, request, pk):
        _reader_required(request.user)
        bulletin = bulletin_get_visible(request.user, pk)
        return render(
            request, "supervision/bulletin_detail.html", bulletin_context(request, bulletin)
        )


class BulletinUpdateView(View):
    def get(self, request, pk):
        bulletin = self._draft(request, pk)
        if bulletin is None:
            return redirect("supervision:bulletin_detail", pk=pk)
        return self._render(request, bulletin, BulletinForm(bulletin=bulletin))

    def post(self, request, pk):
        bulletin = self._draft(request, pk)
        if bulletin is None:
            return redirect("supervision:bulletin_detail", pk=pk)
        form = BulletinForm(request.POST, bulletin=bulletin)
        if form.is_valid():
            try:
                bulletin_update(
                    bulletin=bulletin,
                    actor=request.user,
                    period_kind=form.cleaned_data["period_kind"],
                    period_key=form.cleaned_data["period_key"],
                    comment=form.cleaned_data["comment"],
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("supervision:bulletin_detail", pk=bulletin.pk)
        return self._render(request, bulletin, form, status=400)

    def _draft(self, request, pk):
        _office_required(request.user)
        bulletin = bulletin_get_visible(request.user, pk)
        if bulletin.is_published:
            messages.error(request, _("A published bulletin cannot be changed."))
            return None
        return bulletin

    def _render(self, request, bulletin, form, status=200):
        return render(
            request,
            "supervision/bulletin_form.html",
            {"form": form, "bulletin": bulletin},
            status=status,
        )


class BulletinPublishView(View):
    def post(self, request, pk):
        _office_required(request.user)
        bulletin = bulletin_get_visible(request.user, pk)
        try:
            bulletin = bulletin_publish(
                bulletin=bulletin, actor=request.user, ip_address=client_ip(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Published as %(number)s.") % {"number": bulletin})
        return redirect("supervision:bulletin_detail", pk=bulletin.pk)


class BulletinDeleteView(View):
    def post(self, request, pk):
        _office_required(request.user)
        bulletin = bulletin_get_visible(request.user, pk)
        try:
            bulletin_delete(bulletin=bulletin, actor=request.user, ip_address=client_ip(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("supervision:bulletin_detail", pk=bulletin.pk)
        messages.success(request, _("The draft was discarded."))
        return redirect("supervision:bulletin_list")


class BulletinPrintView(View):
    """The bulletin laid out as the printed document."""

    def get(self, request, pk):
        _reader_required(request.user)
        bulletin = bulletin_get_visible(request.user, pk)
        return render(
            request,
            "supervision/bulletin_print.html",
            {**bulletin_context(request, bulletin), "for_pdf": False},
        )


class BulletinPdfView(View):
    def get(self, request, pk):
        _reader_required(request.user)
        bulletin = bulletin_get_visible(request.user, pk)
        pdf = bulletin_pdf(request, {**bulletin_context(request, bulletin), "for_pdf": True})
        return _file_response(pdf, "application/pdf", f"{bulletin}.pdf", inline=True)


class BulletinXlsxView(View):
    def get(self, request, pk):
        _reader_required(request.user)
        bulletin = bulletin_get_visible(request.user, pk)
        context = bulletin_context(request, bulletin)
        return _file_response(bulletin_xlsx(context), XLSX, f"{bulletin}.xlsx")


# --- Evaluations ---------------------------------------------------------------------------------


def evaluation_context(request, evaluation: Evaluation) -> dict:
    content = evaluation_content(request.user, evaluation)
    own_only = bool(content.get("own_only"))
    return {
        "evaluation": evaluation,
        "content": content,
        "dates": report_dates(content),
        "groups": report_groups(content["groups"]),
        # In the fields' order: a JSON column on PostgreSQL (jsonb) does not keep key order.
        "weights": {name: content["params"]["weights"][name] for name in WEIGHT_FIELDS},
        "own_only": own_only,
        "may_manage": may_manage_reports(request.user),
        "reads_all": may_read_all_reports(request.user),
    }


class EvaluationListView(View):
    def get(self, request):
        _reader_required(request.user)
        evaluations = evaluations_visible_to(request.user).select_related("published_by")
        page, query = paginate(request, evaluations.order_by("-year"), PAGE_SIZE)
        return render(
            request,
            "supervision/evaluation_list.html",
            {
                "page": page,
                "query": query,
                "may_manage": may_manage_reports(request.user),
                "as_unit": reads_as_unit(request.user),
            },
        )


class EvaluationCreateView(View):
    def get(self, request):
        _office_required(request.user)
        return self._render(request, EvaluationForm())

    def post(self, request):
        _office_required(request.user)
        form = EvaluationForm(request.POST)
        if form.is_valid():
            try:
                evaluation = evaluation_create(
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    weights=form.weights(),
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Weights saved. Check the scores, then publish."))
                return redirect("supervision:evaluation_detail", pk=evaluation.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(
            request,
            "supervision/evaluation_form.html",
            {"form": form, "evaluation": None},
            status=status,
        )


class EvaluationDetailView(View):
    def get(self, request, pk):
        _reader_required(request.user)
        evaluation = evaluation_get_visible(request.user, pk)
        return render(
            request,
            "supervision/evaluation_detail.html",
            evaluation_context(request, evaluation),
        )


class EvaluationUpdateView(View):
    def get(self, request, pk):
        evaluation = self._draft(request, pk)
        if evaluation is None:
            return redirect("supervision:evaluation_detail", pk=pk)
        return self._render(request, evaluation, EvaluationForm(evaluation=evaluation))

    def post(self, request, pk):
        evaluation = self._draft(request, pk)
        if evaluation is None:
            return redirect("supervision:evaluation_detail", pk=pk)
        form = EvaluationForm(request.POST, evaluation=evaluation)
        if form.is_valid():
            try:
                evaluation_update(
                    evaluation=evaluation,
                    actor=request.user,
                    weights=form.weights(),
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Weights saved."))
                return redirect("supervision:evaluation_detail", pk=evaluation.pk)
        return self._render(request, evaluation, form, status=400)

    def _draft(self, request, pk):
        _office_required(request.user)
        evaluation = evaluation_get_visible(request.user, pk)
        if evaluation.is_published:
            messages.error(request, _("A published evaluation cannot be changed."))
            return None
        return evaluation

    def _render(self, request, evaluation, form, status=200):
        return render(
            request,
            "supervision/evaluation_form.html",
            {"form": form, "evaluation": evaluation},
            status=status,
        )


class EvaluationPublishView(View):
    def post(self, request, pk):
        _office_required(request.user)
        evaluation = evaluation_get_visible(request.user, pk)
        try:
            evaluation_publish(
                evaluation=evaluation, actor=request.user, ip_address=client_ip(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The evaluation is published."))
        return redirect("supervision:evaluation_detail", pk=evaluation.pk)


class EvaluationXlsxView(View):
    """The whole table: for the office and leaders (a unit reads only its own row)."""

    def get(self, request, pk):
        _reader_required(request.user)
        evaluation = evaluation_get_visible(request.user, pk)
        if not may_read_all_reports(request.user):
            raise PermissionDenied
        context = evaluation_context(request, evaluation)
        return _file_response(evaluation_xlsx(context), XLSX, f"{evaluation}.xlsx")
