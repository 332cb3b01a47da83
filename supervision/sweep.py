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

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.notifications import notify_many
from core.selectors import users_with_capability
from core.workdays import WorkCalendar
from issues.models import Slip
from issues.services.slips import (
    slip_close_unrated,
    slip_notices_record,
    slip_notify,
    tier_unit_for,
)
from issues.workflow import slips_transition_bulk

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


class _People:
    """Who is told, looked up once per unit for the whole sweep."""

    def __init__(self):
        self.cache: dict = {}

    def _get(self, key, query):
        if key not in self.cache:
            self.cache[key] = list(query.select_related("unit"))
        return self.cache[key]

    def members(self, unit) -> list:
        if unit is None:
            return []
        # The body's members who coordinate (role 协调机构成员), not every user of its unit: the
        # city leaders' unit also holds the cadres paired with big firms.
        return self._get(
            ("members", unit.pk), users_with_capability("coordinate_escalations", unit.pk)
        )

    def of(self, unit_id: int, *, leaders: bool, office: bool) -> list:
        found = list(
            self._get(("handlers", unit_id), users_with_capability("handle_slips", unit_id))
        )
        if leaders:
            found += self._get(
                ("leaders", unit_id), users_with_capability("view_unit_visits", unit_id)
            )
        if office:
            found += self.office()
        return found

    def office(self) -> list:
        return self._get("office", users_with_capability("assign_problems"))


