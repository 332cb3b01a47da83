"""Writes for problems. Other apps (visits, later the portal) raise problems only through here."""

import datetime

from django.db import transaction

from core.models import User
from core.services import audit_record
from enterprises.models import Enterprise

from . import audit
from .models import Problem


@transaction.atomic
def problem_create(
    *,
    enterprise: Enterprise,
    channel: str,
    description: str,
    category: str,
    urgency: str,
    raised_by: User | None,
    raised_at: datetime.datetime | None = None,
    met_face_to_face: bool = False,
    ip_address: str | None = None,
) -> Problem:
    """Record one problem a firm raised; it waits in the office's sorting inbox."""
    problem = Problem(
        enterprise=enterprise,
        channel=channel,
        description=description.strip(),
        category=category,
        urgency=urgency,
        raised_by=raised_by,
        met_face_to_face=met_face_to_face,
    )
    if raised_at is not None:
        problem.raised_at = raised_at
    problem.full_clean()
    problem.save()
    audit_record(
        actor=raised_by,
        action=audit.PROBLEM_CREATED,
        obj=problem,
        after={
            "enterprise": enterprise.pk,
            "channel": channel,
            "category": category,
            "urgency": urgency,
            "met_face_to_face": met_face_to_face,
        },
        ip_address=ip_address,
    )
    return problem
