"""Reads of the registry, limited in the query to what the user may see."""

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Enterprise, FirmUser, ImportJob

# Apps above the registry (pairings, slips, the portal) say which firms a user reaches through
# them: each function takes a user and returns a queryset of firm ids, or None for none.
_visibility_sources: list[Callable] = []


def enterprise_visibility_register(source: Callable) -> None:
    if source not in _visibility_sources:
        _visibility_sources.append(source)


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    """The office, administrators and leaders see every firm; others see the firms they reach
    through the relations higher apps register (a cadre's pairings, a unit's slips, ...)."""
    if not user.is_authenticated:
        return Enterprise.objects.none()
    if user.has_perm("core.view_all_enterprises"):
        return Enterprise.objects.all()
    query = None
    for source in _visibility_sources:
        ids = source(user)
        if ids is not None:
            query = Q(pk__in=ids) if query is None else query | Q(pk__in=ids)
    if query is None:
        return Enterprise.objects.none()
    return Enterprise.objects.filter(query)


def enterprises_filter(
    qs: QuerySet[Enterprise],
    *,
    q: str = "",
    town=None,
    industry=None,
    size_class: str = "",
    is_tech: str = "",
    status: str = "",
) -> QuerySet[Enterprise]:
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()))
    if town:
        qs = qs.filter(town=town)
    if industry:
        qs = qs.filter(Q(industry=industry) | Q(industry__parent=industry))
    if size_class:
        qs = qs.filter(size_class=size_class)
    if is_tech in {"1", "0"}:
        qs = qs.filter(is_tech=is_tech == "1")
    if status:
        qs = qs.filter(status=status)
    return qs


def enterprise_get_visible(user, pk: int) -> Enterprise:
    """One firm, or 404 when it does not exist or the user may not see it."""
    try:
        return (
            enterprises_visible_to(user)
            .select_related("town", "industry", "industry__parent")
            .get(pk=pk)
        )
    except Enterprise.DoesNotExist as exc:
        raise Http404 from exc


def phone_visible_in_full(user) -> bool:
    return user.has_perm("enterprises.view_full_phone")


def history_visible(user) -> bool:
    """Those who maintain the registry (the office, administrators) read its edit history."""
    return user.has_perm("core.import_data")


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    """The office and administrators share their imports; no one else sees any."""
    if not user.has_perm("core.import_data"):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by").defer("content")


def firm_of(user) -> Enterprise | None:
    """The firm an enterprise user's account belongs to (``FirmUser``), or None for everyone
    else. Read once per request object."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_firm_cache"):
        link = FirmUser.objects.select_related("enterprise").filter(user=user).first()
        user._firm_cache = link.enterprise if link else None
    return user._firm_cache


def _own_firm(user):
    """A firm's own users reach their firm's file."""
    return FirmUser.objects.filter(user=user).values("enterprise_id") if user.pk else None


enterprise_visibility_register(_own_firm)
