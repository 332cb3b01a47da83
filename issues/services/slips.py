"""Writes for batches and assignment slips. Every status change goes through
``issues.workflow.slip_transition``; these functions check the input, say which fields each
step sets, and record the step in the audit log."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Unit, User
from core.selectors import users_with_capability
from core.services import audit_record
from core.workdays import deadline_compute

from .. import audit, firm_notices
from ..models import Batch, DeadlineRule, Problem, Slip, SlipEvent
from ..workflow import MOVES, TransitionRefused, slip_transition

DEFAULT_DAYS = 10
# 1 the handling unit, 2 the leadership group, 3 the city leaders, 4 the province / Hangzhou.
MAX_TIER = 4
HANDLING_KINDS = {Unit.Kind.DEPARTMENT, Unit.Kind.TOWN}
SLIP_NUMBER = "临访交〔{year}〕第{batch}批-{seq:03d}"


def deadline_days_default(*, category: str, urgency: str) -> int:
    """A rule for exactly this category and urgency wins; otherwise the shorter of the
    category's rule and the urgency's rule (an urgent land problem is still urgent); otherwise
    the rule for any; otherwise ten working days."""
    rules = {
        (rule.category, rule.urgency): rule.days
        for rule in DeadlineRule.objects.filter(
            category__in=[category, ""], urgency__in=[urgency, ""]
        )
    }
    if (category, urgency) in rules:
        return rules[(category, urgency)]
    partial = [rules[key] for key in [(category, ""), ("", urgency)] if key in rules]
    if partial:
        return min(partial)
    return rules.get(("", ""), DEFAULT_DAYS)


def _days_check(days) -> int:
    if days is None or int(days) < 1:
        raise ValidationError(_("The deadline must be at least one working day."))
    if int(days) > 250:
        raise ValidationError(_("The deadline cannot be more than 250 working days."))
    return int(days)


def _text_required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(message)
    return text


def _today() -> datetime.date:
    return timezone.localdate()


# --- Batches ---------------------------------------------------------------------------------


def batch_open(*, actor: User, year: int | None = None, title: str = "", ip_address=None) -> Batch:
    """Open the next batch of the year (第N批). Two openings at once get two numbers."""
    year = year or _today().year
    for _attempt in range(3):
        try:
            with transaction.atomic():
                number = (Batch.objects.filter(year=year).aggregate(n=Max("number"))["n"] or 0) + 1
                batch = Batch.objects.create(
                    year=year, number=number, title=title.strip(), opened_by=actor
                )
                audit_record(
                    actor=actor,
                    action=audit.BATCH_OPENED,
                    obj=batch,
                    after={"year": year, "number": number},
                    ip_address=ip_address,
                )
                return batch
        except IntegrityError:
            continue
    raise ValidationError(_("Could not open a batch; try again."))


# --- Issuing ---------------------------------------------------------------------------------


@transaction.atomic
def slip_issue(
    *,
    problem: Problem,
    batch: Batch,
    lead_unit: Unit,
    co_units: list[Unit],
    requirement: str,
    days: int,
    actor: User,
    ip_address: str | None = None,
) -> Slip:
    """Issue a slip for a problem awaiting sorting, numbered in its batch, due ``days`` working
    days from today. Two office staff issuing the same problem at once: one slip, and the
    other gets a clear message."""
    if not actor.has_perm("core.assign_problems"):
        # The state table says only the office issues; every other move is checked in
        # ``slip_transition``, which issuing does not go through.
        raise TransitionRefused(
            _("You may not do “%(action)s” on this slip.") % {"action": MOVES["issue"].label}
        )
    days = _days_check(days)
    requirement = _text_required(requirement, _("Write what the unit is required to do."))
    if lead_unit.kind not in HANDLING_KINDS or not lead_unit.is_active:
        raise ValidationError(_("The lead unit must be an active department or town."))
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    if any(u.kind not in HANDLING_KINDS for u in co_units):
        raise ValidationError(_("Co-units must be departments or towns."))
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status != Problem.Status.NEW:
        raise ValidationError(
            _("This problem is already “%(status)s”; someone may have issued it a moment ago.")
            % {"status": locked.get_status_display()}
        )
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    batch.last_seq += 1
    batch.save(update_fields=["last_seq"])
    today = _today()
    due = deadline_compute(today, days)
    slip = Slip(
        number=SLIP_NUMBER.format(year=batch.year, batch=batch.number, seq=batch.last_seq),
        batch=batch,
        seq=batch.last_seq,
        problem=locked,
        lead_unit=lead_unit,
        requirement=requirement,
        days=days,
        issued_by=actor,
        deadline=due.date,
        original_deadline=due.date,
        deadline_provisional=due.provisional,
    )
    # The constraints are left to the database: a second live slip for the problem must end in
    # the clear message below, not in full_clean's "constraint violated".
    slip.full_clean(exclude=["co_units"], validate_constraints=False)
    try:
        with transaction.atomic():
            slip.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("This problem already has a slip; someone may have issued it a moment ago.")
        ) from exc
    slip.co_units.set(co_units)
    locked.status = Problem.Status.ASSIGNED
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.save(update_fields=["status", "decided_at", "decided_by", "updated_at"])
    SlipEvent.objects.create(
        slip=slip,
        actor=actor,
        unit=actor.unit,
        action="issue",
        from_status="",
        to_status=slip.status,
        text=requirement,
        data={
            "lead_unit": lead_unit.name,
            "co_units": [u.name for u in co_units],
            "days": days,
            "deadline": due.date.isoformat(),
            "provisional": due.provisional,
        },
    )
    audit_record(
        actor=actor,
        action=audit.SLIP_ISSUED,
        obj=slip,
        after={"problem": locked.pk, "lead_unit": lead_unit.pk, "days": days},
        ip_address=ip_address,
    )
    firm_notices.slip_issued(slip)
    return slip


@transaction.atomic  # the step and its audit row stand or fall together
def _step(slip, action, actor, *, text="", data=None, apply=None, ip_address=None) -> Slip:
    before = slip.status
    slip = slip_transition(slip=slip, action=action, actor=actor, text=text, data=data, apply=apply)
    audit_record(
        actor=actor,
        action=audit.SLIP_STEP,
        obj=slip,
        before={"status": before},
        after={"step": action, "status": slip.status, **(data or {})},
        ip_address=ip_address,
    )
    return slip


# --- The handling unit -----------------------------------------------------------------------


def slip_sign(*, slip: Slip, actor: User, ip_address=None) -> Slip:
    def apply(s):
        if s.signed_at is None:
            s.signed_at = timezone.now()
            return ["signed_at"]
        return []

    return _step(slip, "sign", actor, apply=apply, ip_address=ip_address)


def slip_note(*, slip: Slip, actor: User, text: str, ip_address=None) -> Slip:
    text = _text_required(text, _("Write the progress note."))
    return _step(slip, "note", actor, text=text, ip_address=ip_address)


def slip_contact(*, slip: Slip, actor: User, met: bool, text: str, ip_address=None) -> Slip:
    """Contact with the firm, face to face or by phone: the first one is kept, and a meeting
    counts for the meeting rate."""
    text = _text_required(text, _("Write what was discussed with the firm."))

    def apply(s):
        fields = []
        if s.first_contact_at is None:
            s.first_contact_at = timezone.now()
            fields.append("first_contact_at")
        if met and not s.contact_met:
            s.contact_met = True
            fields.append("contact_met")
        return fields

    return _step(
        slip,
        "contact",
        actor,
        text=text,
        data={"met": bool(met)},
        apply=apply,
        ip_address=ip_address,
    )


def slip_co_input(*, slip: Slip, actor: User, text: str, ip_address=None) -> Slip:
    text = _text_required(text, _("Write your unit's input."))
    return _step(slip, "co_input", actor, text=text, ip_address=ip_address)


def slip_request_return(*, slip: Slip, actor: User, reason: str, ip_address=None) -> Slip:
    reason = _text_required(reason, _("Say why this slip is not your unit's business."))
    return _step(slip, "request_return", actor, text=reason, ip_address=ip_address)


def slip_request_extension(
    *, slip: Slip, actor: User, reason: str, new_deadline: datetime.date, ip_address=None
) -> Slip:
    reason = _text_required(reason, _("Say why more time is needed."))
    if new_deadline is None:
        raise ValidationError(_("Propose the new deadline."))

    def apply(s):
        if _today() > s.deadline:
            raise ValidationError(
                _(
                    "The deadline (%(deadline)s) has passed: an extension is asked before it. "
                    "Reply now, or ask the activity office."
                )
                % {"deadline": s.deadline.isoformat()}
            )
        if new_deadline <= s.deadline:
            raise ValidationError(
                _("The proposed date must be after the current deadline (%(deadline)s).")
                % {"deadline": s.deadline.isoformat()}
            )
        s.requested_deadline = new_deadline
        return ["requested_deadline"]

    return _step(
        slip,
        "request_extension",
        actor,
        text=reason,
        data={"proposed": new_deadline.isoformat()},
        apply=apply,
        ip_address=ip_address,
    )


def _tier_check(s: Slip) -> None:
    if s.tier >= MAX_TIER:
        raise ValidationError(
            _("The slip is already at the highest tier; it cannot climb further.")
        )


def slip_request_escalation(*, slip: Slip, actor: User, reason: str, ip_address=None) -> Slip:
    reason = _text_required(reason, _("Say why the problem is beyond your unit."))

    def apply(s):
        _tier_check(s)
        return []

    return _step(slip, "request_escalation", actor, text=reason, apply=apply, ip_address=ip_address)


def slip_reply(
    *,
    slip: Slip,
    actor: User,
    outcome: str,
    text: str,
    plan_date: datetime.date | None = None,
    basis: str = "",
    ip_address=None,
) -> Slip:
    """The lead unit's answer. Whether it came by the deadline in force is stored now."""
    text = _text_required(text, _("Write the reply."))
    if outcome not in Slip.Outcome.values:
        raise ValidationError(_("Choose the outcome."))
    if outcome == Slip.Outcome.IN_HAND and plan_date is None:
        raise ValidationError(_("Give the date by which it will be solved."))
    if outcome == Slip.Outcome.EXPLAINED:
        basis = _text_required(basis, _("Give the policy basis for the explanation."))

    def apply(s):
        now = timezone.now()
        s.reply_outcome = outcome
        s.reply_text = text
        s.reply_plan_date = plan_date if outcome == Slip.Outcome.IN_HAND else None
        s.reply_basis = basis.strip()
        s.replied_at = now
        s.replied_by = actor
        s.replied_on_time = timezone.localdate(now) <= s.deadline
        s.late_reply = s.late_reply or not s.replied_on_time
        s.requested_deadline = None  # a reply settles a pending extension request
        return [
            "late_reply",
            "requested_deadline",
            "reply_outcome",
            "reply_text",
            "reply_plan_date",
            "reply_basis",
            "replied_at",
            "replied_by",
            "replied_on_time",
        ]

    return _step(
        slip,
        "reply",
        actor,
        text=text,
        data={"outcome": outcome},
        apply=apply,
        ip_address=ip_address,
    )


