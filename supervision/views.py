"""上交协调: the slips escalated to a coordinating body (leadership group, city leaders, higher
level), for its members; the office and leaders see every tier."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import View

from issues.selectors import slips_days_left
from issues.services.slips import body_tier
from issues.views import paginate

from .forms import EscalatedFilterForm
from .selectors import escalated_filter, escalated_listed, escalated_visible_to, tier_measures

STATE_TABS = [
    ("waiting", _("Waiting on coordination")),
    ("down", _("Sent back down, being handled")),
    ("closed", pgettext_lazy("slip status", "Closed")),
    ("above", _("Climbed on to a higher body")),
    ("all", _("All")),
]


def may_coordinate_or_read(user) -> bool:
    return (
        user.has_perm("core.coordinate_escalations")
        or user.has_perm("core.assign_problems")
        or user.has_perm("core.view_dashboard")
    )


class EscalatedListView(View):
    page_size = 30

    def get(self, request):
        if not may_coordinate_or_read(request.user):
            raise PermissionDenied
        visible = escalated_visible_to(request.user)
        form = EscalatedFilterForm(request.GET or None)
        filters = form.filters()
        body = request.user.unit if request.user.has_perm("core.coordinate_escalations") else None
        at_tier = body_tier(body)
        # "Climbed on" is a body's tab: the office and leaders see every tier anyway.
        tabs = [t for t in STATE_TABS if t[0] != "above" or (at_tier and at_tier < 4)]
        state = request.GET.get("state") if request.GET.get("state") in dict(tabs) else ""
        state = state or "waiting"
        slips = escalated_filter(
            visible,
            state=state,
            tier=filters.get("tier", ""),
            q=filters.get("q", ""),
            at_tier=at_tier,
        )
        page, query = paginate(request, escalated_listed(slips), self.page_size)
        page.object_list = slips_days_left(list(page.object_list))
        return render(
            request,
            "supervision/escalated_list.html",
            {
                "form": form,
                "page": page,
                "query": query,
                "state": state,
                "tabs": tabs,
                "tier": filters.get("tier", ""),
                "q": filters.get("q", ""),
                "tiers": tier_measures(visible),
                "body": body,
            },
        )
