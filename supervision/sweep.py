"""The deadline sweep: reminders before a deadline, chase-ups (催办) after it, escalation up the
tiers for slips that stay overdue, and closing fed-back slips the firm never rated.

Set-based and idempotent. Each kind of action is one query for the slips whose state calls for
it and that lack the action's row (``DeadlineAction``); only those are touched, so the cost
grows with the slips needing action, not with all slips. Each slip is then handled in its own
transaction: the row is locked (``skip_locked`` on PostgreSQL: a second worker passes over it),
the action's row is inserted under its unique key — if that fails someone else did it — and
the action is taken. Running it twice, on two workers at once, or after beat was down for days,
does every due action exactly once.
"""

import datetime
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import User
from core.notifications import notify
from core.workdays import WorkCalendar
from issues.models import Slip
from issues.services.slips import slip_close_unrated, slip_escalate, slip_notice

from .models import DeadlineAction, SupervisionRules

logger = logging.getLogger(__name__)
S = Slip.Status
# Still the handling unit's (or the tier's) to answer.
WAITING = [
    S.ISSUED,
    S.SIGNED,
    S.IN_PROGRESS,
    S.REOPENED,
    S.RETURN_REQUESTED,
    S.EXTENSION_REQUESTED,
    S.ESCALATION_REQUESTED,
    S.ESCALATED,
]
CLIMBING = [
    S.ISSUED,
    S.SIGNED,
    S.IN_PROGRESS,
    S.REOPENED,
    S.EXTENSION_REQUESTED,
    S.ESCALATION_REQUESTED,
    S.ESCALATED,
]


@contextmanager
def _isolated(report, slip_id):
    """One slip's action in its own transaction; if it fails, that slip is rolled back and
    logged, and the sweep goes on with the others (the next sweep retries it)."""
    try:
        with transaction.atomic():
            yield
    except Exception:
        logger.exception("deadline sweep: slip %s failed", slip_id)
        report.errors += 1


@dataclass
class SweepReport:
    reminders: int = 0
    overdue: int = 0
    escalations: int = 0
    unrated: int = 0
    skipped: int = 0
    errors: int = 0
    notes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "reminders": self.reminders,
            "overdue": self.overdue,
            "escalations": self.escalations,
            "unrated": self.unrated,
            "skipped": self.skipped,
            "errors": self.errors,
        }


def _users_with(codename: str, unit_id: int | None = None):
    users = User.objects.filter(is_active=True).filter(
        Q(groups__permissions__codename=codename) | Q(user_permissions__codename=codename)
    )
    if unit_id is not None:
        users = users.filter(unit_id=unit_id)
    return users.distinct()


def _missing(kind: str, *, tier=None, deadline=None):
    """Slips lacking this action for their current deadline (or the given date)."""
    rows = DeadlineAction.objects.filter(slip=OuterRef("pk"), kind=kind)
    rows = rows.filter(deadline=deadline if deadline is not None else OuterRef("deadline"))
    if tier is not None:
        rows = rows.filter(tier=tier)
    return ~Exists(rows)


def _claim(slip_id: int, kind: str, day: datetime.date, tier: int, still: Q) -> Slip | None:
    """Lock the slip if it still calls for the action, and record the action. None when
    another worker holds it, its state moved on, or the action was already taken."""
    rows = Slip.objects.filter(still, pk=slip_id)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    slip = rows.select_related("problem", "problem__enterprise", "lead_unit").first()
    if slip is None:
        return None
    try:
        with transaction.atomic():
            DeadlineAction.objects.create(slip=slip, kind=kind, deadline=day, tier=tier)
    except IntegrityError:
        return None
    return slip


def _tell(slip: Slip, kind: str, title: str, body: str, recipients) -> None:
    people = list(recipients)
    notify(
        recipients=people,
        kind=kind,
        title=title,
        body=body,
        url=reverse("issues:slip_detail", args=[slip.pk]),
    )
    slip_notice(
        slip=slip,
        kind=kind,
        text=title,
        recipients=sorted({f"{p.name}（{p.unit.name}）" for p in people}),
    )


def _unit_people(slip: Slip, *, leaders: bool, office: bool) -> list:
    people = list(_users_with("handle_slips", slip.lead_unit_id).select_related("unit"))
    if leaders:
        people += list(_users_with("view_unit_visits", slip.lead_unit_id).select_related("unit"))
    if office:
        people += list(_users_with("assign_problems").select_related("unit"))
    return people