# --- The office's decisions ------------------------------------------------------------------


def _new_deadline(s: Slip, days: int) -> list[str]:
    due = deadline_compute(_today(), days)
    s.deadline = due.date
    s.deadline_provisional = due.provisional
    return ["deadline", "deadline_provisional"]


def slip_return_decide(
    *,
    slip: Slip,
    actor: User,
    approve: bool,
    note: str = "",
    reassign_to: Unit | None = None,
    days: int | None = None,
    ip_address=None,
) -> Slip:
    """Refuse a return (the unit keeps the slip), approve it and re-assign the slip to another
    unit with a fresh deadline, or approve it and send the problem back to sorting."""
    if not approve:
        return _step(slip, "refuse_return", actor, text=note, ip_address=ip_address)
    if reassign_to is None:

        def back_to_sorting(s):
            Problem.objects.filter(pk=s.problem_id).update(status=Problem.Status.NEW)
            return []

        return _step(
            slip, "close_returned", actor, text=note, apply=back_to_sorting, ip_address=ip_address
        )
    if reassign_to.kind not in HANDLING_KINDS or not reassign_to.is_active:
        raise ValidationError(_("The lead unit must be an active department or town."))
    days = _days_check(slip.days if days is None else days)

    def reassign(s):
        if reassign_to.pk == s.lead_unit_id:
            raise ValidationError(_("Re-assign the slip to another unit."))
        s.lead_unit = reassign_to
        s.co_units.remove(reassign_to)
        s.days = days
        # The new unit starts afresh: nothing the first unit did is credited to it.
        reset = {
            "signed_at": None,
            "first_contact_at": None,
            "contact_met": False,
            "reply_outcome": "",
            "reply_text": "",
            "reply_plan_date": None,
            "reply_basis": "",
            "replied_at": None,
            "replied_by": None,
            "replied_on_time": None,
            "late_reply": False,
            "fed_back_at": None,
            "feedback_method": "",
            "feedback_note": "",
            "rating": "",
            "rating_comment": "",
            "rated_at": None,
            "rated_by": None,
            "rated_by_firm": False,
        }
        for name, value in reset.items():
            setattr(s, name, value)
        return ["lead_unit", "days", *reset, *_new_deadline(s, days)]

    with transaction.atomic():
        slip = _step(
            slip,
            "approve_return",
            actor,
            text=note,
            data={"from_unit": slip.lead_unit.name, "to_unit": reassign_to.name, "days": days},
            apply=reassign,
            ip_address=ip_address,
        )
        firm_notices.slip_reassigned(slip)
    return slip


