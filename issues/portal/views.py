"""The portal's pages: the firm's problems, raising one online, one problem with its history,
and the rating. Only for a firm's own users (others: 403); another firm's ids: 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from core.http import client_ip

from ..models import Slip
from ..services import problem_submit, slip_rate
from ..views import add_errors, paginate
from .forms import ProblemSubmitForm, RateForm
from .progress import problem_history, problem_progress
from .selectors import portal_firm, portal_problem_get, portal_problems, portal_problems_listed


class PortalMixin:
    """Refuses (403) anyone who is not an enterprise user linked to a firm."""

    # The start page says why an enterprise account not yet linked to a firm sees nothing.
    explain_unlinked = False

    def dispatch(self, request, *args, **kwargs):
        try:
            self.firm = portal_firm(request.user)
        except PermissionDenied:
            if self.explain_unlinked and request.user.has_perm("core.submit_requests"):
                return render(request, "portal/unlinked.html", status=403)
            raise
        return super().dispatch(request, *args, **kwargs)


class PortalHomeView(PortalMixin, View):
    """All the firm's problems, newest first, each with its status in plain words."""

    explain_unlinked = True
    page_size = 20

    def get(self, request):
        problems = portal_problems_listed(portal_problems(request.user)).order_by(
            "-raised_at", "-id"
        )
        page, query = paginate(request, problems, self.page_size)
        rows = [(problem, problem_progress(problem)) for problem in page.object_list]
        return render(
            request,
            "portal/home.html",
            {
                "firm": self.firm,
                "page": page,
                "query": query,
                "rows": rows,
                "rating_due": sum(1 for _problem, progress in rows if progress.rating_due),
            },
        )


class PortalProblemCreateView(PortalMixin, View):
    """提交诉求: a problem with its files, all saved or nothing."""

    def get(self, request):
        return self._render(request, ProblemSubmitForm())

    def post(self, request):
        form = ProblemSubmitForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                problem = problem_submit(
                    user=request.user,
                    category=data["category"],
                    description=data["description"],
                    uploads=data["attachments"],
                    ip_address=client_ip(request),
                    client_token=data.get("client_token"),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your problem is received, reference %(ref)s. The activity office will "
                        "sort it and tell you which unit handles it."
                    )
                    % {"ref": problem.reference},
                )
                return redirect("portal:problem_detail", pk=problem.pk)
        messages.error(
            request,
            _(
                "Nothing was saved; see the marked fields. Your text is kept: choose the files again."
            ),
        )
        return self._render(request, form, status=400)

    def _render(self, request, form, status=200):
        return render(
            request, "portal/problem_form.html", {"firm": self.firm, "form": form}, status=status
        )


class PortalProblemDetailView(PortalMixin, View):
    """One of the firm's problems: what it said, its files, where it stands, the steps of its
    handling meant for the firm, the reply and the rating form when the rating is due."""

    def get(self, request, pk):
        problem = portal_problem_get(request.user, pk)
        return render_detail(request, self.firm, problem)


def render_detail(request, firm, problem, rate_form=None, status=200):
    progress = problem_progress(problem)
    if progress.rating_due and rate_form is None:
        rate_form = RateForm()
    return render(
        request,
        "portal/problem_detail.html",
        {
            "firm": firm,
            "problem": problem,
            "progress": progress,
            "history": problem_history(problem),
            "attachments": list(problem.attachments.all()),
            "rate_form": rate_form if progress.rating_due else None,
        },
        status=status,
    )


class PortalProblemRateView(PortalMixin, View):
    """The firm rates the reply: 满意 or 基本满意 closes the slip, 不满意 reopens it."""

    def post(self, request, pk):
        problem = portal_problem_get(request.user, pk)
        progress = problem_progress(problem)
        if not progress.rating_due:
            messages.error(request, _("This problem is not waiting for your rating now."))
            return redirect("portal:problem_detail", pk=problem.pk)
        form = RateForm(request.POST)
        if form.is_valid():
            try:
                slip = slip_rate(
                    slip=progress.slip,
                    actor=request.user,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                    by_firm=True,
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if slip.status == Slip.Status.REOPENED:
                    messages.warning(
                        request,
                        _(
                            "Your rating is recorded. The problem is reopened: %(unit)s handles "
                            "it again."
                        )
                        % {"unit": slip.lead_unit.name},
                    )
                else:
                    messages.success(
                        request, _("Thank you: your rating is recorded and the problem is closed.")
                    )
                return redirect("portal:problem_detail", pk=problem.pk)
        messages.error(request, _("Not saved; see the marked fields."))
        problem = portal_problem_get(request.user, pk)
        return render_detail(request, self.firm, problem, rate_form=form, status=400)
