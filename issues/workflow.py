"""The assignment slip's life, in one place.

``MOVES`` is the whole state machine: each action, the states it may start from, the state it
leads to, and who may take it. ``slip_transition`` is the only code that changes a slip's
status: it locks the row, refuses a move the table does not allow or an actor who may not make
it, applies the action's field changes, saves with ``update_fields`` and writes a ``SlipEvent``
(from, to, actor — null for the system —, unit, reason, time). Notes that leave the status as
it is (progress, contact, a co-unit's input) also go through here, as moves to the same state.

    issued ──sign──▶ signed ──note──▶ in progress ──reply──▶ replied ──feed back──▶ fed back
      │                 │                  │                    │                      │
      │                 └──── request return / extension / escalation ──┐   reject reply ◀┘
      │                                                                  ▼              │
      │          return requested ──approve──▶ issued (another unit) │ returned      rate
      │          extension requested ──approve / refuse──▶ back      │           ┌──────┴──────┐
      │          escalation requested ──approve──▶ escalated ──send down──▶ in progress
      │            (or the sweep, when overdue)   coordinator, meetings ┘└─reply (by the tier)─▶ replied
      └─ withdraw (office, any open state) ─▶ withdrawn        满意/基本满意 ▶ closed
                                                               不满意 ▶ reopened ─▶ sign / reply
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import User

from .models import Slip, SlipEvent

S = Slip.Status

OFFICE = "office"  # the activity office (core.assign_problems)
LEAD = "lead"  # a handler of the lead unit
CO = "co"  # a handler of a co-unit
DELEGATE = "delegate"  # the office, or a cadre paired with the firm, rating for it
# A member of the body an escalated slip climbed to (leadership group, city leaders, higher
# level), while the slip waits on that body.
TIER = "tier"
SYSTEM = "system"

OPEN = [S.ISSUED, S.SIGNED, S.IN_PROGRESS, S.REOPENED]
PENDING = [S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.ESCALATION_REQUESTED]
WORKING = [S.SIGNED, S.IN_PROGRESS, S.REOPENED]
FINAL = {S.CLOSED, S.WITHDRAWN, S.RETURNED}


@dataclass(frozen=True)
class Move:
    sources: frozenset
    target: str  # a status, or STAY (a note), or RESUME (back to before the request)
    who: frozenset
    label: object

    def __init__(self, sources, target, who, label):
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "who", frozenset(who))
        object.__setattr__(self, "label", label)


STAY = "(unchanged)"
RESUME = "(previous)"

MOVES: dict[str, Move] = {
    "issue": Move([], S.ISSUED, [OFFICE], gettext_lazy("Issued")),
    "sign": Move([S.ISSUED, S.REOPENED], S.SIGNED, [LEAD], gettext_lazy("Signed for")),
    "note": Move(
        [S.SIGNED, S.IN_PROGRESS, S.REOPENED], S.IN_PROGRESS, [LEAD], gettext_lazy("Progress note")
    ),
    "contact": Move(
        [*OPEN, S.ESCALATED, *PENDING],
        STAY,
        [LEAD, CO],
        gettext_lazy("Contact with the firm"),
    ),
    "co_input": Move(
        [*OPEN, S.ESCALATED, *PENDING],
        STAY,
        [CO],
        gettext_lazy("Co-unit input"),
    ),
    "request_return": Move(OPEN, S.RETURN_REQUESTED, [LEAD], gettext_lazy("Asked to return")),
    "request_extension": Move(
        WORKING, S.EXTENSION_REQUESTED, [LEAD], gettext_lazy("Asked for an extension")
    ),
    "request_escalation": Move(
        WORKING, S.ESCALATION_REQUESTED, [LEAD], gettext_lazy("Asked for escalation")
    ),
    # A reply may still come while an extension or escalation request waits (it settles the
    # request): a slow decision must not stop the unit from finishing on time.
    "reply": Move(
        [*WORKING, S.ESCALATED, S.EXTENSION_REQUESTED, S.ESCALATION_REQUESTED],
        S.REPLIED,
        [LEAD, TIER],  # the body a slip climbed to may resolve it itself
        gettext_lazy("Replied"),
    ),
    "approve_return": Move(
        [S.RETURN_REQUESTED], S.ISSUED, [OFFICE], gettext_lazy("Return approved, re-assigned")
    ),
    "close_returned": Move(
        [S.RETURN_REQUESTED], S.RETURNED, [OFFICE], gettext_lazy("Return approved")
    ),
    "refuse_return": Move([S.RETURN_REQUESTED], RESUME, [OFFICE], gettext_lazy("Return refused")),
    "approve_extension": Move(
        [S.EXTENSION_REQUESTED], RESUME, [OFFICE], gettext_lazy("Extension approved")
    ),
    "refuse_extension": Move(
        [S.EXTENSION_REQUESTED], RESUME, [OFFICE], gettext_lazy("Extension refused")
    ),
    # The deadline sweep: a slip overdue past the tier's threshold climbs one tier.
    "escalate": Move(
        [*WORKING, S.ISSUED, S.ESCALATED, *PENDING],
        S.ESCALATED,
        [SYSTEM],
        gettext_lazy("Escalated automatically"),
    ),
    # Who was told what (reminders, chase-ups, escalation notices) goes on the history too.
    "notice": Move(
        [*OPEN, S.ESCALATED, *PENDING, S.REPLIED, S.FED_BACK],
        STAY,
        [SYSTEM],
        gettext_lazy("Notice sent"),
    ),
    "close_unrated": Move(
        [S.FED_BACK], S.CLOSED, [SYSTEM], gettext_lazy("Closed without the firm's rating")
    ),
    "approve_escalation": Move(
        [S.ESCALATION_REQUESTED], S.ESCALATED, [OFFICE], gettext_lazy("Escalation approved")
    ),
    "refuse_escalation": Move(
        [S.ESCALATION_REQUESTED], RESUME, [OFFICE], gettext_lazy("Escalation refused")
    ),
    # The body a slip climbed to coordinates it: a coordinator, meetings of the units, then it
    # sends the slip back down with instructions and a new deadline (or replies itself).
    "assign_coordinator": Move(
        [S.ESCALATED], STAY, [TIER, OFFICE], gettext_lazy("Coordinator assigned")
    ),
    "coordination_meeting": Move(
        [S.ESCALATED], STAY, [TIER, OFFICE], gettext_lazy("Coordination meeting held")
    ),
    "send_down": Move(
        [S.ESCALATED],
        S.IN_PROGRESS,
        [OFFICE, TIER],
        gettext_lazy("Sent back down with instructions"),
    ),
    "reject_reply": Move([S.REPLIED], S.IN_PROGRESS, [OFFICE], gettext_lazy("Reply sent back")),
    "feed_back": Move([S.REPLIED], S.FED_BACK, [OFFICE], gettext_lazy("Fed back to the firm")),
    "rate_close": Move([S.FED_BACK], S.CLOSED, [DELEGATE], gettext_lazy("Rated, closed")),
    "rate_reopen": Move(
        [S.FED_BACK], S.REOPENED, [DELEGATE], gettext_lazy("Rated dissatisfied, reopened")
    ),
    # Only a slip issued in error, before any answer: a withdrawn slip leaves the statistics,
    # so a late or disputed slip cannot be withdrawn out of them.
    "withdraw": Move(
        [S.ISSUED, S.SIGNED, S.IN_PROGRESS, S.RETURN_REQUESTED],
        S.WITHDRAWN,
        [OFFICE],
        gettext_lazy("Withdrawn"),
    ),
}

# The state table, for reading and for tests: every state and where it may go.
TRANSITIONS: dict[str, set[str]] = {}
for _name, _move in MOVES.items():
    for _source in _move.sources:
        TRANSITIONS.setdefault(_source, set()).add(
            _source if _move.target == STAY else _move.target
        )

# Extension points: apps above ``issues`` say who rates for a firm (a paired cadre).
_delegate_checks: list[Callable] = []


def rating_delegate_register(check: Callable) -> None:
    """``check(user, enterprise) -> bool``: may this user record the firm's rating for it?"""
    if check not in _delegate_checks:
        _delegate_checks.append(check)


