"""Audit rows for events that only Django or django-axes can see happen: logins, logouts,
failed logins and lockouts. Each receiver only hands over to the audit service."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from . import audit
from .http import client_ip
from .services import audit_record


def _ip(request):
    return client_ip(request) if request is not None else None


def on_logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=audit.LOGIN, obj=user, ip_address=_ip(request))


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=audit.LOGOUT, obj=user, ip_address=_ip(request))


def _target(username: str):
    """The account an attempt was aimed at, if it exists (the attempt itself has no actor)."""
    User = get_user_model()
    return User.objects.filter(username=username).first() if username else None


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or ""
    target = _target(username)
    audit_record(
        actor=None,
        action=audit.LOGIN_FAILED,
        obj=target,
        object_type="" if target else "core.user",
        object_repr="" if target else username[:200],
        after={
            "username": username[:150],
            "locked": bool(getattr(request, "axes_locked_out", False)),
        },
        ip_address=_ip(request),
    )


def on_locked_out(sender, request, username, ip_address, **kwargs):
    target = _target(username or "")
    audit_record(
        actor=None,
        action=audit.LOCKED_OUT,
        obj=target,
        object_type="" if target else "core.user",
        object_repr="" if target else (username or "")[:200],
        after={"username": (username or "")[:150]},
        ip_address=_ip(request) or ip_address,
    )


def connect():
    user_logged_in.connect(on_logged_in, dispatch_uid="core.audit.logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="core.audit.logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="core.audit.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="core.audit.locked_out")
