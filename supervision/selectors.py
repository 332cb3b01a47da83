"""Reads for the coordinating bodies: the slips escalated to them, their coordination, and the
measures per tier — limited in the query to what the user may see."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from issues.measures import measures_by
from issues.models import Slip, SlipEvent
from issues.services.slips import body_tier

from .models import Coordination, CoordinationMeeting

S = Slip.Status
STATES = {
    "waiting": Q(status=S.ESCALATED),
    "down": ~Q(status__in=[S.ESCALATED, S.CLOSED, S.WITHDRAWN, S.RETURNED]),
    "closed": Q(status=S.CLOSED),
    "all": Q(),
}


def escalated_visible_to(user) -> QuerySet[Slip]:
    """A member of a coordinating body: the slips escalated to that body, and those that climbed
    on from it (a leader who sits on it too works from this list); the office and other leaders: every slip above tier 1;
    anyone else nothing."""
    if not user.is_authenticated:
        return Slip.objects.none()
    if user.has_perm("core.coordinate_escalations") and user.unit_id:
        tier = body_tier(user.unit)
        above = Q(tier__gt=tier) if tier is not None else Q(pk__in=[])
        return Slip.objects.filter(Q(tier_unit=user.unit_id) | above)
    if user.has_perm("core.assign_problems") or user.has_perm("core.view_dashboard"):
        return Slip.objects.filter(tier__gte=2)
    return Slip.objects.none()


def escalated_filter(
    slips: QuerySet[Slip], *, state="waiting", tier="", q="", at_tier: int | None = None
) -> QuerySet[Slip]:
    """``at_tier``: a body's own tier. Its tabs then read its own slips, and "above" those
    that climbed on from it to a higher body."""
    if state == "above":
        slips = slips.filter(tier__gt=at_tier) if at_tier else slips.none()
    else:
        slips = slips.filter(STATES.get(state, STATES["waiting"]))
        if at_tier and state != "all" and not tier:  # a tier chosen (a row of the table) wins
            slips = slips.filter(tier=at_tier)
    if tier:
        slips = slips.filter(tier=int(tier))
    if q:
        slips = slips.filter(
            Q(number__icontains=q)
            | Q(problem__enterprise__name__icontains=q)
            | Q(problem__description__icontains=q)
        )
    return slips


def escalated_listed(slips: QuerySet[Slip]) -> QuerySet[Slip]:
    """With what the list shows: when the slip climbed, its coordinator at its tier, its
    meetings. A fixed number of queries whatever the page holds."""
    climbed = (
        SlipEvent.objects.filter(slip=OuterRef("pk"), action__in=["escalate", "approve_escalation"])
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    coordinator = Coordination.objects.filter(slip=OuterRef("pk"), tier=OuterRef("tier")).values(
        "coordinator__name"
    )[:1]
    meetings = (
        CoordinationMeeting.objects.filter(slip=OuterRef("pk"))
        .order_by()
        .values("slip")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        slips.select_related("problem", "problem__enterprise", "lead_unit", "tier_unit")
        .annotate(
            climbed_at=Subquery(climbed),
            coordinator_name=Subquery(coordinator),
            meeting_count=Coalesce(Subquery(meetings, output_field=IntegerField()), 0),
        )
        .order_by("deadline", "pk")
    )


def tier_measures(slips: QuerySet[Slip]) -> list[dict]:
    """The measures of the slips at each tier, with how many wait on the body: one query."""
    rows = measures_by(slips, "tier", extra={"waiting": Count("id", filter=Q(status=S.ESCALATED))})
    return sorted(rows, key=lambda row: row["tier"])


def coordination_of(slip: Slip) -> dict:
    """The coordination record of one slip: coordinators per tier and the meetings held."""
    return {
        "coordinations": list(
            Coordination.objects.filter(slip=slip).select_related("coordinator", "body")
        ),
        "meetings": list(
            CoordinationMeeting.objects.filter(slip=slip)
            .select_related("body", "recorded_by")
            .prefetch_related("units_present")
        ),
    }
