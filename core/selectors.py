"""Reads for the organisation and the audit log, limited to what the user may see."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import AuditEvent, User


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The whole log for those allowed to read it (administrators); refused for anyone else."""
    if not user.has_perm("core.view_auditevent"):
        raise PermissionDenied
    return AuditEvent.objects.select_related("actor", "actor__unit")


def audit_events_filter(
    qs: QuerySet[AuditEvent], *, action="", actor="", date_from=None, date_to=None, q=""
) -> QuerySet[AuditEvent]:
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(Q(actor__username__icontains=actor) | Q(actor__name__icontains=actor))
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(object_id=q))
    return qs


def users_with_capability(codename: str, unit_id: int | None = None) -> QuerySet[User]:
    """Active users granted a capability (through a role or directly), of one unit if given."""
    users = User.objects.filter(is_active=True).filter(
        Q(groups__permissions__codename=codename) | Q(user_permissions__codename=codename)
    )
    if unit_id is not None:
        users = users.filter(unit_id=unit_id)
    return users.distinct()
