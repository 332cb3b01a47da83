"""Writes for symposiums and bank–enterprise matchmaking meetings (座谈会 / 政银企对接会): the
meeting, the problems its firms raised (recorded through the issues services), and issuing them
together as one document (one batch of slips)."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Unit, User
from core.services import audit_record
from enterprises.models import Enterprise
from issues.models import Batch, Problem, Slip
from issues.services import batch_open, problem_create, slip_issue

from . import audit
from .models import Meeting, MeetingProblem

# Problems raised at a meeting are dated by it: the morning of the day it was held.
MEETING_HOUR = 9
EARLIEST_YEAR = 2000  # a mistyped year (0026, 1026) is not a meeting anyone held
MEETING_FIELDS = ["kind", "title", "held_on", "place", "hosts", "notes"]


def _meeting_check(meeting: Meeting, firms: list[Enterprise]) -> None:
    errors = {}
    if meeting.held_on and meeting.held_on > timezone.localdate():
        errors["held_on"] = _("The meeting date is in the future; record the meeting once held.")
    elif meeting.held_on and meeting.held_on.year < EARLIEST_YEAR:
        errors["held_on"] = _("Enter the day the meeting was held (from the year 2000).")
    if not firms:
        errors["firms"] = _("Name at least one firm present at the meeting.")
    if errors:
        raise ValidationError(errors)
    meeting.full_clean(validate_constraints=False)


def _meeting_values(meeting: Meeting, firm_ids: list[int]) -> dict:
    return {
        "kind": meeting.kind,
        "title": meeting.title,
        "held_on": meeting.held_on.isoformat(),
        "place": meeting.place,
        "hosts": meeting.hosts,
        "notes": meeting.notes,
        "firms": sorted(firm_ids),
    }


def _meeting_save(meeting: Meeting) -> None:
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:  # the same meeting saved a moment ago (a double click)
        raise ValidationError(
            {"title": _("A meeting with this title on this day is already recorded.")}
        ) from exc


@transaction.atomic
def meeting_create(
    *,
    kind: str,
    title: str,
    held_on: datetime.date,
    place: str = "",
    hosts: str = "",
    notes: str = "",
    firms: list[Enterprise],
    actor: User,
    ip_address: str | None = None,
) -> Meeting:
    """Record a meeting held with firms and the firms present."""
    firms = list({f.pk: f for f in firms}.values())
    meeting = Meeting(
        kind=kind,
        title=(title or "").strip(),
        held_on=held_on,
        place=(place or "").strip(),
        hosts=(hosts or "").strip(),
        notes=(notes or "").strip(),
        created_by=actor,
    )
    _meeting_check(meeting, firms)
    _meeting_save(meeting)
    meeting.firms.set(firms)
    audit_record(
        actor=actor,
        action=audit.MEETING_CREATED,
        obj=meeting,
        after=_meeting_values(meeting, [f.pk for f in firms]),
        ip_address=ip_address,
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    kind: str,
    title: str,
    held_on: datetime.date,
    place: str = "",
    hosts: str = "",
    notes: str = "",
    firms: list[Enterprise],
    actor: User,
    ip_address: str | None = None,
) -> Meeting:
    """Change a meeting. A firm that raised a problem there stays among the firms present, and
    the date stays once problems are recorded (they are dated by it)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    firms = list({f.pk: f for f in firms}.values())
    old_firm_ids = list(meeting.firms.values_list("pk", flat=True))
    before = _meeting_values(meeting, old_firm_ids)
    raised = dict(
        MeetingProblem.objects.filter(meeting=meeting)
        .values_list("enterprise_id", "enterprise__name")
        .distinct()
    )
    errors = {}
    dropped = sorted(name for pk, name in raised.items() if pk not in {f.pk for f in firms})
    if dropped:
        errors["firms"] = _(
            "%(names)s raised problems at this meeting, so they stay among the firms present."
        ) % {"names": "、".join(dropped)}
    if raised and held_on != meeting.held_on:
        errors["held_on"] = _(
            "Problems raised at this meeting are dated by it, so its date can no longer change."
        )
    if errors:
        raise ValidationError(errors)
    meeting.kind = kind
    meeting.title = (title or "").strip()
    meeting.held_on = held_on
    meeting.place = (place or "").strip()
    meeting.hosts = (hosts or "").strip()
    meeting.notes = (notes or "").strip()
    _meeting_check(meeting, firms)
    _meeting_save(meeting)
    meeting.firms.set(firms)
    after = _meeting_values(meeting, [f.pk for f in firms])
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        audit_record(
            actor=actor,
            action=audit.MEETING_UPDATED,
            obj=meeting,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            ip_address=ip_address,
        )
    return meeting


# --- Problems raised at the meeting ------------------------------------------------------------


def meeting_raised_at(held_on: datetime.date) -> datetime.datetime:
    """When a problem raised at a meeting was raised: that day at nine, Lin'an time (now, for a
    meeting this morning recorded before nine)."""
    moment = timezone.make_aware(datetime.datetime.combine(held_on, datetime.time(MEETING_HOUR)))
    return min(moment, timezone.now())


def _by_token(client_token: uuid.UUID | None) -> MeetingProblem | None:
    if client_token is None:
        return None
    return (
        MeetingProblem.objects.filter(client_token=client_token).select_related("problem").first()
    )


