"""My paired firms, the visit survey and the lists of visits."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.http import client_ip
from issues.models import Slip
from issues.selectors import slips_listed, slips_visible_to

from .forms import (
    ProblemFormSet,
    VisitFilterForm,
    VisitForm,
)
from .models import Campaign, Visit
from .selectors import (
    campaigns_open_for,
    my_paired_firms,
    paired_enterprise_for_filing,
    visit_get_visible,
    visits_filter,
    visits_listed,
    visits_visible_to,
)
from .services import (
    visit_discard,
    visit_save,
    visit_submit,
)


def paginate(request, items, size):
    page = Paginator(items, size).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# --- The cadre's pages -----------------------------------------------------------------------


class MyFirmsView(PermissionRequiredMixin, View):
    """我的挂钩企业: the firms paired with the cadre, due ones first, and the cadre's drafts."""

    permission_required = "core.visit_paired_enterprises"
    raise_exception = True

    def get(self, request):
        pairings = list(my_paired_firms(request.user))
        drafts = list(
            Visit.objects.filter(author=request.user, status=Visit.Status.DRAFT)
            .select_related("enterprise")
            .order_by("-updated_at")[:20]
        )
        recent = list(
            visits_listed(
                Visit.objects.filter(author=request.user, status=Visit.Status.SUBMITTED)
            ).order_by("-visit_date", "-pk")[:10]
        )
        # Slips of the cadre's firms fed back and waiting for the firm's rating: the cadre may
        # record it on the firm's behalf.
        to_rate = list(
            slips_listed(
                slips_visible_to(request.user).filter(
                    status=Slip.Status.FED_BACK,
                    problem__enterprise__in=[p.enterprise_id for p in pairings],
                )
            ).order_by("fed_back_at")[:20]
        )
        return render(
            request,
            "visits/my_firms.html",
            {
                "to_rate": to_rate,
                "pairings": pairings,
                "due_count": sum(1 for p in pairings if p.visit_due),
                "drafts": drafts,
                "recent": recent,
            },
        )


class _SurveyFormMixin:
    template_name = "visits/visit_form.html"

    def _forms(self, request, firm, visit=None):
        day = timezone.localdate()
        open_ids = Q(pk__in=campaigns_open_for(firm, day).values("pk"))
        if visit is not None and visit.campaign_id:
            open_ids |= Q(pk=visit.campaign_id)  # a draft keeps the campaign it was filed under
        campaigns = Campaign.objects.filter(open_ids).order_by("-start_date")
        if request.method == "POST":
            form = VisitForm(request.POST, instance=visit, campaigns=campaigns)
            formset = ProblemFormSet(request.POST, prefix="problems")
        else:
            initial = {}
            if visit is None:
                initial = {
                    "visit_date": day,
                    "client_token": Visit._meta.get_field("client_token").default(),
                }
                current = campaigns.filter(end_date__gte=day).first()  # running today
                if current is not None:
                    initial["campaign"] = current.pk
            form = VisitForm(instance=visit, initial=initial, campaigns=campaigns)
            problems = (
                [
                    {"description": p.description, "category": p.category, "urgency": p.urgency}
                    for p in visit.problems.order_by("position", "pk")
                ]
                if visit is not None
                else []
            )
            formset = ProblemFormSet(initial=problems or None, prefix="problems")
            if not problems:
                formset.extra = 1
        return form, formset

    def _render(self, request, firm, form, formset, visit=None, status=200):
        return render(
            request,
            self.template_name,
            {"firm": firm, "form": form, "formset": formset, "visit": visit},
            status=status,
        )

    def _save(self, request, firm, form, formset, visit=None):
        """Save the draft (and submit it when asked). Returns a response."""
        if not (form.is_valid() and formset.is_valid()):
            messages.error(request, _("The survey has errors; see the marked fields below."))
            return self._render(request, firm, form, formset, visit, status=400)
        problems = [
            f.cleaned_data
            for f in formset.forms
            if f.has_changed() and not f.cleaned_data.get("DELETE")
        ]
        submit = request.POST.get("action") == "submit"
        try:
            # Saving and submitting are one step: a refused submission leaves nothing saved.
            with transaction.atomic():
                saved = visit_save(
                    visit=visit,
                    enterprise=firm,
                    author=request.user,
                    fields=form.survey_fields(),
                    problems=problems,
                    client_token=form.cleaned_data.get("client_token"),
                    ip_address=client_ip(request),
                )
                if not saved.is_draft:
                    # The same form sent again after its survey was submitted.
                    messages.info(
                        request,
                        _("This survey has been submitted and can no longer be changed."),
                    )
                    return redirect("visits:visit_detail", pk=saved.pk)
                if submit:
                    saved = visit_submit(
                        visit=saved, actor=request.user, ip_address=client_ip(request)
                    )
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
                for error in errors:
                    text = " ".join(error.messages) if hasattr(error, "messages") else str(error)
                    if field in form.fields:
                        form.add_error(field, text)
                    else:
                        form.add_error(None, text)
            if (
                visit is not None
                and not Visit.objects.filter(pk=visit.pk, status=Visit.Status.DRAFT).exists()
            ):
                # A retried submit: the first one went through.
                messages.info(
                    request, _("This survey has been submitted and can no longer be changed.")
                )
                return redirect("visits:visit_detail", pk=visit.pk)
            messages.error(request, _("The survey was not saved; see the messages below."))
            return self._render(request, firm, form, formset, visit, status=400)
        if submit:
            messages.success(
                request,
                _("The survey is submitted; its problems are waiting for the office to sort them."),
            )
        else:
            messages.success(request, _("Draft saved. You can finish and submit it later."))
        return redirect("visits:visit_detail", pk=saved.pk)