def slip_extension_decide(
    *, slip: Slip, actor: User, approve: bool, note: str = "", ip_address=None
) -> Slip:
    """Approve (the deadline moves to the date asked for; the original stays recorded) or
    refuse an extension request."""
    if not approve:

        def clear(s):
            s.requested_deadline = None
            return ["requested_deadline"]

        return _step(slip, "refuse_extension", actor, text=note, apply=clear, ip_address=ip_address)

    data: dict = {}

    def extend(s):
        data.update(**{"from": s.deadline.isoformat(), "to": s.requested_deadline.isoformat()})
        s.deadline = s.requested_deadline
        s.requested_deadline = None
        s.deadline_provisional = not _year_known(s.deadline)
        return ["deadline", "requested_deadline", "deadline_provisional"]

    return _step(
        slip, "approve_extension", actor, text=note, data=data, apply=extend, ip_address=ip_address
    )


def _year_known(day: datetime.date) -> bool:
    from core.models import CalendarYear

    return CalendarYear.objects.filter(year=day.year).exists()


def slip_escalation_decide(
    *, slip: Slip, actor: User, approve: bool, note: str = "", ip_address=None
) -> Slip:
    if not approve:
        return _step(slip, "refuse_escalation", actor, text=note, ip_address=ip_address)

    def climb(s):
        _tier_check(s)
        s.tier += 1
        s.tier_unit = tier_unit_for(s.tier)
        return ["tier", "tier_unit"]

    with transaction.atomic():
        slip = _step(
            slip,
            "approve_escalation",
            actor,
            text=note,
            data={"tier": slip.tier + 1},
            apply=climb,
            ip_address=ip_address,
        )
        if slip.tier_unit is not None:
            slip_notify(
                slip,
                users_with_capability("coordinate_escalations", slip.tier_unit_id).select_related(
                    "unit"
                ),
                "escalation",
                _("Escalated to %(body)s: %(number)s")
                % {"body": slip.tier_unit.name, "number": slip.number},
                note or slip.problem.description[:80],
            )
    return slip


