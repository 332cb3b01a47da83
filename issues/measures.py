"""The measures the city is judged by (DOMAIN.md), for any set of slips, in one query.

- closure rate 办结率 = closed / issued (withdrawn slips, and slips returned as the wrong unit's
  whose problem went back to sorting, are not counted as issued: the problem is issued again)
- on-time rate 按期办结率 = closed on time / closed (on time: stored at closing)
- feedback rate 反馈率 = slips whose result was fed back / slips replied
- meeting rate 问题见面率 = slips whose firm was met face to face, at the visit or by the unit
  / slips
- satisfaction rate 满意率 = (满意 + 基本满意) / rated (slips closed 未评价 — no rating in time —
  are counted apart, never as rated or satisfied)

Every figure is a count over stored facts, so editing the calendar or the deadline table later
never changes it. The dashboard reads the same function.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Slip

S = Slip.Status
LIVE = ~Q(status__in=[S.WITHDRAWN, S.RETURNED])
OPEN = ~Q(status__in=[S.WITHDRAWN, S.CLOSED, S.RETURNED])
WAITING = ~Q(status__in=Slip.WAITING_EXCLUDES)


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Measures:
    issued: int
    closed: int
    closed_on_time: int
    replied: int
    fed_back: int
    met: int
    rated: int
    unrated: int
    satisfied: int
    overdue: int
    open: int

    @property
    def closure_rate(self):
        return rate(self.closed, self.issued)

    @property
    def on_time_rate(self):
        return rate(self.closed_on_time, self.closed)

    @property
    def feedback_rate(self):
        return rate(self.fed_back, self.replied)

    @property
    def meeting_rate(self):
        return rate(self.met, self.issued)

    @property
    def satisfaction_rate(self):
        return rate(self.satisfied, self.rated)


def measure_filters(today=None) -> dict[str, Q]:
    """Which slips each count counts. The counts below and every "slips behind this figure"
    list filter with these, so a figure and its list always agree."""
    today = today or timezone.localdate()
    return {
        "issued": LIVE,
        "closed": Q(status=S.CLOSED),
        "closed_on_time": Q(status=S.CLOSED, closed_on_time=True),
        "replied": LIVE & Q(replied_at__isnull=False),
        "fed_back": LIVE & Q(fed_back_at__isnull=False),
        "met": LIVE & (Q(problem__met_face_to_face=True) | Q(contact_met=True)),
        "rated": LIVE
        & Q(rating__in=[Slip.Rating.SATISFIED, Slip.Rating.BASIC, Slip.Rating.DISSATISFIED]),
        "unrated": LIVE & Q(rating=Slip.Rating.UNRATED),
        "satisfied": LIVE & Q(rating__in=[Slip.Rating.SATISFIED, Slip.Rating.BASIC]),
        # Not closed and not yet answered after the deadline. Written as one NOT IN, the
        # condition of the partial index that finds them (Slip.Meta).
        "overdue": WAITING & Q(deadline__lt=today),
        "open": OPEN,
    }


def measure_filters_as_of(until: datetime.datetime, as_of: datetime.date | None = None) -> dict:
    """The same counts as they stood at the moment ``until`` (exclusive), for a report about a
    period that has ended (a bulletin, the year's evaluation): a slip issued, replied, fed
    back, rated or closed at or after ``until`` counts as not yet so. Overdue is read on the
    day ``as_of`` (the day before ``until`` unless given): not answered and not closed by
    ``until`` with its deadline before that day.

    Read from the stored times, so two facts are as they are now, not as they were: a slip
    withdrawn or reopened after ``until`` (a reopening clears its reply; rare, and a report
    is published soon after its period), and a face-to-face contact. A rating recorded
    without a time (older imports) counts from the slip's closing.
    """
    if as_of is None:
        as_of = timezone.localtime(until - datetime.timedelta(microseconds=1)).date()
    issued = LIVE & Q(issued_at__lt=until)
    closed = Q(status=S.CLOSED, closed_at__lt=until)
    rated_by = Q(rated_at__lt=until) | Q(rated_at__isnull=True, closed_at__lt=until)
    rated = Q(rating__in=[Slip.Rating.SATISFIED, Slip.Rating.BASIC, Slip.Rating.DISSATISFIED])
    return {
        "issued": issued,
        "closed": closed,
        "closed_on_time": closed & Q(closed_on_time=True),
        "replied": issued & Q(replied_at__lt=until),
        "fed_back": issued & Q(fed_back_at__lt=until),
        "met": issued & (Q(problem__met_face_to_face=True) | Q(contact_met=True)),
        "rated": issued & rated & rated_by,
        "unrated": issued & Q(rating=Slip.Rating.UNRATED) & rated_by,
        "satisfied": issued & Q(rating__in=[Slip.Rating.SATISFIED, Slip.Rating.BASIC]) & rated_by,
        "overdue": issued
        & Q(deadline__lt=as_of)
        & ~Q(replied_at__lt=until)
        & ~Q(closed_at__lt=until),
        "open": issued & ~Q(closed_at__lt=until),
    }


def measure_aggregates(today=None, until=None) -> dict:
    """The conditional counts, for ``.aggregate()`` or ``.values(...).annotate()``: as they
    are now (overdue on ``today``), or as they stood at ``until`` (``measure_filters_as_of``,
    overdue on ``today`` when given)."""
    filters = measure_filters(today) if until is None else measure_filters_as_of(until, today)
    return {name: Count("id", filter=q) for name, q in filters.items()}


def slip_measures(slips: QuerySet[Slip], today=None, until=None) -> Measures:
    """The measures of a set of slips: one query, whatever its size."""
    return Measures(**slips.order_by().aggregate(**measure_aggregates(today, until)))


def measures_by(
    slips: QuerySet[Slip], *fields: str, today=None, until=None, extra: dict | None = None
) -> list[dict]:
    """The same counts grouped (by batch, lead unit, town, category, tier...), with any
    ``extra`` aggregates the caller needs: one query."""
    rows = list(
        slips.order_by()
        .values(*fields)
        .annotate(**measure_aggregates(today, until), **(extra or {}))
    )
    for row in rows:
        row["measures"] = Measures(**{k: row[k] for k in Measures.__dataclass_fields__})
    return rows