def actor_roles(user: User | None, slip: Slip) -> set[str]:
    """What the user is to this slip: office, lead, co, delegate, tier (several may hold)."""
    if user is None:
        return {SYSTEM}
    roles = set()
    if user.has_perm("core.assign_problems"):
        roles |= {OFFICE, DELEGATE}
    if user.has_perm("core.handle_slips"):
        if user.unit_id == slip.lead_unit_id:
            roles.add(LEAD)
        elif slip.co_units.filter(pk=user.unit_id).exists():
            roles.add(CO)
    if (
        slip.status == S.ESCALATED
        and slip.tier_unit_id is not None
        and user.unit_id == slip.tier_unit_id
        and user.has_perm("core.coordinate_escalations")
    ):
        roles.add(TIER)
    if DELEGATE not in roles and any(
        check(user, slip.problem.enterprise) for check in _delegate_checks
    ):
        roles.add(DELEGATE)
    return roles


def move_allowed(user: User | None, slip: Slip, action: str) -> bool:
    move = MOVES[action]
    return slip.status in move.sources and bool(actor_roles(user, slip) & move.who)


def actions_for(user: User | None, slip: Slip) -> list[str]:
    roles = actor_roles(user, slip)
    return [
        name for name, move in MOVES.items() if slip.status in move.sources and roles & move.who
    ]


