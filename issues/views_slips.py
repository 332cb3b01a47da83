"""Assignment slips: the office's list, the unit's 我的交办件, a slip's page with its history and
the steps the user may take, and the printed slip (page and PDF)."""

from urllib.parse import quote

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from core.forms import BootstrapFormMixin
from core.http import client_ip
from core.models import Unit
from enterprises.codes import phone_mask
from enterprises.selectors import phone_visible_in_full

from .measures import slip_measures
from .models import Attachment, Batch, Category, Slip
from .selectors import (
    slip_get_visible,
    slips_days_left,
    slips_filter,
    slips_listed,
    slips_visible_to,
    unit_inbox,
)
from .slip_actions import BY_KEY, slip_actions_for
from .slip_sections import slip_sections_for
from .views import add_errors, paginate
from .workflow import CO, DELEGATE, LEAD, MOVES, actions_for, actor_roles


class SlipFilterForm(BootstrapFormMixin, django_forms.Form):
    q = django_forms.CharField(label=_("Number, firm or problem"), required=False, max_length=100)
    status = django_forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("open", _("Not closed")), *Slip.Status.choices],
        required=False,
    )
    batch = django_forms.ModelChoiceField(
        label=_("Batch"),
        queryset=Batch.objects.order_by("-year", "-number"),
        required=False,
        empty_label=_("All"),
    )
    unit = django_forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.TOWN]).order_by(
            "kind", "sort_order"
        ),
        required=False,
        empty_label=_("All units"),
    )
    category = django_forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *Category.choices], required=False
    )
    overdue = django_forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return self.cleaned_data


def _may_list(user) -> bool:
    return (
        user.has_perm("core.assign_problems")
        or user.has_perm("core.view_dashboard")
        or user.has_perm("core.handle_slips")
        or user.has_perm("core.view_unit_visits")
    )


class SlipListView(View):
    """Every slip the user may read, filtered; the office's working list."""

    page_size = 30

    def get(self, request):
        if not _may_list(request.user):
            raise PermissionDenied
        form = SlipFilterForm(request.GET or None)
        visible = slips_visible_to(request.user)
        slips = slips_filter(visible, **form.filters())
        page, query = paginate(
            request, slips_listed(slips).order_by("-issued_at", "-pk"), self.page_size
        )
        page.object_list = slips_days_left(list(page.object_list))
        return render(
            request,
            "issues/slip_list.html",
            {"form": form, "page": page, "query": query, "measures": slip_measures(slips)},
        )


class SlipInboxView(PermissionRequiredMixin, View):
    """我的交办件: what waits on the user's unit, overdue first."""

    permission_required = "core.handle_slips"
    raise_exception = True

    def get(self, request):
        slips = unit_inbox(request.user)
        slips.sort(
            key=lambda s: (s.days_left is None, s.days_left if s.days_left is not None else 0)
        )
        return render(
            request,
            "issues/slip_inbox.html",
            {
                "slips": slips,
                "overdue": sum(1 for s in slips if s.days_left is not None and s.days_left < 0),
                "to_sign": sum(
                    1
                    for s in slips
                    if s.status in {Slip.Status.ISSUED, Slip.Status.REOPENED}
                    and s.lead_unit_id == request.user.unit_id
                ),
            },
        )


class SlipDetailView(View):
    def get(self, request, pk):
        slip = slip_get_visible(request.user, pk)
        return self._render(request, slip)

    def _render(self, request, slip, bound=None, status=200):
        allowed = actions_for(request.user, slip)
        actions = []
        for action in slip_actions_for(allowed):
            form = bound[1] if bound and bound[0] == action.key else action.form_for(slip)
            actions.append(
                {"action": action, "form": form, "open": bool(bound and bound[0] == action.key)}
            )
        events = list(slip.events.select_related("actor", "unit").order_by("created_at", "pk"))
        labels = {name: move.label for name, move in MOVES.items()}
        status_labels = dict(Slip.Status.choices)
        for event in events:
            event.label = labels.get(event.action, event.action)
            event.from_label = status_labels.get(event.from_status, "")
            event.to_label = status_labels.get(event.to_status, "")
        slips_days_left([slip])
        firm = slip.problem.enterprise
        phone = _phone_for(request.user, slip)
        return render(
            request,
            "issues/slip_detail.html",
            {
                "slip": slip,
                "firm": firm,
                "phone_shown": phone,
                "events": events,
                "actions": actions,
                "duplicates": list(slip.problem.duplicates.select_related("enterprise")),
                "attachments": list(
                    Attachment.objects.filter(
                        Q(problem=slip.problem_id) | Q(problem__duplicate_of=slip.problem_id)
                    )
                ),
                "is_office": request.user.has_perm("core.assign_problems"),
                "sections": slip_sections_for(request, slip),
            },
            status=status,
        )


class SlipActionView(View):
    """One step on a slip, posted from its page."""

    def post(self, request, pk, key):
        slip = slip_get_visible(request.user, pk)
        action = BY_KEY.get(key)
        if action is None:
            raise Http404
        if not set(action.moves) & set(actions_for(request.user, slip)):
            messages.error(
                request,
                _("This step is not possible now: the slip is “%(status)s”. Reload the page.")
                % {"status": slip.get_status_display()},
            )
            return redirect("issues:slip_detail", pk=slip.pk)
        form = action.form_for(slip, request.POST)
        if form.is_valid():
            try:
                action.run(
                    slip=slip, actor=request.user, data=form.cleaned_data, ip=client_ip(request)
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Done: %(step)s.") % {"step": action.label})
                return redirect("issues:slip_detail", pk=slip.pk)
        messages.error(request, _("Not saved; see the marked fields."))
        slip = slip_get_visible(request.user, pk)
        return SlipDetailView()._render(request, slip, bound=(key, form), status=400)


def _phone_for(user, slip) -> str:
    """The firm's phone in full for those who must call it (the office, the slip's units, the
    paired cadre); masked for readers such as leaders."""
    phone = slip.problem.enterprise.contact_phone
    if phone_visible_in_full(user) or actor_roles(user, slip) & {LEAD, CO, DELEGATE}:
        return phone
    return phone_mask(phone)


def _print_context(request, slip):
    firm = slip.problem.enterprise
    return {
        "slip": slip,
        "firm": firm,
        "phone_shown": _phone_for(request.user, slip),
        "duplicates": list(slip.problem.duplicates.select_related("enterprise")),
        "printed_at": timezone.localtime(),
    }


class SlipPrintView(View):
    """The slip laid out like the official document, for printing from the browser."""

    def get(self, request, pk):
        slip = slip_get_visible(request.user, pk)
        return render(
            request, "issues/slip_print.html", {**_print_context(request, slip), "for_pdf": False}
        )


class SlipPdfView(View):
    """The same document as a PDF (WeasyPrint, Noto CJK fonts)."""

    def get(self, request, pk):
        from django.contrib.staticfiles import finders
        from weasyprint import CSS, HTML

        slip = slip_get_visible(request.user, pk)
        html = render_to_string(
            "issues/slip_print.html",
            {**_print_context(request, slip), "for_pdf": True},
            request=request,
        )
        # Everything from local files: the page's stylesheet and the system's Noto CJK fonts.
        stylesheet = CSS(filename=finders.find("css/slip_print.css"))
        pdf = HTML(string=html).write_pdf(stylesheets=[stylesheet])
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"{slip.number}.pdf"
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
        return response
