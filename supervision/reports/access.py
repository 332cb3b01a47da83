"""Who may read and manage bulletins and evaluations, and the lists limited to it."""

from django.core.exceptions import PermissionDenied
from django.db.models import (
    DecimalField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils.translation import gettext as _

from core.models import User

from ..models_reports import Bulletin, Evaluation, EvaluationScore

# --- Who may do what -----------------------------------------------------------------------------


def may_manage_reports(user) -> bool:
    """The office drafts, edits and publishes."""
    return user.is_authenticated and user.has_perm("core.supervise")


def may_read_all_reports(user) -> bool:
    return user.is_authenticated and (
        user.has_perm("core.supervise") or user.has_perm("core.view_dashboard")
    )


def reads_as_unit(user) -> bool:
    """A handling unit's people (handlers, unit leaders) read what concerns their unit."""
    return (
        user.is_authenticated
        and not may_read_all_reports(user)
        and bool(user.unit_id)
        and (user.has_perm("core.handle_slips") or user.has_perm("core.view_unit_visits"))
    )


def may_read_reports(user) -> bool:
    return may_read_all_reports(user) or reads_as_unit(user)


def _office_check(actor: User) -> None:
    if not may_manage_reports(actor):
        raise PermissionDenied(_("Only the activity office may do this."))


# --- Selectors -----------------------------------------------------------------------------------


def bulletins_visible_to(user) -> QuerySet[Bulletin]:
    """The office: every bulletin, drafts included; leaders: the published ones; a handling
    unit's people: the published bulletins that mention their unit; anyone else nothing."""
    if not user.is_authenticated:
        return Bulletin.objects.none()
    if may_manage_reports(user):
        return Bulletin.objects.all()
    published = Bulletin.objects.filter(status=Bulletin.Status.PUBLISHED)
    if may_read_all_reports(user):
        return published
    if reads_as_unit(user):
        return published.filter(mentioned_units=user.unit_id)
    return Bulletin.objects.none()


def bulletin_get_visible(user, pk: int) -> Bulletin:
    try:
        return bulletins_visible_to(user).select_related("created_by", "published_by").get(pk=pk)
    except Bulletin.DoesNotExist as exc:
        raise Http404 from exc


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    """The office: every evaluation; leaders: the published ones; a handling unit's people: the
    published evaluations that scored their unit, each with the unit's rank (``own_rank``,
    ``own_ranked``, ``own_score``) annotated."""
    if not user.is_authenticated:
        return Evaluation.objects.none()
    if may_manage_reports(user):
        return Evaluation.objects.all()
    published = Evaluation.objects.filter(status=Evaluation.Status.PUBLISHED)
    if may_read_all_reports(user):
        return published
    if reads_as_unit(user):
        own = EvaluationScore.objects.filter(evaluation=OuterRef("pk"), unit=user.unit_id)
        return published.filter(scores__unit=user.unit_id).annotate(
            own_rank=Subquery(own.values("rank")[:1], output_field=IntegerField()),
            own_ranked=Subquery(own.values("ranked")[:1], output_field=IntegerField()),
            own_score=Subquery(
                own.values("score")[:1], output_field=DecimalField(max_digits=8, decimal_places=2)
            ),
        )
    return Evaluation.objects.none()


def evaluation_get_visible(user, pk: int) -> Evaluation:
    try:
        return evaluations_visible_to(user).select_related("created_by", "published_by").get(pk=pk)
    except Evaluation.DoesNotExist as exc:
        raise Http404 from exc
