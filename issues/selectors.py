"""Reads of problems, limited in the query to what the user may see."""

from django.db.models import Q, QuerySet

from .models import Problem


def problems_visible_to(user) -> QuerySet[Problem]:
    """The office and leaders see every problem; a cadre sees those he or she recorded."""
    if not user.is_authenticated:
        return Problem.objects.none()
    if user.has_perm("core.assign_problems") or user.has_perm("core.view_dashboard"):
        return Problem.objects.all()
    if user.has_perm("core.visit_paired_enterprises"):
        return Problem.objects.filter(raised_by=user)
    return Problem.objects.none()


def problems_filter(
    qs: QuerySet[Problem],
    *,
    q: str = "",
    status: str = "",
    channel: str = "",
    category: str = "",
    urgency: str = "",
    town=None,
) -> QuerySet[Problem]:
    if q:
        qs = qs.filter(Q(description__icontains=q) | Q(enterprise__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(category=category)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if town:
        qs = qs.filter(enterprise__town=town)
    return qs