def slip_send_down(
    *, slip: Slip, actor: User, instructions: str, days: int, ip_address=None
) -> Slip:
    """An escalated slip goes back to its unit with instructions and a new deadline."""
    instructions = _text_required(instructions, _("Write the instructions for the unit."))
    days = _days_check(days)

    def apply(s):
        fields = []
        if s.deadline < _today():
            # The deadline was missed before the slip climbed: the new one does not make it
            # punctual (it can no longer close on time), and the history keeps the old date.
            s.late_reply = True
            fields.append("late_reply")
        fields += _new_deadline(s, days)
        data["to"] = s.deadline.isoformat()
        return fields

    data = {"days": days, "from": slip.deadline.isoformat()}
    with transaction.atomic():
        slip = _step(
            slip,
            "send_down",
            actor,
            text=instructions,
            data=data,
            apply=apply,
            ip_address=ip_address,
        )
        slip_notify(
            slip,
            _unit_handlers(slip.lead_unit_id),
            "sent_down",
            _("Sent back to you: %(number)s, new deadline %(deadline)s")
            % {"number": slip.number, "deadline": slip.deadline.isoformat()},
            instructions,
        )
    return slip


def slip_reject_reply(*, slip: Slip, actor: User, reason: str, ip_address=None) -> Slip:
    reason = _text_required(reason, _("Say what the reply lacks."))

    def unreply(s):
        # The reply did not stand: the slip is not "replied" (nor on time) until the next one.
        # Its text stays on the slip's history.
        s.replied_at = None
        s.replied_on_time = None
        return ["replied_at", "replied_on_time"]

    return _step(slip, "reject_reply", actor, text=reason, apply=unreply, ip_address=ip_address)