def deadlines_sweep(*, now: datetime.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = SweepReport()
    rules = SupervisionRules.current()
    if not rules.enabled:
        report.notes.append("disabled")
        return report
    longest = max(rules.tier2_after, rules.tier3_after, rules.tier4_after, rules.unrated_close_days)
    calendar = WorkCalendar(
        today - datetime.timedelta(days=3 * longest + 31),
        today + datetime.timedelta(days=3 * rules.reminder_days + 31),
    )

    def back(days: int) -> datetime.date:
        """The latest day with at least ``days`` working days after it up to today (today
        counted when it is a working day): a deadline on or before it is ``days`` working days
        overdue. On a weekend or holiday, today adds nothing."""
        day, left = today, days
        while left:
            if calendar.is_working_day(day):
                left -= 1
            day -= datetime.timedelta(days=1)
        return day

    # 1. Reminders: the deadline is within the lead time and not yet passed.
    remind_until = calendar.add(today, rules.reminder_days)
    due_soon = Q(status__in=WAITING, deadline__gte=today, deadline__lte=remind_until)
    for slip_id, deadline in (
        Slip.objects.filter(due_soon)
        .filter(_missing(DeadlineAction.Kind.REMINDER))
        .values_list("pk", "deadline")
    ):
        with _isolated(report, slip_id):
            slip = _claim(slip_id, DeadlineAction.Kind.REMINDER, deadline, 0, due_soon)
            if slip is None:
                report.skipped += 1
                continue
            left = calendar.between(today, deadline)
            _tell(
                slip,
                "reminder",
                _("Due in %(days)d working days: %(number)s")
                % {"days": left, "number": slip.number}
                if left
                else _("Due today: %(number)s") % {"number": slip.number},
                _("%(firm)s: %(problem)s. Deadline %(deadline)s.")
                % {
                    "firm": slip.problem.enterprise.name,
                    "problem": slip.problem.description[:80],
                    "deadline": deadline.isoformat(),
                },
                _unit_people(slip, leaders=False, office=False),
            )
            report.reminders += 1

    # 2. Chase-ups (催办): the deadline has passed without a reply; the unit, its leaders and the
    # office are told, once per deadline.
    missed = Q(status__in=WAITING, deadline__lt=today)
    for slip_id, deadline in (
        Slip.objects.filter(missed)
        .filter(_missing(DeadlineAction.Kind.OVERDUE))
        .values_list("pk", "deadline")
    ):
        with _isolated(report, slip_id):
            slip = _claim(slip_id, DeadlineAction.Kind.OVERDUE, deadline, 0, missed)
            if slip is None:
                report.skipped += 1
                continue
            _tell(
                slip,
                "overdue",
                _("Overdue, please act: %(number)s") % {"number": slip.number},
                _("%(firm)s: %(problem)s. The deadline was %(deadline)s (lead unit %(unit)s).")
                % {
                    "firm": slip.problem.enterprise.name,
                    "problem": slip.problem.description[:80],
                    "deadline": deadline.isoformat(),
                    "unit": slip.lead_unit.name,
                },
                _unit_people(slip, leaders=True, office=True),
            )
            report.overdue += 1

    # 3. Escalation: overdue past the threshold of the slip's tier climbs one tier.
    climbing = Q(pk__in=[])
    for tier in (1, 2, 3):
        climbing |= Q(tier=tier, deadline__lte=back(rules.tier_threshold(tier)))
    climbing &= Q(status__in=CLIMBING)
    if rules.escalate_categories:
        climbing &= Q(problem__category__in=rules.escalate_categories)
    already = DeadlineAction.objects.filter(
        slip=OuterRef("pk"),
        kind=DeadlineAction.Kind.ESCALATION,
        deadline=OuterRef("deadline"),
        tier=OuterRef("tier") + 1,
    )
    thresholds = {tier: back(rules.tier_threshold(tier)) for tier in (1, 2, 3)}
    for slip_id, deadline, tier in (
        Slip.objects.filter(climbing).filter(~Exists(already)).values_list("pk", "deadline", "tier")
    ):
        # A slip far past its deadline (beat was down, or the rules changed) climbs every tier
        # due now, in this one sweep: the next sweep then finds nothing left to do.
        while tier in thresholds and deadline <= thresholds[tier]:
            with transaction.atomic():
                slip = _claim(
                    slip_id,
                    DeadlineAction.Kind.ESCALATION,
                    deadline,
                    tier + 1,
                    climbing & Q(tier=tier),
                )
                if slip is None:
                    report.skipped += 1
                    break
                overdue = calendar.between(deadline, today)
                try:
                    slip = slip_escalate(
                        slip=slip,
                        reason=_("Overdue %(days)d working days (deadline %(deadline)s).")
                        % {"days": overdue, "deadline": deadline.isoformat()},
                    )
                except (ValidationError, ValueError):
                    # Refused (TransitionRefused is a ValidationError, as is the top-tier
                    # check): undo the claim too, so the action is not recorded as done.
                    transaction.set_rollback(True)
                    report.skipped += 1
                    break
                tier_people = list(
                    User.objects.filter(unit=slip.tier_unit_id, is_active=True).select_related(
                        "unit"
                    )
                )
                _tell(
                    slip,
                    "escalation",
                    _("Escalated to %(body)s: %(number)s")
                    % {
                        "body": slip.tier_unit.name if slip.tier_unit else "",
                        "number": slip.number,
                    },
                    _("%(firm)s: %(problem)s. Overdue %(days)d working days at %(unit)s.")
                    % {
                        "firm": slip.problem.enterprise.name,
                        "problem": slip.problem.description[:80],
                        "days": overdue,
                        "unit": slip.lead_unit.name,
                    },
                    tier_people + _unit_people(slip, leaders=True, office=True),
                )
                report.escalations += 1
                tier = slip.tier

    # 4. Fed back, never rated: closed as 未评价 after the set number of working days.
    stale = Q(status=S.FED_BACK, fed_back_at__date__lte=back(rules.unrated_close_days))
    for slip_id, fed_back_at in (
        Slip.objects.filter(stale)
        .filter(
            ~Exists(
                DeadlineAction.objects.filter(slip=OuterRef("pk"), kind=DeadlineAction.Kind.UNRATED)
            )
        )
        .values_list("pk", "fed_back_at")
    ):
        day = timezone.localdate(fed_back_at)
        with _isolated(report, slip_id):
            slip = _claim(slip_id, DeadlineAction.Kind.UNRATED, day, 0, stale)
            if slip is None:
                report.skipped += 1
                continue
            slip_close_unrated(slip=slip, days=rules.unrated_close_days)
            report.unrated += 1
    return report
