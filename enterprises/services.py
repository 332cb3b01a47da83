"""Writes to the registry: import jobs (upload, check, confirm) and edits from the admin."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.services import audit_record, changed_fields

from . import audit
from .history import raw_value
from .importing import enterprises_import
from .models import PROFILE_FIELDS, Enterprise, EnterpriseRevision, EnterpriseYear, ImportJob
from .tasks import import_job_check_task, import_job_commit_task


def import_job_start(*, user: User, file_name: str, content: bytes) -> ImportJob:
    """Keep the uploaded file and queue its check. Nothing is imported until confirmed."""
    if not content:
        raise ValidationError(_("The file is empty."))
    if len(content) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)d MB; split it into smaller files.")
            % {"mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    job = ImportJob.objects.create(created_by=user, file_name=file_name[:200], content=content)
    transaction.on_commit(lambda: import_job_check_task.delay(job.pk))
    return job


def _progress_writer(job_id: int):
    def write(done: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(rows_done=done)

    return write


def import_job_check(*, job_id: int) -> ImportJob | None:
    """The dry run: fill the job's report with what would happen. Safe to run twice."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.CHECKING
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    try:
        report = enterprises_import(
            content=bytes(job.content),
            file_name=job.file_name,
            actor=job.created_by,
            commit=False,
            progress=_progress_writer(job.pk),
        )
    except Exception:
        _job_failed(job)
        raise
    job.report = report.as_dict()
    job.rows_total = report.rows_total
    job.rows_done = report.rows_total
    job.status = ImportJob.Status.PREVIEW if report.ok else ImportJob.Status.INVALID
    job.finished_at = timezone.now()
    fields = ["report", "rows_total", "rows_done", "status", "finished_at"]
    if not report.ok:
        job.content = b""  # a file with errors is never imported: keep only its report
        fields.append("content")
    job.save(update_fields=fields)
    return job


def _job_failed(job: ImportJob) -> None:
    """An unexpected error: nothing was written (the import is one transaction); say so on the
    job's page instead of leaving it polling for ever. The error itself goes to the log."""
    job.status = ImportJob.Status.FAILED
    job.report = {
        **(job.report or {}),
        "file_error": _(
            "The import stopped on an unexpected error and wrote nothing. Tell your "
            "administrator the time it happened; the file can be uploaded again."
        ),
        "committed": False,
    }
    job.finished_at = timezone.now()
    job.content = b""
    job.save(update_fields=["status", "report", "finished_at", "content"])


def import_job_confirm(*, job: ImportJob, user: User, ip_address: str | None) -> ImportJob:
    """Queue the real import of a checked file. A second click does nothing."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.PREVIEW:
            return job
        job.status = ImportJob.Status.IMPORTING
        job.rows_done = 0
        job.save(update_fields=["status", "rows_done"])
    transaction.on_commit(lambda: import_job_commit_task.delay(job.pk, user.pk, ip_address))
    return job


def import_job_commit(*, job_id: int, user_id: int, ip_address: str | None = None) -> ImportJob:
    """Import the file for real, all or nothing; the report is re-made against the registry
    as it is now, so it says what was really done."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    user = User.objects.get(pk=user_id)
    try:
        report = enterprises_import(
            content=bytes(job.content),
            file_name=job.file_name,
            actor=user,
            commit=True,
            progress=_progress_writer(job.pk),
            ip_address=ip_address,
        )
    except Exception:
        _job_failed(job)
        raise
    job.report = report.as_dict()
    job.rows_done = report.rows_total
    job.status = ImportJob.Status.DONE if report.committed else ImportJob.Status.INVALID
    job.finished_at = timezone.now()
    job.content = b""  # the file is no longer needed; its name and report stay
    job.save(update_fields=["report", "rows_done", "status", "finished_at", "content"])
    return job


HISTORY_FIELDS = PROFILE_FIELDS


def _history_values(enterprise: Enterprise) -> dict:
    values = {
        f: raw_value(getattr(enterprise, f))
        for f in HISTORY_FIELDS
        if f not in {"town", "industry"}
    }
    values["town"] = enterprise.town.name if enterprise.town_id else ""
    values["industry"] = str(enterprise.industry) if enterprise.industry_id else ""
    return values


def enterprise_history_snapshot(enterprise: Enterprise) -> dict:
    """Taken before an edit, handed back to ``enterprise_change_record`` after it."""
    return _history_values(enterprise)


def enterprise_change_record(
    *,
    enterprise: Enterprise,
    before: dict | None,
    actor: User,
    ip_address: str | None,
    source: str = EnterpriseRevision.Source.ADMIN,
) -> None:
    """After an edit (in the admin, or a firm's correction the office approved): the firm's
    edit history and the audit log."""
    after = _history_values(enterprise)
    if before is None:
        changes = {k: ["", v] for k, v in after.items() if v not in ("", None, False)}
    else:
        old, new = changed_fields(before, after)
        changes = {k: [old[k], new[k]] for k in new}
    if not changes:
        return
    EnterpriseRevision.objects.create(
        enterprise=enterprise,
        actor=actor,
        source=source,
        created=before is None,
        changes=changes,
    )
    audit_record(
        actor=actor,
        action=audit.CREATED if before is None else audit.UPDATED,
        obj=enterprise,
        before={k: v[0] for k, v in changes.items()} if before is not None else None,
        after={k: v[1] for k, v in changes.items()},
        ip_address=ip_address,
    )


def enterprise_export_record(*, actor: User, count: int, filters: dict, ip_address) -> None:
    audit_record(
        actor=actor,
        action=audit.EXPORTED,
        object_type="enterprises.enterprise",
        object_repr=_("%(count)d firms") % {"count": count},
        after={"count": count, **{k: str(v) for k, v in filters.items() if v}},
        ip_address=ip_address,
    )


YEAR_FIGURE_FIELDS = ["output_value", "sales", "tax", "profit", "employees"]


def enterprise_year_figures_record(
    *,
    enterprise: Enterprise,
    year: int,
    figures: dict,
    actor: User | None,
    source: str,
    source_name: str = "",
) -> dict:
    """Set some of a firm's figures for one year (a visit survey reports this year's sales,
    employees and profit). Figures given as None are left as they are. Writes the edit history
    when anything changed and returns {field: [old, new]} for what did."""
    from .history import year_key

    unknown = set(figures) - set(YEAR_FIGURE_FIELDS)
    if unknown:
        raise ValueError(f"not yearly figures: {sorted(unknown)}")
    given = {k: v for k, v in figures.items() if v is not None}
    if not given:
        return {}
    row = (
        EnterpriseYear.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
    )
    created = row is None
    if created:
        row = EnterpriseYear(enterprise=enterprise, year=year)
    changes = {}
    for name, value in given.items():
        old = getattr(row, name)
        if old != value:
            changes[name] = [raw_value(old), raw_value(value)]
            setattr(row, name, value)
    if not changes:
        return {}
    row.full_clean()
    if created:
        row.save()
    else:
        row.save(update_fields=list(changes))
    EnterpriseRevision.objects.create(
        enterprise=enterprise,
        actor=actor,
        source=source,
        source_name=source_name[:200],
        changes={year_key(year): changes},
    )
    return changes