def slip_feed_back(
    *, slip: Slip, actor: User, method: str, note: str = "", ip_address=None
) -> Slip:
    """The reply has been told to the firm: how, and what it said."""
    if method not in Slip.FeedbackMethod.values:
        raise ValidationError(_("Choose how the firm was told."))

    def apply(s):
        s.fed_back_at = timezone.now()
        s.feedback_method = method
        s.feedback_note = note.strip()
        return ["fed_back_at", "feedback_method", "feedback_note"]

    with transaction.atomic():
        slip = _step(
            slip,
            "feed_back",
            actor,
            text=note.strip(),
            data={"method": method},
            apply=apply,
            ip_address=ip_address,
        )
        firm_notices.slip_fed_back(slip)
    return slip


def slip_rate(
    *,
    slip: Slip,
    actor: User,
    rating: str,
    comment: str = "",
    by_firm: bool = False,
    ip_address=None,
) -> Slip:
    """The firm's rating. Satisfied or basically satisfied closes the slip (on time if the
    accepted reply was); dissatisfied reopens it to the same unit with the firm's comment."""
    if rating not in Slip.Rating.values:
        raise ValidationError(_("Choose the firm's rating."))
    comment = comment.strip()
    reopen = rating == Slip.Rating.DISSATISFIED
    if reopen and not comment:
        raise ValidationError(_("Write what the firm is dissatisfied with: the unit works on it."))

    def apply(s):
        now = timezone.now()
        s.rating = rating
        s.rating_comment = comment
        s.rated_at = now
        s.rated_by = actor
        s.rated_by_firm = by_firm
        fields = ["rating", "rating_comment", "rated_at", "rated_by", "rated_by_firm"]
        if reopen:
            # The reply did not satisfy the firm: the slip is reworked, and counts as neither
            # replied nor fed back until the next round (the history keeps this one).
            s.reopen_count += 1
            s.signed_at = None
            s.replied_at = None
            s.replied_on_time = None
            s.fed_back_at = None
            s.feedback_method = ""
            s.feedback_note = ""
            fields += [
                "reopen_count",
                "signed_at",
                "replied_at",
                "replied_on_time",
                "fed_back_at",
                "feedback_method",
                "feedback_note",
                *_new_deadline(s, s.days),
            ]
        else:
            # On time only if no reply in the slip's life came after its deadline: a rework
            # deadline after 不满意 does not make a late slip punctual.
            s.closed_at = now
            s.closed_on_time = bool(s.replied_on_time) and not s.late_reply
            fields += ["closed_at", "closed_on_time"]
        return fields

    with transaction.atomic():
        slip = _step(
            slip,
            "rate_reopen" if reopen else "rate_close",
            actor,
            text=comment,
            data={"rating": rating, "by_firm": by_firm},
            apply=apply,
            ip_address=ip_address,
        )
        firm_notices.slip_rated(slip, actor)
    return slip


