"""The office's sorting (梳理): the inbox, registering a problem, sorting and deciding it,
batches and their summaries."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.http import client_ip
from core.workdays import years_unconfirmed

from .forms import (
    BatchOpenForm,
    ProblemAnswerForm,
    ProblemCreateForm,
    ProblemDeclineForm,
    ProblemFilterForm,
    ProblemMergeForm,
    ProblemSortForm,
    ProblemSupervisionForm,
    SlipIssueForm,
)
from .measures import measures_by, slip_measures
from .models import Batch, Problem, Slip
from .selectors import problems_filter, problems_visible_to, slips_days_left, slips_listed
from .services import (
    batch_open,
    deadline_days_default,
    problem_answer,
    problem_create,
    problem_decline,
    problem_merge,
    problem_supervision_set,
    problem_update,
    slip_issue,
)


def paginate(request, items, size):
    page = Paginator(items, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def calendar_warning() -> list[int]:
    """Years the office should load before deadlines reach them: this one and the next."""
    year = timezone.localdate().year
    return years_unconfirmed(year, year + 1)


class OfficeMixin(PermissionRequiredMixin):
    permission_required = "core.assign_problems"
    raise_exception = True


class ProblemListView(OfficeMixin, View):
    """The sorting inbox: problems awaiting sorting first; every status a tab."""

    page_size = 30

    def get(self, request):
        data = request.GET.copy()
        if "status" not in data:
            data["status"] = Problem.Status.NEW
        form = ProblemFilterForm(data)
        visible = problems_visible_to(request.user)
        problems = problems_filter(visible, **form.filters())
        problems = problems.select_related(
            "enterprise", "enterprise__town", "raised_by", "raised_by__unit", "special_action"
        ).order_by("-raised_at", "-id")
        page, query = paginate(request, problems, self.page_size)
        counts = dict(visible.order_by().values_list("status").annotate(n=Count("id")))
        return render(
            request,
            "issues/problem_list.html",
            {
                "form": form,
                "page": page,
                "query": query,
                "status": data.get("status", ""),
                "tabs": [
                    (value, label, counts.get(value, 0)) for value, label in Problem.Status.choices
                ],
                "total": sum(counts.values()),
                "unconfirmed_years": calendar_warning(),
            },
        )


class ProblemCreateView(OfficeMixin, View):
    def get(self, request):
        form = ProblemCreateForm(
            initial={"raised_on": timezone.localdate(), "met_face_to_face": "0"}
        )
        return render(request, "issues/problem_form.html", {"form": form})

    def post(self, request):
        form = ProblemCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                problem = problem_create(
                    enterprise=data["firm"],
                    channel=data["channel"],
                    description=data["description"],
                    category=data["category"],
                    urgency=data["urgency"],
                    raised_by=request.user,
                    raised_at=_raised_at(data["raised_on"]),
                    met_face_to_face=data["met_face_to_face"],
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("The problem is recorded and awaits sorting."))
                return redirect("issues:problem_detail", pk=problem.pk)
        return render(request, "issues/problem_form.html", {"form": form}, status=400)


def _raised_at(day):
    import datetime

    now = timezone.localtime()
    if day == now.date():
        return now
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


class ProblemDetailView(OfficeMixin, View):
    """One problem and the office's decisions on it: reword and tag, merge, issue a slip,
    answer directly, or decline."""

    FORMS = {
        "sort": ProblemSortForm,
        "merge": ProblemMergeForm,
        "issue": SlipIssueForm,
        "answer": ProblemAnswerForm,
        "decline": ProblemDeclineForm,
        "supervise": ProblemSupervisionForm,
    }

    def _problem(self, request, pk) -> Problem:
        try:
            return (
                problems_visible_to(request.user)
                .select_related(
                    "enterprise",
                    "enterprise__town",
                    "raised_by",
                    "raised_by__unit",
                    "special_action",
                    "duplicate_of",
                    "decided_by",
                    "supervised_by",
                )
                .get(pk=pk)
            )
        except Problem.DoesNotExist as exc:
            raise Http404 from exc

    def _forms(self, problem, bound=None, data=None):
        forms = {
            "sort": ProblemSortForm(
                initial={
                    "description": problem.description,
                    "category": problem.category,
                    "urgency": problem.urgency,
                    "kind": problem.kind,
                    "special_action": problem.special_action_id,
                }
            ),
            "merge": ProblemMergeForm(problem=problem),
            "issue": SlipIssueForm(
                initial={
                    "batch": Batch.objects.order_by("-year", "-number")
                    .values_list("pk", flat=True)
                    .first(),
                    "days": deadline_days_default(
                        category=problem.category, urgency=problem.urgency
                    ),
                    "requirement": _(
                        "Contact the firm, solve the problem within the time allowed and reply "
                        "to the activity office."
                    ),
                }
            ),
            "answer": ProblemAnswerForm(),
            "decline": ProblemDeclineForm(),
            "supervise": ProblemSupervisionForm(
                initial={
                    "listed": "1",
                    "note": problem.supervision_note,
                }
            ),
        }
        if bound:
            kwargs = {"problem": problem} if bound == "merge" else {}
            forms[bound] = self.FORMS[bound](data, **kwargs)
        return forms

    def _render(self, request, problem, forms, status=200):
        slips = list(slips_listed(problem.slips.all()).order_by("-issued_at"))
        return render(
            request,
            "issues/problem_detail.html",
            {
                "problem": problem,
                "forms": forms,
                "slips": slips_days_left(slips),
                "duplicates": list(problem.duplicates.select_related("enterprise")),
                "attachments": list(problem.attachments.all()),
                "has_batch": Batch.objects.exists(),
                "batch_form": BatchOpenForm(),
                "unconfirmed_years": calendar_warning(),
            },
            status=status,
        )

    def get(self, request, pk):
        problem = self._problem(request, pk)
        return self._render(request, problem, self._forms(problem))

    def post(self, request, pk):
        problem = self._problem(request, pk)
        which = request.POST.get("form")
        if which not in self.FORMS:
            raise Http404
        forms = self._forms(problem, which, request.POST)
        form = forms[which]
        if form.is_valid():
            try:
                result = self._apply(request, problem, which, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return result
        messages.error(request, _("Not saved; see the marked fields."))
        return self._render(request, problem, forms, status=400)

    def _apply(self, request, problem, which, data):
        ip = client_ip(request)
        if which == "sort":
            problem_update(problem=problem, actor=request.user, ip_address=ip, **data)
            messages.success(request, _("The problem is updated."))
        elif which == "merge":
            problem_merge(problem=problem, into=data["into"], actor=request.user, ip_address=ip)
            messages.success(request, _("Merged: it is handled with the problem it duplicates."))
            return redirect("issues:problem_detail", pk=data["into"].pk)
        elif which == "answer":
            problem_answer(
                problem=problem, actor=request.user, answer=data["answer"], ip_address=ip
            )
            messages.success(request, _("Answered directly; the problem is settled."))
        elif which == "decline":
            problem_decline(
                problem=problem, actor=request.user, reason=data["reason"], ip_address=ip
            )
            messages.success(request, _("The problem is declined."))
        elif which == "supervise":
            problem_supervision_set(
                problem=problem,
                actor=request.user,
                listed=data["listed"],
                note=data["note"],
                ip_address=ip,
            )
            messages.success(
                request,
                _("Listed for supervision.")
                if data["listed"]
                else _("Taken off the supervision list."),
            )
        elif which == "issue":
            slip = slip_issue(
                problem=problem,
                batch=data["batch"],
                lead_unit=data["lead_unit"],
                co_units=list(data["co_units"]),
                requirement=data["requirement"],
                days=data["days"],
                actor=request.user,
                ip_address=ip,
            )
            messages.success(request, _("Slip %(number)s issued.") % {"number": slip.number})
            return redirect("issues:slip_detail", pk=slip.pk)
        return redirect("issues:problem_detail", pk=problem.pk)


class BatchListView(OfficeMixin, View):
    def get(self, request):
        return self._render(request, BatchOpenForm())

    def post(self, request):
        form = BatchOpenForm(request.POST)
        if form.is_valid():
            batch = batch_open(
                actor=request.user, title=form.cleaned_data["title"], ip_address=client_ip(request)
            )
            messages.success(request, _("%(batch)s opened.") % {"batch": batch})
            next_url = request.POST.get("next", "")
            if next_url.startswith("/issues/problems/"):
                return redirect(next_url)
            return redirect("issues:batch_detail", pk=batch.pk)
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        batches = {b.pk: b for b in Batch.objects.order_by("-year", "-number")}
        rows = measures_by(Slip.objects.filter(batch__in=list(batches)), "batch")
        for row in rows:
            batches[row["batch"]].measures = row["measures"]
        return render(
            request,
            "issues/batch_list.html",
            {"batches": list(batches.values()), "form": form},
            status=status,
        )


class BatchDetailView(OfficeMixin, View):
    """A batch's summary: the measures, by lead unit, and its slips."""

    def get(self, request, pk):
        try:
            batch = Batch.objects.get(pk=pk)
        except Batch.DoesNotExist as exc:
            raise Http404 from exc
        slips = Slip.objects.filter(batch=batch)
        by_unit = sorted(
            measures_by(slips, "lead_unit", "lead_unit__name"),
            key=lambda r: (-r["measures"].overdue, r["lead_unit__name"]),
        )
        page, query = paginate(request, slips_listed(slips).order_by("seq"), 50)
        page.object_list = slips_days_left(list(page.object_list))
        return render(
            request,
            "issues/batch_detail.html",
            {
                "batch": batch,
                "measures": slip_measures(slips),
                "by_unit": by_unit,
                "page": page,
                "query": query,
            },
        )
