"""Symposiums and bank–enterprise matchmaking meetings (座谈会 / 政银企对接会): the office's list,
a meeting with its firms present and the problems each raised, recording those problems, issuing
them as one document, and the document printed (page and PDF)."""

import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from core.http import client_ip, id_or_none
from issues.models import Problem
from issues.services import deadline_days_default
from issues.views_slips import _print_context as slip_print_context

from .forms_meetings import (
    MeetingForm,
    MeetingIssueForm,
    MeetingIssueFormSet,
    MeetingProblemForm,
    handling_unit_choices,
)
from .models import Meeting
from .selectors_meetings import (
    meeting_firms_with_problems,
    meeting_get_visible,
    meeting_problems,
    meeting_slips,
    meetings_listed,
    meetings_visible_to,
)
from .services_meetings import (
    IssueRow,
    MeetingIssueRefused,
    meeting_create,
    meeting_issue,
    meeting_problem_record,
    meeting_update,
)
from .views import paginate


class OfficeMixin(PermissionRequiredMixin):
    permission_required = "core.assign_problems"
    raise_exception = True


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class MeetingListView(OfficeMixin, View):
    page_size = 30

    def get(self, request):
        page, query = paginate(
            request, meetings_listed(meetings_visible_to(request.user)), self.page_size
        )
        return render(request, "visits/meeting_list.html", {"page": page, "query": query})


# --- The meeting ------------------------------------------------------------------------------


class _MeetingFormView(OfficeMixin, View):
    def _render(self, request, form, meeting=None, status=200):
        return render(
            request,
            "visits/meeting_form.html",
            {"form": form, "meeting": meeting},
            status=status,
        )

    def _apply(self, request, form, meeting=None):
        if not form.is_valid():
            return self._render(request, form, meeting, status=400)
        values = {
            **form.meeting_values(),
            "actor": request.user,
            "ip_address": client_ip(request),
        }
        try:
            if meeting is None:
                meeting = meeting_create(**values)
                messages.success(
                    request,
                    _("Meeting recorded with %(count)d firms present. Record their problems below.")
                    % {"count": len(values["firms"])},
                )
            else:
                meeting = meeting_update(meeting=meeting, **values)
                messages.success(request, _("Meeting saved."))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for name, texts in errors.items():
                if name == "firms":
                    name = "firms_text"
                form.add_error(name if name in form.fields else None, texts)
            return self._render(request, form, meeting, status=400)
        return redirect("visits:meeting_detail", pk=meeting.pk)


class MeetingCreateView(_MeetingFormView):
    def get(self, request):
        form = MeetingForm(initial={"kind": Meeting.Kind.SYMPOSIUM})
        return self._render(request, form)

    def post(self, request):
        return self._apply(request, MeetingForm(request.POST))


class MeetingEditView(_MeetingFormView):
    def get(self, request, pk):
        meeting = meeting_get_visible(request.user, pk)
        return self._render(request, MeetingForm(instance=meeting), meeting)

    def post(self, request, pk):
        meeting = meeting_get_visible(request.user, pk)
        # A bound ModelForm writes into its instance: give it a copy, so the service compares
        # the stored meeting with the new values.
        form = MeetingForm(request.POST, instance=Meeting.objects.get(pk=meeting.pk))
        return self._apply(request, form, meeting)


def _render_meeting(request, meeting, form, status=200):
    firms = meeting_firms_with_problems(meeting)
    problems = [p for firm in firms for p in firm.raised]
    return render(
        request,
        "visits/meeting_detail.html",
        {
            "meeting": meeting,
            "firms": firms,
            "form": form,
            "problem_count": len(problems),
            "awaiting_count": sum(1 for p in problems if p.status == Problem.Status.NEW),
            "slip_count": sum(1 for p in problems if p.slip is not None),
            "awaiting": Problem.Status.NEW,
        },
        status=status,
    )


