"""Reads of problems, limited in the query to what the user may see."""

import re

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from enterprises.selectors import firm_of

from .models import REFERENCE_PREFIX, Attachment, Problem, Slip


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
        query = Q(description__icontains=q) | Q(enterprise__name__icontains=q)
        reference = re.fullmatch(rf"{REFERENCE_PREFIX}?0*(\d{{1,9}})", q.strip(), re.IGNORECASE)
        if reference:  # the number a firm quotes (P000123)
            query |= Q(pk=int(reference.group(1)))
        qs = qs.filter(query)
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


# --- Slips -----------------------------------------------------------------------------------

# Apps above ``issues`` add who else reads a firm's slips (a cadre paired with the firm): each
# function takes a user and returns a queryset of enterprise ids, or None.
_slip_readers: list = []


def slip_visibility_register(source) -> None:
    if source not in _slip_readers:
        _slip_readers.append(source)


def slips_visible_to(user) -> QuerySet[Slip]:
    """The office and leaders read every slip; a handling unit (its handlers and its leaders)
    the slips where it is lead or co-unit; the body a slip was escalated to (leadership group,
    city leaders, higher level) the slips it answers for and those that climbed on from it; others the slips of the firms they
    reach through higher apps (a paired cadre). Whoever the sweep notifies can open the slip."""
    if not user.is_authenticated:
        return Slip.objects.none()
    if user.has_perm("core.assign_problems") or user.has_perm("core.view_dashboard"):
        return Slip.objects.all()
    query = Q(pk__in=[])
    if user.has_perm("core.coordinate_escalations"):
        query |= Q(tier_unit=user.unit_id)
        # Escalation climbs one tier at a time: a slip above the body's tier went through it,
        # and the body keeps sight of it (to read, not to act).
        from .services.slips import body_tier

        tier = body_tier(user.unit)
        if tier is not None:
            query |= Q(tier__gt=tier)
    if user.has_perm("core.handle_slips") or user.has_perm("core.view_unit_visits"):
        query |= Q(lead_unit=user.unit_id) | Q(
            pk__in=Slip.co_units.through.objects.filter(unit_id=user.unit_id).values("slip_id")
        )
    for source in _slip_readers:
        ids = source(user)
        if ids is not None:
            query |= Q(problem__enterprise__in=ids)
    return Slip.objects.filter(query)


def slip_get_visible(user, pk: int) -> Slip:
    try:
        return (
            slips_visible_to(user)
            .select_related(
                "batch",
                "problem",
                "problem__enterprise",
                "problem__enterprise__town",
                "problem__raised_by",
                "lead_unit",
                "tier_unit",
                "issued_by",
                "replied_by",
                "rated_by",
            )
            .prefetch_related("co_units")
            .get(pk=pk)
        )
    except Slip.DoesNotExist as exc:
        raise Http404 from exc


def slips_filter(
    qs: QuerySet[Slip],
    *,
    q: str = "",
    status: str = "",
    batch=None,
    unit=None,
    category: str = "",
    overdue: bool = False,
    today=None,
) -> QuerySet[Slip]:
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(problem__enterprise__name__icontains=q)
            | Q(problem__description__icontains=q)
        )
    if status == "open":
        qs = qs.exclude(
            status__in=[Slip.Status.CLOSED, Slip.Status.WITHDRAWN, Slip.Status.RETURNED]
        )
    elif status:
        qs = qs.filter(status=status)
    if batch:
        qs = qs.filter(batch=batch)
    if unit:
        qs = qs.filter(Q(lead_unit=unit) | Q(co_units=unit)).distinct()
    if category:
        qs = qs.filter(problem__category=category)
    if overdue:
        qs = qs.filter(
            deadline__lt=today or timezone.localdate(),
            status__in=[
                Slip.Status.ISSUED,
                Slip.Status.SIGNED,
                Slip.Status.IN_PROGRESS,
                Slip.Status.REOPENED,
                Slip.Status.RETURN_REQUESTED,
                Slip.Status.EXTENSION_REQUESTED,
                Slip.Status.ESCALATION_REQUESTED,
                Slip.Status.ESCALATED,
            ],
        )
    return qs


def slips_listed(qs: QuerySet[Slip]) -> QuerySet[Slip]:
    return qs.select_related(
        "batch", "problem", "problem__enterprise", "problem__enterprise__town", "lead_unit"
    ).prefetch_related("co_units")


WAITING_ON_UNIT = {
    Slip.Status.ISSUED,
    Slip.Status.SIGNED,
    Slip.Status.IN_PROGRESS,
    Slip.Status.REOPENED,
    Slip.Status.EXTENSION_REQUESTED,
    Slip.Status.ESCALATION_REQUESTED,
    Slip.Status.RETURN_REQUESTED,
    Slip.Status.ESCALATED,
}


def slips_days_left(slips: list[Slip], today=None) -> list[Slip]:
    """Set ``days_left`` (working days; negative when overdue, None when no longer waiting on
    the unit) on each slip, reading the calendar once for the whole list."""
    from core.workdays import WorkCalendar

    today = today or timezone.localdate()
    waiting = [s for s in slips if s.status in WAITING_ON_UNIT]
    if waiting:
        dates = [s.deadline for s in waiting]
        calendar = WorkCalendar(min([today, *dates]), max([today, *dates]))
        for slip in waiting:
            slip.days_left = calendar.between(today, slip.deadline)
            if slip.deadline < today:
                slip.days_left = min(slip.days_left, -1)
    for slip in slips:
        if slip.status not in WAITING_ON_UNIT:
            slip.days_left = None
        slip.overdue_days = (
            -slip.days_left if slip.days_left is not None and slip.days_left < 0 else 0
        )
    return slips


def unit_inbox(user, *, today=None) -> list[Slip]:
    """我的交办件: the unit's slips still waiting on it, overdue first, then by deadline."""
    today = today or timezone.localdate()
    slips = list(
        slips_listed(
            slips_visible_to(user).filter(
                Q(lead_unit=user.unit_id) | Q(co_units=user.unit_id),
                status__in=list(WAITING_ON_UNIT),
            )
        )
        .distinct()
        .order_by("deadline", "pk")
    )
    return slips_days_left(slips, today)


# --- Attachments -----------------------------------------------------------------------------


def attachments_visible_to(user) -> QuerySet[Attachment]:
    """A problem's files, for those who may see the problem: the firm's own users, the office
    and leaders (and a cadre his or her problems) through ``problems_visible_to``, and those
    who read a slip of the problem (the units handling it, the paired cadre) through
    ``slips_visible_to`` — for the slip's problem and the duplicates merged into it."""
    if not user.is_authenticated:
        return Attachment.objects.none()
    slip_problems = slips_visible_to(user).values("problem_id")
    query = (
        Q(problem__in=problems_visible_to(user).values("pk"))
        | Q(problem__in=slip_problems)
        | Q(problem__duplicate_of__in=slip_problems)
    )
    firm = firm_of(user)
    if firm is not None and user.has_perm("core.submit_requests"):
        query |= Q(problem__enterprise=firm)
    return Attachment.objects.filter(query)


def attachment_get_visible(user, pk: int) -> Attachment:
    try:
        return attachments_visible_to(user).get(pk=pk)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
