"""Writes for attachments, and a firm's online submission (诉求): the problem and its files
stand or fall together."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.models import User
from core.services import audit_record
from enterprises.selectors import firm_of

from .. import audit
from ..attachments import Checked, attachments_check, private_storage
from ..models import Attachment, Problem, Urgency
from .problems import problem_create


@transaction.atomic
def attachment_store(
    *, problem: Problem, checked: Checked, actor: User | None, ip_address: str | None = None
) -> Attachment:
    """Keep one checked file with its problem (under a random name) and record it."""
    attachment = Attachment(
        problem=problem,
        name=checked.name,
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.kind.content_type,
        uploaded_by=actor,
    )
    checked.upload.seek(0)
    attachment.file.save("upload", checked.upload, save=False)
    try:
        attachment.full_clean()
        attachment.save()
        audit_record(
            actor=actor,
            action=audit.ATTACHMENT_ADDED,
            obj=attachment,
            after={
                "problem": problem.pk,
                "name": attachment.name,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "type": attachment.content_type,
            },
            ip_address=ip_address,
        )
    except Exception:
        private_storage().delete(attachment.file.name)
        raise
    return attachment


def problem_submit(
    *,
    user: User,
    category: str,
    description: str,
    uploads: list,
    ip_address: str | None = None,
) -> Problem:
    """A firm's user raises a problem of the firm online, with its files. Every file is checked first; any
    bad one (or any failure while saving) leaves nothing behind: no problem, no row, no file.
    The problem waits in the office's sorting inbox like any other."""
    enterprise = firm_of(user)
    if enterprise is None or not user.has_perm("core.submit_requests"):
        raise PermissionDenied
    try:
        checked = attachments_check(uploads)
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.error_list}) from exc
    stored: list[str] = []
    try:
        with transaction.atomic():
            problem = problem_create(
                enterprise=enterprise,
                channel=Problem.Channel.WEB,
                description=description,
                category=category,
                urgency=Urgency.NORMAL,
                raised_by=user,
                ip_address=ip_address,
            )
            for item in checked:
                attachment = attachment_store(
                    problem=problem, checked=item, actor=user, ip_address=ip_address
                )
                stored.append(attachment.file.name)
    except Exception:
        for name in stored:
            private_storage().delete(name)
        raise
    return problem