def _already_recorded(link, meeting, enterprise, description: str) -> Problem:
    """The problem a form's token already recorded, when this is the same form sent again; a
    form changed since (another firm, other words) is refused rather than dropped."""
    problem = link.problem
    if link.meeting_id != meeting.pk:
        raise ValidationError(_("This form has expired; open it again."))
    sent = problem.original_description or problem.description
    if link.enterprise_id != enterprise.pk or sent.strip() != description.strip():
        raise ValidationError(
            _(
                "This form was already sent as problem %(ref)s. To raise another problem, open "
                "the form again."
            )
            % {"ref": problem.reference}
        )
    return problem


@transaction.atomic
def meeting_problem_record(
    *,
    meeting: Meeting,
    enterprise: Enterprise,
    description: str,
    category: str,
    urgency: str,
    actor: User,
    client_token: uuid.UUID | None = None,
    ip_address: str | None = None,
) -> Problem:
    """Record a problem a firm present raised at the meeting. It goes to the office's sorting
    inbox like any other (channel: symposium; met face to face: the firm was at the table).
    The same form posted twice records it once."""
    existing = _by_token(client_token)
    if existing is not None:
        return _already_recorded(existing, meeting, enterprise, description)
    # Locked: an edit of the meeting at the same moment (a firm removed, the date changed) waits.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.firms.filter(pk=enterprise.pk).exists():
        raise ValidationError(
            {
                "enterprise": _("%(firm)s is not among the firms present at this meeting.")
                % {"firm": enterprise.name}
            }
        )
    try:
        with transaction.atomic():
            problem = problem_create(
                enterprise=enterprise,
                channel=Problem.Channel.SYMPOSIUM,
                description=description,
                category=category,
                urgency=urgency,
                raised_by=actor,
                raised_at=meeting_raised_at(meeting.held_on),
                met_face_to_face=True,
                ip_address=ip_address,
            )
            MeetingProblem.objects.create(
                meeting=meeting, problem=problem, enterprise=enterprise, client_token=client_token
            )
    except IntegrityError:
        # The same form posted twice at once: the other request recorded it.
        existing = _by_token(client_token)
        if existing is None:
            raise
        return _already_recorded(existing, meeting, enterprise, description)
    audit_record(
        actor=actor,
        action=audit.MEETING_PROBLEM_RECORDED,
        obj=meeting,
        after={
            "problem": problem.reference,
            "enterprise": enterprise.name,
            "category": problem.get_category_display(),
        },
        ip_address=ip_address,
    )
    return problem


# --- Issuing the meeting's problems as one document --------------------------------------------


@dataclass
class IssueRow:
    """One problem to issue, as the office set it out."""

    problem: Problem
    lead_unit: Unit
    days: int
    requirement: str
    co_units: list[Unit] = field(default_factory=list)


class MeetingIssueRefused(ValidationError):
    """Nothing was issued. ``row_errors`` maps a row's index to its messages; ``messages``
    holds what concerns the whole document."""

    def __init__(self, message, *, row_errors: dict[int, list[str]] | None = None):
        super().__init__(message)
        self.row_errors = row_errors or {}


@transaction.atomic
def meeting_issue(
    *,
    meeting: Meeting,
    rows: list[IssueRow],
    batch: Batch | None,
    actor: User,
    ip_address: str | None = None,
) -> list[Slip]:
    """Issue slips for the meeting's problems in one batch (the one given, or a new one titled
    after the meeting), all or nothing: if any row is refused, no slip is issued, no batch is
    opened, and every refused row says why."""
    if not rows:
        raise MeetingIssueRefused(_("Choose at least one problem to issue."))
    linked = set(
        MeetingProblem.objects.filter(
            meeting=meeting, problem__in=[r.problem.pk for r in rows]
        ).values_list("problem_id", flat=True)
    )
    row_errors: dict[int, list[str]] = {}
    seen: set[int] = set()
    for index, row in enumerate(rows):
        if row.problem.pk not in linked:
            row_errors[index] = [_("This problem was not raised at this meeting.")]
        elif row.problem.pk in seen:
            row_errors[index] = [_("This problem is listed twice.")]
        seen.add(row.problem.pk)
    if row_errors:
        raise MeetingIssueRefused(
            _("Nothing was issued; see the marked rows."), row_errors=row_errors
        )
    slips: list[Slip] = []
    # Raising below rolls everything back: the slips issued so far and the batch opened here.
    if batch is None:
        batch = batch_open(actor=actor, title=meeting.title[:100], ip_address=ip_address)
    for index, row in enumerate(rows):
        try:
            # Each slip in its own savepoint (slip_issue is atomic): a refused row leaves the
            # others to be checked too, so the office sees every problem at once.
            slips.append(
                slip_issue(
                    problem=row.problem,
                    batch=batch,
                    lead_unit=row.lead_unit,
                    co_units=list(row.co_units),
                    requirement=row.requirement,
                    days=row.days,
                    actor=actor,
                    ip_address=ip_address,
                )
            )
        except ValidationError as exc:
            row_errors[index] = list(exc.messages)
    if row_errors:
        raise MeetingIssueRefused(
            _("Nothing was issued; see the marked rows."), row_errors=row_errors
        )
    audit_record(
        actor=actor,
        action=audit.MEETING_ISSUED,
        obj=meeting,
        after={"batch": str(batch), "slips": [s.number for s in slips]},
        ip_address=ip_address,
    )
    return slips
