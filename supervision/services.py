"""The coordinating body's work on an escalated slip: a coordinator, coordination meetings.
Sending the slip back down and replying are the slip's own steps (``issues.services``)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Unit, User
from core.selectors import users_with_capability
from core.services import audit_record
from issues.models import Slip
from issues.services.slips import slip_notify
from issues.workflow import slip_transition

from . import audit
from .models import Coordination, CoordinationMeeting


def coordinators_for(slip: Slip):
    """Who may coordinate the slip: the members of the body it climbed to."""
    if slip.tier_unit_id is None:
        return User.objects.none()
    return users_with_capability("coordinate_escalations", slip.tier_unit_id).order_by("name")


@transaction.atomic
def coordinator_assign(*, slip: Slip, actor: User, coordinator: User, ip_address=None) -> Slip:
    """Name the member of the coordinating body who takes the slip in hand at this tier."""
    found: dict = {}

    def apply(s):
        if not coordinators_for(s).filter(pk=coordinator.pk).exists():
            raise ValidationError(
                _("%(name)s is not a member of %(body)s.")
                % {"name": coordinator.name, "body": s.tier_unit.name if s.tier_unit else "—"}
            )
        found["row"], _created = Coordination.objects.update_or_create(
            slip=s,
            tier=s.tier,
            defaults={
                "body_id": s.tier_unit_id,
                "coordinator": coordinator,
                "assigned_by": actor,
                "assigned_at": timezone.now(),
            },
        )
        return []

    slip = slip_transition(
        slip=slip,
        action="assign_coordinator",
        actor=actor,
        text=_("Coordinator: %(name)s") % {"name": coordinator.name},
        data={"coordinator": coordinator.pk, "tier": slip.tier},
        apply=apply,
    )
    audit_record(
        actor=actor,
        action=audit.COORDINATOR_ASSIGNED,
        obj=slip,
        after={"coordinator": coordinator.name, "tier": slip.tier},
        ip_address=ip_address,
    )
    if coordinator.pk != actor.pk:
        slip_notify(
            slip,
            [coordinator],
            "coordination",
            _("You coordinate %(number)s") % {"number": slip.number},
            _("%(firm)s: %(problem)s. Lead unit %(unit)s.")
            % {
                "firm": slip.problem.enterprise.name,
                "problem": slip.problem.description[:80].rstrip("。."),
                "unit": slip.lead_unit.name,
            },
        )
    return slip


@transaction.atomic
def coordination_meeting_record(
    *,
    slip: Slip,
    actor: User,
    held_on: datetime.date,
    units: list[Unit],
    decisions: str,
    ip_address=None,
) -> CoordinationMeeting:
    """A coordination meeting held on the slip: the date (not in the future), the units at the
    table (the lead unit among them, or the meeting decided nothing it must do) and what was
    decided, which the units present are told."""
    decisions = (decisions or "").strip()
    errors = {}
    today = timezone.localdate()
    if held_on is None:
        errors["held_on"] = _("Give the date of the meeting.")
    elif held_on > today:
        errors["held_on"] = _("The meeting cannot be in the future; record it once held.")
    elif held_on < today - datetime.timedelta(days=366):
        errors["held_on"] = _("The date is more than a year ago; check it.")
    if not units:
        errors["units"] = _("Choose the units present.")
    if not decisions:
        errors["decisions"] = _("Write what the meeting decided.")
    if errors:
        raise ValidationError(errors)
    made: dict = {}

    def apply(s):
        meeting = CoordinationMeeting.objects.create(
            slip=s,
            tier=s.tier,
            body_id=s.tier_unit_id,
            held_on=held_on,
            decisions=decisions,
            recorded_by=actor,
        )
        meeting.units_present.set(units)
        made["meeting"] = meeting
        return []

    names = [unit.name for unit in units]
    slip = slip_transition(
        slip=slip,
        action="coordination_meeting",
        actor=actor,
        text=decisions,
        data={"held_on": held_on.isoformat(), "units": names},
        apply=apply,
    )
    audit_record(
        actor=actor,
        action=audit.MEETING_RECORDED,
        obj=slip,
        after={"held_on": held_on.isoformat(), "units": names},
        ip_address=ip_address,
    )
    present = set()
    for unit in units:
        present |= set(users_with_capability("handle_slips", unit.pk).select_related("unit"))
    slip_notify(
        slip,
        present,
        "coordination",
        _("Coordination meeting on %(number)s") % {"number": slip.number},
        decisions,
    )
    return made["meeting"]
