"""Reads of symposiums and matchmaking meetings, limited in the query to what the user may see.
The office keeps them; nobody else reads them as such (a unit reads its slips as ever)."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from issues.models import Problem, Slip
from issues.selectors import slips_visible_to

from .models import Meeting, MeetingProblem

# A slip in force: not withdrawn, not returned to sorting (as the measures count "issued").
LIVE_SLIP = ~Q(status__in=[Slip.Status.WITHDRAWN, Slip.Status.RETURNED])


def meetings_visible_to(user) -> QuerySet[Meeting]:
    if user.is_authenticated and user.has_perm("core.assign_problems"):
        return Meeting.objects.all()
    return Meeting.objects.none()


def meeting_get_visible(user, pk: int) -> Meeting:
    try:
        return meetings_visible_to(user).select_related("created_by").get(pk=pk)
    except Meeting.DoesNotExist as exc:
        raise Http404 from exc


def _count(qs: QuerySet, group_by: str) -> Subquery:
    return Coalesce(
        Subquery(
            qs.order_by().values(group_by).annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def meetings_listed(qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Newest first, each with its counts of firms present, problems raised, problems still
    awaiting sorting, and slips issued (in force) and closed — one query for the whole list."""
    links = MeetingProblem.objects.filter(meeting=OuterRef("pk"))
    slips = Slip.objects.filter(problem__meeting_link__meeting=OuterRef("pk"))
    return qs.annotate(
        firm_count=_count(Meeting.firms.through.objects.filter(meeting=OuterRef("pk")), "meeting"),
        problem_count=_count(links, "meeting"),
        awaiting_count=_count(links.filter(problem__status=Problem.Status.NEW), "meeting"),
        issued_count=_count(slips.filter(LIVE_SLIP), "problem__meeting_link__meeting"),
        closed_count=_count(
            slips.filter(status=Slip.Status.CLOSED), "problem__meeting_link__meeting"
        ),
    ).order_by("-held_on", "-id")


def meeting_firms_with_problems(meeting: Meeting) -> list:
    """The firms present (by name), each with ``raised``: the problems it raised at the meeting
    in the order recorded, each with ``slip``, its slip in force or None. Three queries."""
    firms = list(meeting.firms.select_related("town").order_by("name", "pk"))
    links = (
        MeetingProblem.objects.filter(meeting=meeting)
        .select_related("problem")
        .prefetch_related(
            Prefetch(
                "problem__slips",
                queryset=Slip.objects.filter(LIVE_SLIP).select_related("lead_unit"),
                to_attr="live_slips",
            )
        )
        .order_by("created_at", "pk")
    )
    by_firm: dict[int, list[Problem]] = {}
    for link in links:
        problem = link.problem
        problem.slip = problem.live_slips[0] if problem.live_slips else None
        by_firm.setdefault(link.enterprise_id, []).append(problem)
    for firm in firms:
        firm.raised = by_firm.get(firm.pk, [])
    return firms


def meeting_problems(meeting: Meeting) -> QuerySet[Problem]:
    """The problems raised at the meeting, grouped by firm, in the order recorded."""
    return (
        Problem.objects.filter(meeting_link__meeting=meeting)
        .select_related("enterprise")
        .order_by("enterprise__name", "meeting_link__created_at", "pk")
    )


def meeting_slips(user, meeting: Meeting) -> QuerySet[Slip]:
    """The slips in force of the meeting's problems that the user may read, in the order they
    were numbered, loaded as a slip's printed page needs them."""
    return (
        slips_visible_to(user)
        .filter(LIVE_SLIP, problem__meeting_link__meeting=meeting)
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
        .order_by("batch__year", "batch__number", "seq")
    )


def meeting_of_problem(problem_id: int) -> Meeting | None:
    link = MeetingProblem.objects.filter(problem=problem_id).select_related("meeting").first()
    return link.meeting if link else None
