"""Writes for the organisation and the audit log.

Every write to the database that a person causes goes through a service here (or in the app
that owns the model), and every service records what it did with ``audit_record``.
"""

from axes.utils import reset as axes_reset
from django.db import models, transaction
from django.forms.models import model_to_dict

from . import audit
from .models import AuditEvent, User

# Fields never copied into the audit log.
_SECRET_FIELDS = {"password"}
_NOISE_FIELDS = {"last_login", "updated_at", "created_at"}


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    ip_address: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event. ``actor=None`` means the system (or an unknown person, for a failed
    login). ``obj`` fills the object columns; without it, pass them explicitly."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=before,
        after=after,
        ip_address=ip_address,
    )


def snapshot(obj: models.Model) -> dict:
    """A JSON-safe copy of an object's own fields, for an audit row's before/after."""
    data = model_to_dict(obj)
    result = {}
    for key, value in data.items():
        if key in _SECRET_FIELDS or key in _NOISE_FIELDS:
            continue
        if isinstance(value, list):
            value = sorted(getattr(item, "pk", item) for item in value)
        elif isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        result[key] = value
    return result


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def object_change_record(
    *,
    obj: models.Model,
    before: dict | None,
    actor: User,
    ip_address: str | None,
    created_action: str,
    updated_action: str,
) -> AuditEvent | None:
    """Record that ``obj`` was created (``before is None``) or which of its fields changed.

    Used by the admin, where units, users and roles are maintained: the admin saves inside its
    own transaction, and calls this once the object and its many-to-many fields are saved.
    Returns None when nothing changed."""
    after = snapshot(obj)
    if before is None:
        return audit_record(
            actor=actor, action=created_action, obj=obj, after=after, ip_address=ip_address
        )
    old, new = changed_fields(before, after)
    if not (old or new):
        return None
    return audit_record(
        actor=actor, action=updated_action, obj=obj, before=old, after=new, ip_address=ip_address
    )


@transaction.atomic
def user_unlock(*, user: User, actor: User, ip_address: str | None) -> int:
    """Lift a login lockout before its cool-off ends. Returns the failed attempts cleared."""
    cleared = axes_reset(username=user.username)
    audit_record(
        actor=actor,
        action=audit.USER_UNLOCKED,
        obj=user,
        after={"cleared_attempts": cleared},
        ip_address=ip_address,
    )
    return cleared


@transaction.atomic
def password_change(*, user: User, form, ip_address: str | None) -> User:
    """Save a validated password-change form and record it (never the password itself)."""
    form.save()
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit_record(actor=user, action=audit.PASSWORD_CHANGED, obj=user, ip_address=ip_address)
    return user