def slip_withdraw(*, slip: Slip, actor: User, reason: str, ip_address=None) -> Slip:
    """A slip issued in error is withdrawn, never deleted; its problem goes back to sorting."""
    reason = _text_required(reason, _("Say why the slip is withdrawn."))

    def apply(s):
        Problem.objects.filter(pk=s.problem_id).update(status=Problem.Status.NEW)
        return []

    return _step(slip, "withdraw", actor, text=reason, apply=apply, ip_address=ip_address)


# --- What the deadline sweep does (actor: the system) ------------------------------------------

TIER_UNIT_KINDS = {2: Unit.Kind.LEADING_GROUP, 3: Unit.Kind.CITY_LEADERS, 4: Unit.Kind.HIGHER_LEVEL}


def body_tier(unit: Unit | None) -> int | None:
    """The tier a coordinating body answers for (its unit's kind), or None for other units."""
    if unit is None:
        return None
    return {kind: tier for tier, kind in TIER_UNIT_KINDS.items()}.get(unit.kind)


def tier_unit_for(tier: int) -> Unit | None:
    """The body that answers for a slip at a tier: the leadership group (2), the city
    leaders (3), the higher level (4)."""
    kind = TIER_UNIT_KINDS.get(tier)
    if kind is None:
        return None
    return Unit.objects.filter(kind=kind, is_active=True).order_by("sort_order", "pk").first()


def slip_close_unrated(*, slip: Slip, days: int) -> Slip:
    """The firm gave no rating within ``days`` working days of the feedback: close the slip as
    未评价. It counts as closed, never as satisfied."""

    def close(s):
        now = timezone.now()
        s.rating = Slip.Rating.UNRATED
        s.rated_at = now
        s.closed_at = now
        s.closed_on_time = bool(s.replied_on_time) and not s.late_reply
        return ["rating", "rated_at", "closed_at", "closed_on_time"]

    with transaction.atomic():
        slip = _step(
            slip,
            "close_unrated",
            None,
            text=_("No rating within %(days)d working days of the feedback.") % {"days": days},
            apply=close,
        )
        firm_notices.slip_closed_unrated(slip)
    return slip


def slip_notices_record(notices: list[tuple[int, str, str, str, list[str]]]) -> None:
    """Put on slips' histories, in one insert, that notices went out: ``(slip id, status,
    kind, title, recipients)`` each. A notice changes no state, so no transition is taken."""
    SlipEvent.objects.bulk_create(
        [
            SlipEvent(
                slip_id=slip_id,
                action="notice",
                from_status=status,
                to_status=status,
                text=title,
                data={"kind": kind, "to": recipients},
            )
            for slip_id, status, kind, title, recipients in notices
        ],
        batch_size=1000,
    )


def slip_notify(slip: Slip, people, kind: str, title: str, body: str) -> None:
    """Tell people about a step on the slip (centre and e-mail, after the commit), and put on
    the slip's history who was told."""
    from django.urls import reverse

    from core.notifications import notify

    people = [p for p in {p.pk: p for p in people}.values() if p.is_active]
    if not people:
        return
    notify(
        recipients=people,
        kind=kind,
        title=title,
        body=body,
        url=reverse("issues:slip_detail", args=[slip.pk]),
    )
    slip_notices_record(
        [(slip.pk, slip.status, kind, title, sorted(f"{p.name}（{p.unit.name}）" for p in people))]
    )


def _unit_handlers(*unit_ids) -> list[User]:
    people: list[User] = []
    for unit_id in unit_ids:
        people += users_with_capability("handle_slips", unit_id).select_related("unit")
    return people
