"""Importing pairings (挂钩联系) from a spreadsheet: checked row by row, all or nothing.

``pairings_import`` reads a file (``core.tabular``), resolves every row against lookups made
once per import (firms by credit code, units by name, active users by unit and name or by
mobile, the open pairings), and reports what would be created, updated, left unchanged or
ended, and what is wrong, with the Excel row and column of each error. With ``commit=True`` and
no error it writes everything in one transaction (bulk inserts and updates) and records one
audit event. With any error it writes nothing. Importing the same file twice changes nothing.

Pairings are matched by (firm, cadre): the database allows one open pairing per pair. A row
changes an open pairing's tier and unit; its start date only applies to a new pairing.

A list is at most a few thousand rows, so the upload is checked at once (no background task):
``pairing_import_start`` stores the check as a preview, ``pairing_import_confirm`` imports it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.services import audit_record
from core.tabular import TableError, read_table

from .. import audit
from ..models import PairingImport
from .plan import _plan, _write
from .rows import Report, RowError
from .template import pairing_import_template_xlsx

__all__ = [
    "Report",
    "RowError",
    "pairing_import_confirm",
    "pairing_import_start",
    "pairing_import_template_xlsx",
    "pairing_imports_visible_to",
    "pairings_import",
]


# --- The engine ------------------------------------------------------------------------------


def pairings_import(
    *,
    content: bytes,
    file_name: str,
    actor: User | None,
    commit: bool,
    end_unlisted: bool,
    ip_address: str | None = None,
    expected_fingerprint: str = "",
) -> Report:
    """Check a pairing list and, with ``commit`` and no error, import it. Never half-writes.
    With ``expected_fingerprint`` (the preview's), a plan that differs from the one the user
    confirmed is not written: the report is the new preview, ``changed_since_preview`` set."""
    report = Report(end_unlisted=end_unlisted)
    try:
        sheets = read_table(content)
    except TableError as exc:
        report.file_error = str(exc)
        return report
    if not commit:
        _plan(sheets, report, end_unlisted=end_unlisted)
        return report
    try:
        with transaction.atomic():
            plan = _plan(sheets, report, end_unlisted=end_unlisted, lock=True)
            if plan is None or not report.ok:
                return report
            if expected_fingerprint and report.fingerprint != expected_fingerprint:
                report.changed_since_preview = True
                return report
            _write(plan)
            audit_record(
                actor=actor,
                action=audit.PAIRINGS_IMPORTED,
                object_type="visits.pairing",
                object_repr=file_name[:200],
                after={
                    "file": file_name,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "ended": report.ended,
                    "end_unlisted": end_unlisted,
                },
                ip_address=ip_address,
            )
            report.committed = True
    except IntegrityError:
        report.file_error = _(
            "Someone changed the same pairings at the same moment; nothing was written. "
            "Upload the file again."
        )
        report.committed = False
    return report


# --- The import job: upload, preview, confirm ------------------------------------------------


def pairing_imports_visible_to(user) -> QuerySet[PairingImport]:
    """Those who may import share their imports; no one else sees any."""
    if not user.has_perm("core.import_data"):
        return PairingImport.objects.none()
    return PairingImport.objects.select_related("created_by").defer("content")


def pairing_import_start(
    *, user: User, file_name: str, content: bytes, end_unlisted: bool
) -> PairingImport:
    """Check an uploaded list at once and keep its preview. Nothing is imported until
    confirmed; a file with errors is not kept, only its report."""
    if not content:
        raise ValidationError(_("The file is empty."))
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(content) > limit:
        raise ValidationError(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": limit // (1024 * 1024)}
        )
    report = pairings_import(
        content=content, file_name=file_name, actor=user, commit=False, end_unlisted=end_unlisted
    )
    return PairingImport.objects.create(
        created_by=user,
        file_name=file_name[:200],
        content=content if report.ok else b"",
        end_unlisted=end_unlisted,
        status=PairingImport.Status.PREVIEW if report.ok else PairingImport.Status.INVALID,
        report=report.as_dict(),
    )


def pairing_import_confirm(
    *, job: PairingImport, user: User, ip_address: str | None
) -> PairingImport:
    """Import a previewed file, checked again against the database as it is now. A second
    click (or a job not waiting for confirmation) does nothing."""
    with transaction.atomic():
        job = PairingImport.objects.select_for_update().get(pk=job.pk)
        if job.status != PairingImport.Status.PREVIEW:
            return job
        report = pairings_import(
            content=bytes(job.content),
            file_name=job.file_name,
            actor=user,
            commit=True,
            end_unlisted=job.end_unlisted,
            ip_address=ip_address,
            expected_fingerprint=(job.report or {}).get("fingerprint", ""),
        )
        if report.changed_since_preview and report.ok:
            # Pairings changed since the preview: show the new preview, confirm again.
            job.report = report.as_dict()
            job.save(update_fields=["report"])
            return job
        job.report = report.as_dict()
        job.status = PairingImport.Status.DONE if report.committed else PairingImport.Status.INVALID
        job.finished_at = timezone.now() if report.committed else None
        job.content = b""  # the file is no longer needed; its name and report stay
        job.save(update_fields=["report", "status", "finished_at", "content"])
    return job
