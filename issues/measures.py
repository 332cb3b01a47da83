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


def measure_aggregates(today=None) -> dict:
    """The conditional counts, for ``.aggregate()`` or ``.values(...).annotate()``."""
    return {name: Count("id", filter=q) for name, q in measure_filters(today).items()}


def slip_measures(slips: QuerySet[Slip], today=None) -> Measures:
    """The measures of a set of slips: one query, whatever its size."""
    return Measures(**slips.order_by().aggregate(**measure_aggregates(today)))


def measures_by(
    slips: QuerySet[Slip], *fields: str, today=None, extra: dict | None = None
) -> list[dict]:
    """The same counts grouped (by batch, lead unit, town, category, tier...), with any
    ``extra`` aggregates the caller needs: one query."""
    rows = list(
        slips.order_by().values(*fields).annotate(**measure_aggregates(today), **(extra or {}))
    )
    for row in rows:
        row["measures"] = Measures(**{k: row[k] for k in Measures.__dataclass_fields__})
    return rows
