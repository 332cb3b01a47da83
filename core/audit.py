"""The vocabulary of the audit log: action codes and their labels.

Each app registers its own actions (``register_actions``) from its ``AppConfig.ready``, so the
audit page can name every event in Chinese while this app knows no domain app.
"""

from django.utils.translation import gettext_lazy as _

LOGIN = "auth.login"
LOGOUT = "auth.logout"
LOGIN_FAILED = "auth.login_failed"
LOCKED_OUT = "auth.locked_out"
PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 (an action code)
PERMISSION_DENIED = "access.denied"
CSRF_FAILED = "access.csrf_failed"
UNIT_CREATED = "unit.create"
UNIT_UPDATED = "unit.update"
USER_CREATED = "user.create"
USER_UPDATED = "user.update"
USER_PASSWORD_SET = "user.password_set"  # noqa: S105 (an action code)
USER_UNLOCKED = "user.unlock"
CALENDAR_LOADED = "calendar.load"
CALENDAR_CHANGED = "calendar.change"
GROUP_CREATED = "group.create"
GROUP_UPDATED = "group.update"

_labels = {
    LOGIN: _("Logged in"),
    LOGOUT: _("Logged out"),
    LOGIN_FAILED: _("Failed login"),
    LOCKED_OUT: _("Account locked out"),
    PASSWORD_CHANGED: _("Changed own password"),
    PERMISSION_DENIED: _("Access denied"),
    CSRF_FAILED: _("Form check failed (CSRF)"),
    UNIT_CREATED: _("Created unit"),
    UNIT_UPDATED: _("Changed unit"),
    USER_CREATED: _("Created user"),
    USER_UPDATED: _("Changed user"),
    USER_PASSWORD_SET: _("Set a user's password"),
    USER_UNLOCKED: _("Unlocked a locked-out account"),
    CALENDAR_LOADED: _("Loaded a year of the official calendar"),
    CALENDAR_CHANGED: _("Changed the official calendar"),
    GROUP_CREATED: _("Created role"),
    GROUP_UPDATED: _("Changed role"),
}


def register_actions(labels: dict) -> None:
    """Add ``{code: label}`` pairs; a code already registered with another label is an error."""
    for code, label in labels.items():
        if code in _labels and _labels[code] != label:
            raise ValueError(f"audit action {code!r} is already registered")
        _labels[code] = label


def action_label(code: str) -> str:
    return str(_labels.get(code, code))


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in _labels.items()), key=lambda c: c[0])


# Labels for the keys of before/after that are not model fields.
_detail_labels = {
    "username": _("User name"),
    "locked": _("Account locked"),
    "method": _("Request method"),
    "path": _("Address requested"),
    "reason": _("Reason"),
    "cleared_attempts": _("Failed attempts cleared"),
    # Keys the domain apps' services record on objects that have no such field.
    "problem": _("Problem"),
    "enterprise": _("Enterprise"),
    "category": _("Category"),
    "batch": _("Batch"),
    "slips": _("Assignment slips"),
    "into": _("Merged into"),
}


def _field_label(object_type: str, key: str) -> str:
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    if key in _detail_labels:
        return str(_detail_labels[key])
    try:
        model = apps.get_model(object_type)
        return str(model._meta.get_field(key).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return key


def _value_text(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def describe_changes(event) -> list[dict]:
    """The event's before/after as rows a person can read: field label, old text, new text."""
    before = event.before or {}
    after = event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        {
            "label": _field_label(event.object_type, key),
            "before": _value_text(before[key]) if key in before else None,
            "after": _value_text(after[key]) if key in after else None,
        }
        for key in keys
    ]