class VisitCreateView(PermissionRequiredMixin, _SurveyFormMixin, View):
    permission_required = "core.visit_paired_enterprises"
    raise_exception = True

    def get(self, request, firm_pk):
        firm = paired_enterprise_for_filing(request.user, firm_pk)
        form, formset = self._forms(request, firm)
        return self._render(request, firm, form, formset)

    def post(self, request, firm_pk):
        firm = paired_enterprise_for_filing(request.user, firm_pk)
        form, formset = self._forms(request, firm)
        return self._save(request, firm, form, formset)


class VisitEditView(PermissionRequiredMixin, _SurveyFormMixin, View):
    permission_required = "core.visit_paired_enterprises"
    raise_exception = True

    def _visit(self, request, pk):
        visit = visit_get_visible(request.user, pk)
        if visit.author_id != request.user.pk:
            raise Http404
        return visit

    def get(self, request, pk):
        visit = self._visit(request, pk)
        if not visit.is_draft:
            messages.info(
                request, _("This survey has been submitted and can no longer be changed.")
            )
            return redirect("visits:visit_detail", pk=visit.pk)
        form, formset = self._forms(request, visit.enterprise, visit)
        return self._render(request, visit.enterprise, form, formset, visit)

    def post(self, request, pk):
        visit = self._visit(request, pk)
        if not visit.is_draft:
            messages.info(
                request, _("This survey has been submitted and can no longer be changed.")
            )
            return redirect("visits:visit_detail", pk=visit.pk)
        form, formset = self._forms(request, visit.enterprise, visit)
        return self._save(request, visit.enterprise, form, formset, visit)


class VisitSubmitView(PermissionRequiredMixin, View):
    """Submit a saved draft from its page."""

    permission_required = "core.visit_paired_enterprises"
    raise_exception = True

    def post(self, request, pk):
        visit = visit_get_visible(request.user, pk)
        if visit.author_id != request.user.pk:
            raise Http404
        if not visit.is_draft:
            return redirect("visits:visit_detail", pk=visit.pk)
        try:
            visit_submit(visit=visit, actor=request.user, ip_address=client_ip(request))
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return redirect("visits:visit_detail", pk=visit.pk)
        messages.success(
            request,
            _("The survey is submitted; its problems are waiting for the office to sort them."),
        )
        return redirect("visits:visit_detail", pk=visit.pk)


class VisitDiscardView(PermissionRequiredMixin, View):
    """Set a draft aside; it is kept, but leaves the cadre's list of drafts."""

    permission_required = "core.visit_paired_enterprises"
    raise_exception = True

    def post(self, request, pk):
        visit = visit_get_visible(request.user, pk)
        if visit.author_id != request.user.pk:
            raise Http404
        try:
            visit_discard(visit=visit, actor=request.user, ip_address=client_ip(request))
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            return redirect("visits:visit_detail", pk=visit.pk)
        messages.success(request, _("The draft has been discarded."))
        return redirect("visits:my_firms")


class VisitDetailView(View):
    def get(self, request, pk):
        visit = visit_get_visible(request.user, pk)
        problems = list(visit.problems.select_related("problem").order_by("position", "pk"))
        return render(
            request,
            "visits/visit_detail.html",
            {
                "visit": visit,
                "problems": problems,
                "can_edit": visit.is_draft and visit.author_id == request.user.pk,
            },
        )


class VisitListView(View):
    """Visit surveys the user may read: the office and leaders all, a unit's leaders their
    cadres', a cadre his or her own."""

    page_size = 30

    def get(self, request):
        user = request.user
        if not (
            user.has_perm("core.view_all_visits")
            or user.has_perm("core.view_unit_visits")
            or user.has_perm("core.visit_paired_enterprises")
        ):
            raise PermissionDenied
        form = VisitFilterForm(request.GET or None)
        visits = visits_filter(
            visits_visible_to(user).exclude(status=Visit.Status.DISCARDED), **form.filters()
        )
        if not (user.has_perm("core.view_all_visits") or user.has_perm("core.view_unit_visits")):
            visits = visits.filter(author=user)
        visits = visits_listed(visits).order_by("-visit_date", "-pk")
        page, query = paginate(request, visits, self.page_size)
        return render(
            request, "visits/visit_list.html", {"form": form, "page": page, "query": query}
        )
