"""Reads of the registry, limited in the query to what the user may see."""

from collections.abc import Callable

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from .models import ContactCorrection, Decision, Enterprise, FirmRegistration, FirmUser, ImportJob

# Apps above the registry (pairings, slips, the portal) say which firms a user reaches through
# them: each function takes a user and returns a queryset of firm ids, or None for none.
_visibility_sources: list[Callable] = []


def enterprise_visibility_register(source: Callable) -> None:
    if source not in _visibility_sources:
        _visibility_sources.append(source)


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    """The office, administrators and leaders see every firm; others see the firms they reach
    through the relations higher apps register (a cadre's pairings, a unit's slips, ...). A
    firm's own users reach none here: the office's file shows pairings and cadres; their firm's
    own view of its file is the portal's profile (``portal_firm_of``)."""
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


def firm_accounts_manageable(user) -> bool:
    """Those who maintain the registry (the office, administrators) make and keep the firms'
    accounts, decide their registrations and their corrections."""
    return user.has_perm("core.view_all_enterprises") and user.has_perm("core.import_data")


def firm_accounts_of(enterprise: Enterprise) -> QuerySet[FirmUser]:
    return (
        FirmUser.objects.filter(enterprise=enterprise)
        .select_related("user")
        .order_by("user__username")
    )


def with_account_counts(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Each firm with ``account_count``, the number of its accounts (a subquery, so counting
    the list for its pages stays a plain count)."""
    accounts = (
        FirmUser.objects.filter(enterprise=OuterRef("pk"))
        .order_by()
        .values("enterprise")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(account_count=Coalesce(Subquery(accounts), 0))


def firm_account_get(user, pk: int) -> FirmUser:
    """A firm's account (by the user's id) for someone who manages accounts, or 404."""
    if not firm_accounts_manageable(user):
        raise Http404
    try:
        return FirmUser.objects.select_related("user", "enterprise").get(user_id=pk)
    except FirmUser.DoesNotExist as exc:
        raise Http404 from exc


def portal_firm_of(user) -> Enterprise | None:
    """The firm whose portal the user may use: an enterprise user linked to a firm."""
    if not user.has_perm("core.submit_requests"):
        return None
    return firm_of(user)


def _pending_first(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        pending_order=Case(
            When(status=Decision.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("pending_order", "-created_at", "-id")


def firm_registrations_visible_to(user) -> QuerySet[FirmRegistration]:
    """Pending first, newest first; only for those who manage the firms' accounts."""
    if not firm_accounts_manageable(user):
        return FirmRegistration.objects.none()
    return _pending_first(
        FirmRegistration.objects.select_related("enterprise", "user", "decided_by")
    )


def firm_registration_get_visible(user, pk: int) -> FirmRegistration:
    try:
        return firm_registrations_visible_to(user).get(pk=pk)
    except FirmRegistration.DoesNotExist as exc:
        raise Http404 from exc


def contact_corrections_visible_to(user) -> QuerySet[ContactCorrection]:
    """The office sees every firm's corrections; a firm's users see their own firm's."""
    qs = ContactCorrection.objects.select_related("enterprise", "proposed_by", "decided_by")
    if firm_accounts_manageable(user):
        return _pending_first(qs)
    firm = portal_firm_of(user)
    if firm is None:
        return ContactCorrection.objects.none()
    return _pending_first(qs.filter(enterprise=firm))


def contact_correction_get_visible(user, pk: int) -> ContactCorrection:
    """One correction, or 404 when the user may not see it (another firm's)."""
    try:
        return contact_corrections_visible_to(user).get(pk=pk)
    except ContactCorrection.DoesNotExist as exc:
        raise Http404 from exc


def requests_pending_counts() -> dict:
    """What waits for the office: {"registrations": n, "corrections": n}, in one query."""

    def pending(model, kind):
        return (
            model.objects.filter(status=Decision.PENDING)
            .order_by()
            .annotate(kind=Value(kind))
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )

    counts = {"registrations": 0, "corrections": 0}
    counts.update(
        pending(FirmRegistration, "registrations").union(
            pending(ContactCorrection, "corrections"), all=True
        )
    )
    return counts
