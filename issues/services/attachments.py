"""Writes for attachments, and a firm's online submission (诉求): the problem and its files
stand or fall together."""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

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
                "content_type": attachment.content_type,
            },
            ip_address=ip_address,
        )
    except Exception:
        private_storage().delete(attachment.file.name)
        raise
    return attachment


def _by_token(client_token: uuid.UUID | None) -> Problem | None:
    if client_token is None:
        return None
    return Problem.objects.filter(client_token=client_token).first()


def _already_sent(problem: Problem, enterprise, description: str) -> Problem:
    """The problem a form's token already recorded, when this is the same form sent again; a
    form changed since (the back button, then edited) is not silently dropped."""
    if problem.enterprise_id != enterprise.pk:
        raise ValidationError(_("This form has expired; open it again."))
    sent = problem.original_description or problem.description  # as the firm wrote it
    if sent.strip() != description.strip():
        raise ValidationError(
            _(
                "This form was already sent as problem %(ref)s. To raise another problem, open "
                "the form again."
            )
            % {"ref": problem.reference}
        )
    return problem


def problem_submit(
    *,
    user: User,
    category: str,
    description: str,
    uploads: list,
    ip_address: str | None = None,
    client_token: uuid.UUID | None = None,
) -> Problem:
    """A firm's user raises a problem of the firm online, with its files. Every file is checked first; any
    bad one (or any failure while saving) leaves nothing behind: no problem, no row, no file.
    The problem waits in the office's sorting inbox like any other.

    ``client_token`` comes with the form: the same form sent again (a double click, a page
    reloaded) returns the problem it recorded, and records nothing more."""
    enterprise = firm_of(user)
    if enterprise is None or not user.has_perm("core.submit_requests"):
        raise PermissionDenied
    existing = _by_token(client_token)
    if existing is not None:
        return _already_sent(existing, enterprise, description)
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
                client_token=client_token,
            )
            for item in checked:
                attachment = attachment_store(
                    problem=problem, checked=item, actor=user, ip_address=ip_address
                )
                stored.append(attachment.file.name)
    except Exception as exc:
        for name in stored:
            private_storage().delete(name)
        # The same form sent twice at once: the other request recorded it.
        existing = _by_token(client_token) if isinstance(exc, IntegrityError) else None
        if existing is None:
            raise
        return _already_sent(existing, enterprise, description)
    return problem
