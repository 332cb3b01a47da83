"""A firm's edit history, stored as raw values and read in words.

``EnterpriseRevision.changes`` holds ``{field: [old, new]}`` with raw, language-free values
(choice codes, booleans, numbers as text; town and industry by name, which are data), and
``{"year:2025": {field: [old, new]}}`` for a year's figures. Labels are made when the history is
shown, in the reader's language, so stored history never freezes a translation.
"""

from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from .models import Enterprise, EnterpriseYear

YEAR_PREFIX = "year:"


def raw_value(value):
    """A JSON-safe raw value."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def value_text(field_name: str, raw) -> str:
    if raw is None or raw == "":
        return ""
    if field_name == "size_class":
        try:
            return str(Enterprise.SizeClass(raw).label)
        except ValueError:
            return str(raw)
    if field_name == "status":
        try:
            return str(Enterprise.Status(raw).label)
        except ValueError:
            return str(raw)
    if field_name == "is_tech":
        return _("Yes") if raw else _("No")
    return str(raw)


def _label(model, field_name: str) -> str:
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except FieldDoesNotExist:
        return field_name


def year_key(year: int) -> str:
    return f"{YEAR_PREFIX}{year}"


def change_rows(changes: dict) -> list[dict]:
    """[{label, old, new}] in the reader's language."""
    rows = []
    for key, value in changes.items():
        if key.startswith(YEAR_PREFIX):
            year = key.removeprefix(YEAR_PREFIX)
            for field_name, (old, new) in value.items():
                rows.append(
                    {
                        "label": _("%(year)s %(field)s")
                        % {"year": year, "field": _label(EnterpriseYear, field_name)},
                        "old": value_text(field_name, old),
                        "new": value_text(field_name, new),
                    }
                )
            continue
        old, new = value
        rows.append(
            {
                "label": _label(Enterprise, key),
                "old": value_text(key, old),
                "new": value_text(key, new),
            }
        )
    return rows