class MeetingDetailView(OfficeMixin, View):
    """The firms present, the problems each raised with where they stand, and the form that
    records the next problem (the firm of the last one preselected)."""

    def get(self, request, pk):
        meeting = meeting_get_visible(request.user, pk)
        initial = {}
        firm = id_or_none(request.GET.get("firm"))
        if firm is not None:
            initial["enterprise"] = firm
        return _render_meeting(
            request, meeting, MeetingProblemForm(meeting=meeting, initial=initial)
        )


class MeetingProblemCreateView(OfficeMixin, View):
    def post(self, request, pk):
        meeting = meeting_get_visible(request.user, pk)
        form = MeetingProblemForm(request.POST, meeting=meeting)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting_problem_record(
                    meeting=meeting,
                    enterprise=data["enterprise"],
                    description=data["description"],
                    category=data["category"],
                    urgency=data["urgency"],
                    actor=request.user,
                    client_token=data.get("client_token"),
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Recorded for %(firm)s; it awaits sorting. Record the next one below.")
                    % {"firm": data["enterprise"].name},
                )
                url = reverse("visits:meeting_detail", args=[meeting.pk])
                return redirect(f"{url}?firm={data['enterprise'].pk}#record")
        messages.error(request, _("Not saved; see the marked fields."))
        return _render_meeting(request, meeting, form, status=400)


# --- Issuing the meeting's problems as one document -------------------------------------------


class MeetingIssueView(OfficeMixin, View):
    """Every problem of the meeting still awaiting sorting, a row each: the lead unit, co-units,
    working days and requirement. All are issued in one batch, or none."""

    def _default_requirement(self, meeting):
        return _(
            "Raised at %(title)s on %(date)s. Contact the firm, solve the problem within the "
            "time allowed and reply to the activity office."
        ) % {"title": meeting.title, "date": meeting.held_on.strftime("%Y-%m-%d")}

    def _formset(self, meeting, data=None, initial=None):
        return MeetingIssueFormSet(
            data,
            initial=initial,
            prefix="rows",
            form_kwargs={"meeting": meeting, "unit_choices": handling_unit_choices()},
        )

    def _render(self, request, meeting, header, formset, status=200):
        ids = [id_or_none(form["problem"].value()) for form in formset.forms]
        problems = {p.pk: p for p in meeting_problems(meeting).filter(pk__in=[i for i in ids if i])}
        rows = [(form, problems.get(pk)) for form, pk in zip(formset.forms, ids, strict=True)]
        return render(
            request,
            "visits/meeting_issue.html",
            {"meeting": meeting, "header": header, "formset": formset, "rows": rows},
            status=status,
        )

    def get(self, request, pk):
        meeting = meeting_get_visible(request.user, pk)
        awaiting = list(meeting_problems(meeting).filter(status=Problem.Status.NEW))
        if not awaiting:
            messages.info(request, _("No problem of this meeting is awaiting sorting."))
            return redirect("visits:meeting_detail", pk=meeting.pk)
        requirement = self._default_requirement(meeting)
        defaults: dict[tuple[str, str], int] = {}
        initial = []
        for problem in awaiting:
            key = (problem.category, problem.urgency)
            if key not in defaults:
                defaults[key] = deadline_days_default(category=key[0], urgency=key[1])
            initial.append(
                {
                    "include": True,
                    "problem": problem.pk,
                    "days": defaults[key],
                    "requirement": requirement,
                }
            )
        header = MeetingIssueForm()
        return self._render(request, meeting, header, self._formset(meeting, initial=initial))

    def post(self, request, pk):
        meeting = meeting_get_visible(request.user, pk)
        header = MeetingIssueForm(request.POST)
        formset = self._formset(meeting, data=request.POST)
        if not (header.is_valid() and formset.is_valid()):
            messages.error(request, _("Nothing was issued; see the marked rows."))
            return self._render(request, meeting, header, formset, status=400)
        chosen = [
            (i, f.cleaned_data)
            for i, f in enumerate(formset.forms)
            if f.cleaned_data.get("include")
        ]
        rows = [
            IssueRow(
                problem=data["problem"],
                lead_unit=data["lead_unit"],
                co_units=list(data["co_units"]),
                days=data["days"],
                requirement=data["requirement"],
            )
            for _i, data in chosen
        ]
        try:
            slips = meeting_issue(
                meeting=meeting,
                rows=rows,
                batch=header.cleaned_data.get("batch"),
                actor=request.user,
                ip_address=client_ip(request),
            )
        except MeetingIssueRefused as exc:
            chosen_ids = [row.problem.pk for row in rows]
            if (
                chosen_ids
                and not Problem.objects.filter(
                    pk__in=chosen_ids, status=Problem.Status.NEW
                ).exists()
            ):
                # The same document sent twice (a double click): the first one issued them.
                messages.info(request, _("These problems have already been issued."))
                return redirect(f"{reverse('visits:meeting_detail', args=[meeting.pk])}#document")
            for index, errors in exc.row_errors.items():
                formset.forms[chosen[index][0]].add_error(None, errors)
            messages.error(request, " ".join(exc.messages))
            return self._render(request, meeting, header, formset, status=400)
        messages.success(
            request,
            _("%(count)d slips issued in %(batch)s. Print the document below.")
            % {"count": len(slips), "batch": slips[0].batch},
        )
        return redirect(f"{reverse('visits:meeting_detail', args=[meeting.pk])}#document")