def _claim_many(kind: str, keys: list[tuple[int, datetime.date, int]]) -> set[int]:
    """Record the action for many slips in one statement; return the slips whose row this
    call inserted (the others were taken already, by an earlier sweep or another worker)."""
    if not keys:
        return set()
    table = connection.ops.quote_name(DeadlineAction._meta.db_table)
    now = timezone.now()
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(keys))
    params = []
    for slip_id, day, tier in keys:
        params += [slip_id, kind, day, tier, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (slip_id, kind, deadline, tier, created_at) VALUES {values} "  # noqa: S608
            "ON CONFLICT (slip_id, kind, deadline, tier) DO NOTHING RETURNING slip_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


NOTICE_FIELDS = [
    "pk",
    "number",
    "status",
    "deadline",
    "lead_unit_id",
    "lead_unit__name",
    "problem__enterprise__name",
    "problem__description",
]
CHUNK = 500


def _notices(kind: str, condition: Q, compose, report) -> int:
    """Notices for every slip meeting the condition that lacks this action: claimed, told and
    recorded in chunks of a few hundred, each chunk one transaction."""
    rows = list(
        Slip.objects.filter(condition).filter(_missing(kind)).values(*NOTICE_FIELDS).order_by("pk")
    )
    done = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        try:
            with transaction.atomic():
                claimed = _claim_many(kind, [(r["pk"], r["deadline"], 0) for r in chunk])
                report.skipped += len(chunk) - len(claimed)
                messages, events = [], []
                for row in chunk:
                    if row["pk"] not in claimed:
                        continue
                    title, body, people = compose(row)
                    url = reverse("issues:slip_detail", args=[row["pk"]])
                    messages.append((people, kind, title, body, url))
                    names = sorted({f"{p.name}（{p.unit.name}）" for p in people})
                    events.append((row["pk"], row["status"], kind, title, names))
                notify_many(messages)
                slip_notices_record(events)
                done += len(claimed)
        except Exception:
            logger.exception("deadline sweep: %s notices for %d slips failed", kind, len(chunk))
            report.errors += len(chunk)
    return done


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

    people = _People()

    # 1. Reminders: the deadline is within the lead time and not yet passed.
    remind_until = calendar.add(today, rules.reminder_days)
    due_soon = Q(status__in=WAITING, deadline__gte=today, deadline__lte=remind_until)

    def reminder(row):
        left = calendar.between(today, row["deadline"])
        title = (
            _("Due in %(days)d working days: %(number)s") % {"days": left, "number": row["number"]}
            if left
            else _("Due today: %(number)s") % {"number": row["number"]}
        )
        body = _("%(firm)s: %(problem)s. Deadline %(deadline)s.") % {
            "firm": row["problem__enterprise__name"],
            "problem": row["problem__description"][:80].rstrip("。."),
            "deadline": row["deadline"].isoformat(),
        }
        return title, body, people.of(row["lead_unit_id"], leaders=False, office=False)

    # Reminders and chase-ups go out on working days only: a 催办 on a holiday reaches nobody
    # at work. Their claims are keyed on the deadline, so the first working day sends them.
    working_day = calendar.is_working_day(today)
    if working_day:
        report.reminders += _notices(DeadlineAction.Kind.REMINDER, due_soon, reminder, report)
    else:
        report.notes.append("not a working day: reminders and chase-ups wait")

    # 2. Chase-ups (催办): the deadline has passed without a reply; the unit, its leaders and the
    # office are told, once per deadline.
    missed = Q(status__in=WAITING, deadline__lt=today)

    def chase_up(row):
        title = _("Overdue, please act: %(number)s") % {"number": row["number"]}
        body = _("%(firm)s: %(problem)s. The deadline was %(deadline)s (lead unit %(unit)s).") % {
            "firm": row["problem__enterprise__name"],
            "problem": row["problem__description"][:80].rstrip("。."),
            "deadline": row["deadline"].isoformat(),
            "unit": row["lead_unit__name"],
        }
        return title, body, people.of(row["lead_unit_id"], leaders=True, office=True)

    if working_day:
        report.overdue += _notices(DeadlineAction.Kind.OVERDUE, missed, chase_up, report)

    # 3. Escalation: a slip overdue past its tier's threshold climbs one tier. Tiers are taken
    # in order, so a slip far past its deadline (beat was down, or the rules changed) climbs
    # every tier due now in this one sweep, and the next sweep finds nothing left to do.
    for tier in (1, 2, 3):
        threshold = rules.tier_threshold(tier)
        climbing = Q(status__in=CLIMBING, tier=tier, deadline__lte=back(threshold))
        if rules.escalate_categories:
            climbing &= Q(problem__category__in=rules.escalate_categories)
        rows = list(
            Slip.objects.filter(climbing)
            .filter(_missing(DeadlineAction.Kind.ESCALATION, tier=tier + 1))
            .values(*NOTICE_FIELDS)
            .order_by("pk")
        )
        body = tier_unit_for(tier + 1) if rows else None
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            try:
                with transaction.atomic():
                    claimed = _claim_many(
                        DeadlineAction.Kind.ESCALATION,
                        [(r["pk"], r["deadline"], tier + 1) for r in chunk],
                    )
                    moved = slips_transition_bulk(
                        ids=sorted(claimed),
                        action="escalate",
                        text=_("Overdue %(days)d working days or more: climbs to tier %(tier)d.")
                        % {"days": threshold, "tier": tier + 1},
                        fields={"tier": tier + 1, "tier_unit": body},
                    )
                    moved_ids = {slip.pk for slip in moved}
                    # A claim whose slip had moved on is given back, for a later sweep.
                    DeadlineAction.objects.filter(
                        slip_id__in=claimed - moved_ids,
                        kind=DeadlineAction.Kind.ESCALATION,
                        tier=tier + 1,
                    ).delete()
                    report.skipped += len(chunk) - len(moved_ids)
                    tier_people = people.members(body)
                    messages, events = [], []
                    for row in chunk:
                        if row["pk"] not in moved_ids:
                            continue
                        title = _("Escalated to %(body)s: %(number)s") % {
                            "body": body.name if body else "",
                            "number": row["number"],
                        }
                        text = _(
                            "%(firm)s: %(problem)s. Overdue %(days)d working days at %(unit)s."
                        ) % {
                            "firm": row["problem__enterprise__name"],
                            "problem": row["problem__description"][:80].rstrip("。."),
                            "days": calendar.between(row["deadline"], today),
                            "unit": row["lead_unit__name"],
                        }
                        told = tier_people + people.of(
                            row["lead_unit_id"], leaders=True, office=True
                        )
                        url = reverse("issues:slip_detail", args=[row["pk"]])
                        messages.append((told, "escalation", title, text, url))
                        names = sorted({f"{p.name}（{p.unit.name}）" for p in told})
                        events.append((row["pk"], S.ESCALATED, "escalation", title, names))
                    notify_many(messages)
                    slip_notices_record(events)
                    report.escalations += len(moved_ids)
            except Exception:
                logger.exception("deadline sweep: escalation of %d slips failed", len(chunk))
                report.errors += len(chunk)

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
            slip = slip_close_unrated(slip=slip, days=rules.unrated_close_days)
            # The office is told: it may still ask the firm, and the 未评价 count is its to watch.
            slip_notify(
                slip,
                people.office(),
                "unrated",
                _("Closed without the firm's rating: %(number)s") % {"number": slip.number},
                _("No rating within %(days)d working days of the feedback.")
                % {"days": rules.unrated_close_days},
            )
            report.unrated += 1
    return report
