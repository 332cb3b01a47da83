"""Writes for problems. Other apps (visits, later the portal) raise problems only through here."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.services import audit_record
from enterprises.models import Enterprise

from .. import audit, firm_notices
from ..models import Problem, SpecialAction


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
    client_token: uuid.UUID | None = None,
) -> Problem:
    """Record one problem a firm raised; it waits in the office's sorting inbox.
    ``client_token`` (the portal's form) is unique: a second problem with it is refused by the
    database (``IntegrityError``)."""
    problem = Problem(
        enterprise=enterprise,
        channel=channel,
        description=description.strip(),
        category=category,
        urgency=urgency,
        raised_by=raised_by,
        met_face_to_face=met_face_to_face,
        client_token=client_token,
    )
    if raised_at is not None:
        problem.raised_at = raised_at
    problem.full_clean(validate_unique=False)  # a repeated token: the database says so
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
    firm_notices.problem_received(problem)
    return problem


# --- Sorting (梳理) ---------------------------------------------------------------------------


def _locked_new(problem: Problem) -> Problem:
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status != Problem.Status.NEW:
        raise ValidationError(
            _("This problem is already “%(status)s”; someone may have sorted it a moment ago.")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def problem_update(
    *,
    problem: Problem,
    actor: User,
    description: str,
    category: str,
    urgency: str,
    kind: str,
    special_action: SpecialAction | None,
    ip_address: str | None = None,
) -> Problem:
    """The office rewords and classifies a problem. The firm's own words are kept."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status != Problem.Status.NEW:
        # Once issued, its category and wording are part of a filed slip and of the figures.
        raise ValidationError(_("Only a problem awaiting sorting can be reworded or reclassified."))
    before = {
        "description": locked.description,
        "category": locked.category,
        "urgency": locked.urgency,
        "kind": locked.kind,
        "special_action": locked.special_action_id,
    }
    description = description.strip()
    if description != locked.description and not locked.original_description:
        locked.original_description = locked.description
    locked.description = description
    locked.category = category
    locked.urgency = urgency
    locked.kind = kind
    locked.special_action = special_action
    locked.full_clean()
    after = {
        "description": locked.description,
        "category": locked.category,
        "urgency": locked.urgency,
        "kind": locked.kind,
        "special_action": locked.special_action_id,
    }
    changed = [k for k in after if after[k] != before[k]]
    if not changed:
        return locked
    locked.save()
    audit_record(
        actor=actor,
        action=audit.PROBLEM_UPDATED,
        obj=locked,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def problem_merge(
    *, problem: Problem, into: Problem, actor: User, ip_address: str | None = None
) -> Problem:
    """Mark a problem as a duplicate of another: it is handled (and counted) with that one."""
    if problem.pk == into.pk:
        raise ValidationError(_("A problem cannot be merged into itself."))
    locked = _locked_new(problem)
    target = Problem.objects.select_for_update().get(pk=into.pk)
    if target.status not in {Problem.Status.NEW, Problem.Status.ASSIGNED}:
        raise ValidationError(
            _("Merge into a problem that is still awaiting sorting or already assigned.")
        )
    if target.duplicate_of_id:
        raise ValidationError(_("That problem is itself merged; merge into the one it joined."))
    locked.duplicate_of = target
    locked.status = Problem.Status.MERGED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    # A merged problem is followed as the one it joins: it leaves the supervision list.
    locked.supervised_at, locked.supervised_by, locked.supervision_note = None, None, ""
    locked.save(
        update_fields=[
            "duplicate_of",
            "status",
            "decided_at",
            "decided_by",
            "supervised_at",
            "supervised_by",
            "supervision_note",
            "updated_at",
        ]
    )
    # Problems merged into this one before follow it to the target: every duplicate points at
    # the problem that is handled, one level deep, so its firm is told and sees the handling.
    earlier = list(Problem.objects.filter(duplicate_of=locked).select_for_update())
    if earlier:
        Problem.objects.filter(pk__in=[p.pk for p in earlier]).update(
            duplicate_of=target, updated_at=timezone.now()
        )
    if (
        locked.met_face_to_face
        and not target.met_face_to_face
        and target.status == Problem.Status.NEW
    ):
        target.met_face_to_face = True  # the firms behind it were met: so was the problem
        target.save(update_fields=["met_face_to_face", "updated_at"])
    audit_record(
        actor=actor,
        action=audit.PROBLEM_MERGED,
        obj=locked,
        after={"into": target.reference},
        ip_address=ip_address,
    )
    firm_notices.problem_merged(locked)
    return locked


def _decide(problem, *, actor, status, note, action, ip_address):
    note = note.strip()
    if not note:
        raise ValidationError(
            _("Write the answer given to the firm.")
            if status == Problem.Status.ANSWERED
            else _("Write why the problem is declined.")
        )
    locked = _locked_new(problem)
    locked.status = status
    locked.decision_note = note
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    # Settled (answered or declined): nothing is left to supervise.
    locked.supervised_at, locked.supervised_by, locked.supervision_note = None, None, ""
    locked.save(
        update_fields=[
            "status",
            "decision_note",
            "decided_at",
            "decided_by",
            "supervised_at",
            "supervised_by",
            "supervision_note",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor, action=action, obj=locked, after={"note": note}, ip_address=ip_address
    )
    firm_notices.problem_decided(locked)
    return locked


@transaction.atomic
def problem_answer(*, problem: Problem, actor: User, answer: str, ip_address=None) -> Problem:
    """Answer directly, without a slip (a policy explanation, a pointer to the right office)."""
    return _decide(
        problem,
        actor=actor,
        status=Problem.Status.ANSWERED,
        note=answer,
        action=audit.PROBLEM_ANSWERED,
        ip_address=ip_address,
    )


@transaction.atomic
def problem_decline(*, problem: Problem, actor: User, reason: str, ip_address=None) -> Problem:
    return _decide(
        problem,
        actor=actor,
        status=Problem.Status.DECLINED,
        note=reason,
        action=audit.PROBLEM_DECLINED,
        ip_address=ip_address,
    )


@transaction.atomic
def problem_supervision_set(
    *, problem: Problem, actor: User, listed: bool, note: str = "", ip_address=None
) -> Problem:
    """List a key problem for supervision (挂表督办), with why, or take it off the list."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    note = (note or "").strip()
    if listed:
        if not note:
            raise ValidationError({"note": _("Say why the problem is listed for supervision.")})
        if locked.status in {
            Problem.Status.MERGED,
            Problem.Status.DECLINED,
            Problem.Status.ANSWERED,
        }:
            raise ValidationError(
                _(
                    "A settled problem (answered, declined or merged) cannot be listed; a "
                    "merged one is followed as the problem it joined."
                )
            )
        before = {"listed": locked.supervised_at is not None, "note": locked.supervision_note}
        if before == {"listed": True, "note": note}:
            return locked  # saved again unchanged: nothing happened, nothing to record
        locked.supervised_at = locked.supervised_at or timezone.now()
        locked.supervised_by = locked.supervised_by or actor
        locked.supervision_note = note
    else:
        if locked.supervised_at is None:
            return locked
        before = {"listed": True, "note": locked.supervision_note}
        locked.supervised_at = None
        locked.supervised_by = None
        locked.supervision_note = ""
    locked.save(update_fields=["supervised_at", "supervised_by", "supervision_note", "updated_at"])
    audit_record(
        actor=actor,
        action=audit.PROBLEM_SUPERVISED,
        obj=locked,
        before=before,
        after={"listed": listed, "note": note},
        ip_address=ip_address,
    )
    return locked