# --- The document: a cover page, then every slip as the slip's own print lays it out ---------

_BODY = re.compile(r"<body[^>]*>(?P<body>.*)</body>", re.DOTALL)


def _slip_document(request, slip) -> str:
    """One slip laid out by the slip's own print template (issues/slip_print.html), without its
    buttons: the inside of that page's body."""
    # Without the request: the context processors (the navigation, the unread count) would
    # run again for every slip of the document, and the slip's page needs none of them.
    html = render_to_string(
        "issues/slip_print.html", {**slip_print_context(request, slip), "for_pdf": True}
    )
    match = _BODY.search(html)
    return match.group("body") if match else html


def _document_context(request, meeting, *, for_pdf: bool) -> dict:
    slips = list(meeting_slips(request.user, meeting))
    batches = list({slip.batch_id: slip.batch for slip in slips}.values())
    return {
        "meeting": meeting,
        "firms": list(meeting.firms.select_related("town").order_by("name", "pk")),
        "slips": slips,
        "batches": batches,
        "documents": [mark_safe(_slip_document(request, slip)) for slip in slips],  # noqa: S308
        "issued_on": max((s.issued_at for s in slips), default=None),
        "printed_at": timezone.localtime(),
        "for_pdf": for_pdf,
    }


class MeetingPrintView(OfficeMixin, View):
    """The meeting's document for printing from the browser."""

    def get(self, request, pk):
        meeting = meeting_get_visible(request.user, pk)
        return render(
            request, "visits/meeting_print.html", _document_context(request, meeting, for_pdf=False)
        )


class MeetingPdfView(OfficeMixin, View):
    """The same document as one PDF (WeasyPrint, Noto CJK fonts), a page break between slips."""

    def get(self, request, pk):
        from django.contrib.staticfiles import finders
        from weasyprint import CSS, HTML

        meeting = meeting_get_visible(request.user, pk)
        html = render_to_string(
            "visits/meeting_print.html",
            _document_context(request, meeting, for_pdf=True),
            request=request,
        )
        # Everything from local files: the slip's stylesheet, the cover's, the system's fonts.
        stylesheets = [
            CSS(filename=finders.find("css/slip_print.css")),
            CSS(filename=finders.find("visits/meeting_print.css")),
        ]
        pdf = HTML(string=html).write_pdf(stylesheets=stylesheets)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"{meeting.held_on:%Y%m%d}-{meeting.title}.pdf"
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
        return response
