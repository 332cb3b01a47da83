"""The firm-list import engine: set-based, all or nothing.

``enterprises_import`` reads a file (``core.tabular``), checks every row in Python against
lookups made once per import (existing firms by credit code, towns, industries, existing yearly
figures), and reports row by row what would be created, updated, left unchanged or is wrong.
With ``commit=True`` and no error it then writes everything with bulk inserts and updates in
batches inside one transaction, with an edit-history row for every firm it touches and one
audit event for the import. With any error it writes nothing.

The layout (headers ↔ fields) comes from the django-import-export resources.
"""

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.models import User
from core.services import audit_record
from core.tabular import TableError, read_table

from .. import audit
from ..models import EnterpriseRevision
from .plan import _plan
from .rows import Report, RowError
from .write import _write

__all__ = ["Report", "RowError", "enterprises_import"]


def enterprises_import(
    *,
    content: bytes,
    file_name: str,
    actor: User | None,
    commit: bool,
    progress: Callable[[int], None] = lambda done: None,
    source: str = EnterpriseRevision.Source.IMPORT,
    ip_address: str | None = None,
) -> Report:
    """Check a firm list and, with ``commit`` and no error, import it. Never half-writes."""
    report = Report()
    try:
        sheets = read_table(content)
    except TableError as exc:
        report.file_error = str(exc)
        return report
    if not commit:
        _plan(sheets, report, progress)
        return report
    try:
        with transaction.atomic():
            plan = _plan(sheets, report, progress, lock=True)
            if plan is None or not report.ok:
                return report
            _write(plan, actor=actor, source_name=file_name, source=source)
            audit_record(
                actor=actor,
                action=audit.IMPORTED,
                object_type="enterprises.enterprise",
                object_repr=file_name[:200],
                after={
                    "file": file_name,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "years_created": report.years_created,
                    "years_updated": report.years_updated,
                },
                ip_address=ip_address,
            )
            report.committed = True
    except IntegrityError:
        report.file_error = _(
            "Another import changed the same firms at the same moment; nothing was written. "
            "Import the file again."
        )
        report.committed = False
    return report
