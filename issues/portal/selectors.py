"""The firm's own records, and nothing else: every portal page takes its ids through here."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from enterprises.models import Enterprise
from enterprises.selectors import firm_of

from ..models import Problem, Slip

# A problem's slip that stands (at most one: the database allows one live slip per problem).
LIVE = ~Q(status__in=[Slip.Status.WITHDRAWN, Slip.Status.RETURNED])


def portal_firm(user) -> Enterprise:
    """The firm whose portal the user may use: an enterprise user linked to a firm. Anyone
    else is refused (403)."""
    if not user.is_authenticated or not user.has_perm("core.submit_requests"):
        raise PermissionDenied
    firm = firm_of(user)
    if firm is None:
        raise PermissionDenied
    return firm


def portal_problems(user) -> QuerySet[Problem]:
    """Every problem of the user's firm, from any channel (visits, the hotline, the web,
    symposiums...); none for anyone else."""
    firm = firm_of(user)
    if firm is None or not user.has_perm("core.submit_requests"):
        return Problem.objects.none()
    return Problem.objects.filter(enterprise=firm)


def _live_slips() -> QuerySet[Slip]:
    return Slip.objects.filter(LIVE).select_related("lead_unit")


def portal_problems_listed(qs: QuerySet[Problem]) -> QuerySet[Problem]:
    """With what the list shows: the live slip (its unit and deadline), that of the problem a
    duplicate was merged into, and how many files each has."""
    return (
        qs.select_related("duplicate_of")
        .prefetch_related(
            Prefetch("slips", queryset=_live_slips(), to_attr="live_slips"),
            Prefetch("duplicate_of__slips", queryset=_live_slips(), to_attr="live_slips"),
        )
        .annotate(attachment_count=Count("attachments"))
    )


def portal_problem_get(user, pk: int) -> Problem:
    """One of the firm's problems, or 404 (another firm's problem does not exist here)."""
    try:
        return portal_problems_listed(portal_problems(user)).get(pk=pk)
    except Problem.DoesNotExist as exc:
        raise Http404 from exc


def problem_live_slip(problem: Problem | None) -> Slip | None:
    if problem is None:
        return None
    slips = getattr(problem, "live_slips", None)
    if slips is None:
        slips = list(problem.slips.filter(LIVE).select_related("lead_unit"))
    return slips[0] if slips else None


def firm_rates_for(user, enterprise) -> bool:
    """A firm's own user rates the firm's slips (``issues.workflow.rating_delegate_register``):
    this makes the user a delegate of those slips, whose only moves are the two ratings."""
    if not user.has_perm("core.submit_requests"):
        return False
    firm = firm_of(user)
    return firm is not None and firm.pk == enterprise.pk