class TransitionRefused(ValidationError):
    pass


@transaction.atomic
def slip_transition(
    *,
    slip: Slip,
    action: str,
    actor: User | None,
    text: str = "",
    data: dict | None = None,
    apply: Callable[[Slip], list[str]] | None = None,
) -> Slip:
    """Take one step. ``apply(slip)`` sets the action's fields on the locked row and returns
    their names. Raises ``TransitionRefused`` with a Chinese message when the step is not
    allowed now (someone else moved the slip first) or not for this actor."""
    move = MOVES[action]
    locked = (
        Slip.objects.select_for_update(of=("self",))
        .select_related("problem", "problem__enterprise")
        .get(pk=slip.pk)
    )
    if locked.status not in move.sources:
        raise TransitionRefused(
            _(
                "This slip is now “%(status)s”, so “%(action)s” cannot be done. Someone may "
                "have acted on it a moment ago; reload the page."
            )
            % {"status": locked.get_status_display(), "action": move.label}
        )
    roles = actor_roles(actor, locked) if actor is not None else {SYSTEM, OFFICE}
    if not roles & move.who:
        raise TransitionRefused(
            _("You may not do “%(action)s” on this slip.") % {"action": move.label}
        )
    before = locked.status
    fields = list(apply(locked)) if apply else []
    if move.target == STAY:
        target = before
    elif move.target == RESUME:
        target = locked.resume_status or S.IN_PROGRESS
    else:
        target = move.target
    if target in PENDING and before not in PENDING:
        locked.resume_status = before
        fields.append("resume_status")
    elif before in PENDING and target not in PENDING:
        locked.resume_status = ""
        fields.append("resume_status")
    locked.status = target
    locked.save(update_fields=sorted({*fields, "status", "updated_at"}))
    SlipEvent.objects.create(
        slip=locked,
        actor=actor,
        unit=actor.unit if actor is not None else None,
        action=action,
        from_status=before,
        to_status=target,
        text=text,
        data=data if data is not None else {},
        created_at=timezone.now(),
    )
    return locked


@transaction.atomic
def slips_transition_bulk(*, ids: list[int], action: str, text: str, fields: dict) -> list[Slip]:
    """The same step for many slips at once, taken by the system (the deadline sweep): the rows
    are locked, those whose state the table does not allow are left alone, the rest get the
    same field values and status in one UPDATE and a SlipEvent each. Returns the slips moved."""
    move = MOVES[action]
    if SYSTEM not in move.who or move.target in {STAY, RESUME}:
        raise ValueError(f"{action} is not a bulk system move")
    rows = Slip.objects.filter(pk__in=ids, status__in=move.sources)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update(of=("self",))
    slips = list(rows.order_by("pk"))
    if not slips:
        return []
    now = timezone.now()
    Slip.objects.filter(pk__in=[s.pk for s in slips]).update(
        status=move.target, updated_at=now, **fields
    )
    SlipEvent.objects.bulk_create(
        [
            SlipEvent(
                slip=slip,
                action=action,
                from_status=slip.status,
                to_status=move.target,
                text=text,
                data={k: (v.pk if hasattr(v, "pk") else v) for k, v in fields.items()},
                created_at=now,
            )
            for slip in slips
        ],
        batch_size=1000,
    )
    for slip in slips:
        slip.status = move.target
        for name, value in fields.items():
            setattr(slip, name, value)
    return slips
