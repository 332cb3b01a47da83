"""The supervision dashboard (督查驾驶舱): every figure, chart and list, read in the database.

Scope, for one set of filters (period, batch, lead unit, town, category, special action, tier):
- slips: issued in the period (their state today), through ``issues.measures`` — the same
  definitions the slip list, the bulletins and the evaluation use;
- problems: raised in the period; the meeting rate (问题见面率) is per problem: the firm was met
  face to face at the visit, or by a unit on any of the problem's slips;
- visit coverage: the targets of the campaigns running in the period, visited or not.
- overdue: the backlog today, whenever issued (with the other filters), and the timeline's
  closures: every slip closed in the period, whenever issued.
The previous period of the same kind gives the "change since" figures, in the same query as the
current one (conditional counts over both). Every aggregate is one GROUP BY or one conditional
``aggregate()``; the number of queries does not depend on the data. Each figure and chart bar
names a subset by ``show`` (a measure) plus extra filters, and the "behind the figure" lists
read exactly that subset with the same filters.

At province scale the period's rows are too many to count on every request, so the figures the
filters allow are read from the monthly tables the database keeps by trigger (models_stats.py):
exact to the last slip, a few thousand rows. Filters those tables do not carry (town, category
or special action for slips; unit, batch, tier or special action for problems; a week) read the
rows, which are then far fewer. tests/test_stats.py checks both ways agree.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth
from django.utils import timezone

from core.models import Unit
from issues.measures import LIVE, Measures, measure_filters, rate
from issues.models import Batch, Problem, Slip, SpecialAction
from visits.models import Campaign, CampaignTarget

from .models_stats import ProblemMonthStat, SlipMonthStat
from .periods import Period, period_containing

S = Slip.Status
SHOWS = ["issued", "closed", "closed_on_time", "fed_back", "satisfied", "overdue", "open"]


@dataclass(frozen=True)
class Filters:
    period: Period
    batch: Batch | None = None
    unit: Unit | None = None
    town: Unit | None = None
    category: str = ""
    special_action: SpecialAction | None = None
    tier: int | None = None

    def params(self, **override) -> dict:
        """The filters as URL parameters, with ``override`` applied (None drops one)."""
        values = {
            "period": self.period.key,
            "batch": self.batch.pk if self.batch else None,
            "unit": self.unit.pk if self.unit else None,
            "town": self.town.pk if self.town else None,
            "category": self.category or None,
            "special_action": self.special_action.pk if self.special_action else None,
            "tier": self.tier,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}

    def query(self, **override) -> str:
        return urlencode(self.params(**override))


def default_filters(today: datetime.date | None = None) -> Filters:
    return Filters(period=period_containing("year", today or timezone.localdate()))


# --- The sets -----------------------------------------------------------------------------------


def _in_period(field_name: str, period: Period) -> Q:
    start, end = period.datetimes()
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def slips_scoped(
    base: QuerySet[Slip],
    f: Filters,
    *,
    periods: list[Period] | None = None,
    any_period: bool = False,
):
    """The slips the filters select, issued in ``periods`` (default: the filters' period), or
    whenever they were issued (``any_period``: the backlog, e.g. what is overdue now)."""
    if any_period:
        slips = base.all()
    else:
        periods = periods if periods is not None else [f.period]
        when = Q(pk__in=[])
        for period in periods:
            when |= _in_period("issued_at", period)
        slips = base.filter(when)
    if f.batch:
        slips = slips.filter(batch=f.batch)
    if f.unit:
        slips = slips.filter(lead_unit=f.unit)
    if f.town:
        slips = slips.filter(problem__enterprise__town=f.town)
    if f.category:
        slips = slips.filter(problem__category=f.category)
    if f.special_action:
        slips = slips.filter(problem__special_action=f.special_action)
    if f.tier:
        slips = slips.filter(tier=f.tier)
    return slips


def problems_scoped(base: QuerySet[Problem], f: Filters, *, periods: list[Period] | None = None):
    """The problems the filters select, raised in ``periods``. Batch, unit and tier select the
    problems with a slip of that batch, lead unit or tier."""
    periods = periods if periods is not None else [f.period]
    when = Q(pk__in=[])
    for period in periods:
        when |= _in_period("raised_at", period)
    problems = base.filter(when)
    if f.town:
        problems = problems.filter(enterprise__town=f.town)
    if f.category:
        problems = problems.filter(category=f.category)
    if f.special_action:
        problems = problems.filter(special_action=f.special_action)
    slip_q = Q()
    if f.batch:
        slip_q &= Q(batch=f.batch)
    if f.unit:
        slip_q &= Q(lead_unit=f.unit)
    if f.tier:
        slip_q &= Q(tier=f.tier)
    if slip_q:
        problems = problems.filter(
            Exists(Slip.objects.filter(slip_q, LIVE, problem=OuterRef("pk")))
        )
    return problems


def problem_met() -> Q:
    """The firm was met face to face about the problem: at the visit, or by a unit on one of
    its slips (``met_by_unit``, kept by a trigger on the slips)."""
    return Q(met_face_to_face=True) | Q(met_by_unit=True)


def targets_scoped(f: Filters, *, period: Period | None = None) -> QuerySet[CampaignTarget]:
    """The targets of the campaigns running in the period (town: the firm's; unit: the
    answering unit's)."""
    period = period or f.period
    targets = CampaignTarget.objects.filter(
        campaign__in=Campaign.objects.filter(start_date__lte=period.end, end_date__gte=period.start)
    )
    if f.town:
        targets = targets.filter(enterprise__town=f.town)
    if f.unit:
        targets = targets.filter(unit=f.unit)
    return targets


# --- The figures --------------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    value: float | int | None
    previous: float | int | None
    part: int | None = None
    whole: int | None = None
    is_rate: bool = True

    @property
    def change(self):
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)


@dataclass
class Board:
    filters: Filters
    measures: Measures
    previous: Measures
    figures: dict = field(default_factory=dict)
    charts: dict = field(default_factory=dict)
    overdue: list = field(default_factory=list)
    overdue_total: int = 0
    supervised: list = field(default_factory=list)
    unit_rank: dict | None = None


def _two_period_measures(base, f: Filters, today) -> tuple[Measures, Measures]:
    current, previous = f.period, f.period.previous()
    slips = slips_scoped(base, f, periods=[current, previous])
    now_q, before_q = _in_period("issued_at", current), _in_period("issued_at", previous)
    aggregates = {}
    for name, q in measure_filters(today).items():
        aggregates[f"c_{name}"] = Count("id", filter=q & now_q)
        aggregates[f"p_{name}"] = Count("id", filter=q & before_q)
    row = slips.order_by().aggregate(**aggregates)
    fields = Measures.__dataclass_fields__
    return (
        Measures(**{name: row[f"c_{name}"] for name in fields}),
        Measures(**{name: row[f"p_{name}"] for name in fields}),
    )


def _two_period_meeting(base_problems, f: Filters) -> dict:
    current, previous = f.period, f.period.previous()
    problems = problems_scoped(base_problems, f, periods=[current, previous])
    now_q, before_q = _in_period("raised_at", current), _in_period("raised_at", previous)
    return problems.order_by().aggregate(
        raised=Count("id", filter=now_q),
        met=Count("id", filter=now_q & problem_met()),
        p_raised=Count("id", filter=before_q),
        p_met=Count("id", filter=before_q & problem_met()),
    )


def _two_period_coverage(f: Filters) -> dict:
    """Targets and visited targets of the campaigns running in each period: counted per
    campaign (an index holds campaign and visit date), then added up per period."""
    current, previous = f.period, f.period.previous()
    campaigns = list(
        Campaign.objects.filter(start_date__lte=current.end, end_date__gte=previous.start)
    )
    targets = CampaignTarget.objects.filter(campaign__in=[c.pk for c in campaigns])
    if f.town:
        targets = targets.filter(enterprise__town=f.town)
    if f.unit:
        targets = targets.filter(unit=f.unit)
    per_campaign = {
        row["campaign"]: row
        for row in targets.order_by()
        .values("campaign")
        .annotate(n=Count("id"), seen=Count("id", filter=Q(visited_on__isnull=False)))
    }
    totals = {"targets": 0, "visited": 0, "p_targets": 0, "p_visited": 0}
    for campaign in campaigns:
        row = per_campaign.get(campaign.pk, {"n": 0, "seen": 0})
        for prefix, period in (("", current), ("p_", previous)):
            if campaign.start_date <= period.end and campaign.end_date >= period.start:
                totals[f"{prefix}targets"] += row["n"]
                totals[f"{prefix}visited"] += row["seen"]
    return totals


# --- From the monthly figures the database keeps (models_stats.py) --------------------------------
#
# Used when the filters are ones those tables carry: for slips, period, batch, lead unit and
# tier; for problems, period, town and category. Other filters read the slips and problems
# themselves (fewer rows then). Both ways give the same figures (tests/test_stats.py).


def stats_for_slips(f: Filters) -> bool:
    """The tables hold whole months: a week is read from the rows."""
    return f.period.kind != "week" and not (f.town or f.category or f.special_action)


def stats_for_problems(f: Filters) -> bool:
    return f.period.kind != "week" and not (f.unit or f.batch or f.tier or f.special_action)


def _months(period: Period) -> Q:
    return Q(month__gte=period.start.replace(day=1), month__lte=period.end)


def _slip_stats(f: Filters):
    rows = SlipMonthStat.objects.all()
    if f.batch:
        rows = rows.filter(batch_id=f.batch.pk)
    if f.unit:
        rows = rows.filter(lead_unit_id=f.unit.pk)
    if f.tier:
        rows = rows.filter(tier=f.tier)
    return rows


def _problem_stats(f: Filters):
    rows = ProblemMonthStat.objects.all()
    if f.town:
        rows = rows.filter(town_id=f.town.pk)
    if f.category:
        rows = rows.filter(category=f.category)
    return rows


def _overdue_q(f: Filters, today) -> QuerySet[Slip]:
    """Overdue slips depend on today, so they are counted on the slips (few: an index holds
    the slips still waiting for an answer)."""
    return slips_scoped(Slip.objects.all(), f, periods=[f.period, f.period.previous()]).filter(
        measure_filters(today)["overdue"]
    )


def _two_period_measures_stats(f: Filters, today) -> tuple[Measures, Measures]:
    current, previous = f.period, f.period.previous()
    rows = _slip_stats(f).filter(_months(current) | _months(previous))
    sums = {}
    for name in SlipMonthStat.COUNTS:
        sums[f"c_{name}"] = Coalesce(Sum(name, filter=_months(current)), 0)
        sums[f"p_{name}"] = Coalesce(Sum(name, filter=_months(previous)), 0)
    row = rows.aggregate(**sums)
    now_q, before_q = _in_period("issued_at", current), _in_period("issued_at", previous)
    overdue = _overdue_q(f, today).aggregate(
        c=Count("id", filter=now_q), p=Count("id", filter=before_q)
    )
    made = []
    for prefix, late in (("c", overdue["c"]), ("p", overdue["p"])):
        counts = {name: row[f"{prefix}_{name}"] for name in SlipMonthStat.COUNTS}
        made.append(Measures(**counts, met=0, overdue=late))
    return made[0], made[1]


def _two_period_meeting_stats(f: Filters) -> dict:
    current, previous = f.period, f.period.previous()
    rows = _problem_stats(f).filter(_months(current) | _months(previous))
    row = rows.aggregate(
        c_raised=Coalesce(Sum("raised", filter=_months(current)), 0),
        c_met=Coalesce(Sum("met", filter=_months(current)), 0),
        p_raised=Coalesce(Sum("raised", filter=_months(previous)), 0),
        p_met=Coalesce(Sum("met", filter=_months(previous)), 0),
    )
    return {"raised": row["c_raised"], "met": row["c_met"], **row}


def _problem_charts_stats(f: Filters) -> dict:
    rows = _problem_stats(f).filter(_months(f.period))
    towns = dict(Unit.objects.filter(kind=Unit.Kind.TOWN).values_list("pk", "name"))
    by_town = [
        {
            "enterprise__town": r["town_id"],
            "enterprise__town__name": towns.get(r["town_id"], ""),
            "n": r["n"],
        }
        for r in rows.values("town_id").annotate(n=Sum("raised")).filter(n__gt=0)
    ]
    by_town.sort(key=lambda r: (-r["n"], r["enterprise__town__name"]))
    return {
        "category": list(
            rows.values("category").annotate(n=Sum("raised")).filter(n__gt=0).order_by("-n")
        ),
        "town": by_town,
        "raised": {
            r["month"]: r["n"]
            for r in rows.values("month").annotate(n=Sum("raised")).filter(n__gt=0)
        },
    }


def _slip_charts_stats(f: Filters) -> dict:
    rows = _slip_stats(f).filter(_months(f.period))
    batches = {b["pk"]: b for b in Batch.objects.values("pk", "year", "number")}
    by_batch = []
    for r in rows.values("batch_id").annotate(issued=Sum("issued"), closed=Sum("closed")):
        if not r["issued"] and not r["closed"]:
            continue
        b = batches.get(r["batch_id"], {"year": 0, "number": 0})
        by_batch.append(
            {
                "batch": r["batch_id"],
                "batch__year": b["year"],
                "batch__number": b["number"],
                "issued": r["issued"],
                "closed": r["closed"],
            }
        )
    by_batch.sort(key=lambda r: (r["batch__year"], r["batch__number"]))
    closed = {
        r["closed_month"]: r["n"]
        for r in _slip_stats(f)
        .filter(closed_month__gte=f.period.start.replace(day=1), closed_month__lte=f.period.end)
        .values("closed_month")
        .annotate(n=Sum("closed"))
        .filter(n__gt=0)
    }
    return {"batch": by_batch, "closed": closed}


def board_build(*, slips_base, problems_base, f: Filters, whole: bool, today=None) -> Board:
    """Everything the dashboard shows for the filters. ``whole``: the whole board (leaders and
    the office); otherwise one unit's own figures (the filters carry its unit)."""
    today = today or timezone.localdate()
    slip_stats, problem_stats = stats_for_slips(f), stats_for_problems(f)
    if slip_stats:
        current, previous = _two_period_measures_stats(f, today)
    else:
        current, previous = _two_period_measures(slips_base, f, today)
    meeting = (
        _two_period_meeting_stats(f) if problem_stats else _two_period_meeting(problems_base, f)
    )
    board = Board(filters=f, measures=current, previous=previous)
    board.figures = {
        "meeting_rate": Figure(
            "meeting_rate",
            rate(meeting["met"], meeting["raised"]),
            rate(meeting["p_met"], meeting["p_raised"]),
            meeting["met"],
            meeting["raised"],
        ),
        "feedback_rate": Figure(
            "feedback_rate",
            current.feedback_rate,
            previous.feedback_rate,
            current.fed_back,
            current.replied,
        ),
        "satisfaction_rate": Figure(
            "satisfaction_rate",
            current.satisfaction_rate,
            previous.satisfaction_rate,
            current.satisfied,
            current.rated,
        ),
        "closure_rate": Figure(
            "closure_rate",
            current.closure_rate,
            previous.closure_rate,
            current.closed,
            current.issued,
        ),
        "on_time_rate": Figure(
            "on_time_rate",
            current.on_time_rate,
            previous.on_time_rate,
            current.closed_on_time,
            current.closed,
        ),
        "issued": Figure("issued", current.issued, previous.issued, is_rate=False),
    }
    if whole or f.unit:
        coverage = _two_period_coverage(f)
        board.figures["coverage"] = Figure(
            "coverage",
            rate(coverage["visited"], coverage["targets"]),
            rate(coverage["p_visited"], coverage["p_targets"]),
            coverage["visited"],
            coverage["targets"],
        )
    slips = slips_scoped(slips_base, f)
    problems = problems_scoped(problems_base, f)
    if problem_stats:
        problem_charts = _problem_charts_stats(f)
        board.charts = {"category": problem_charts["category"], "town": problem_charts["town"]}
        raised = problem_charts["raised"]
    else:
        board.charts = {
            "category": list(
                problems.order_by().values("category").annotate(n=Count("id")).order_by("-n")
            ),
            "town": list(
                problems.order_by()
                .values("enterprise__town", "enterprise__town__name")
                .annotate(n=Count("id"))
                .order_by("-n", "enterprise__town__name")
            ),
        }
        raised = _raised_by(problems, TruncMonth)
    if slip_stats:
        slip_charts = _slip_charts_stats(f)
        board.charts["batch"], closed = slip_charts["batch"], slip_charts["closed"]
    else:
        board.charts["batch"] = list(
            slips.order_by()
            .values("batch", "batch__year", "batch__number")
            .annotate(
                issued=Count("id", filter=measure_filters(today)["issued"]),
                closed=Count("id", filter=measure_filters(today)["closed"]),
            )
            .filter(Q(issued__gt=0) | Q(closed__gt=0))  # a batch of withdrawn slips: no bar
            .order_by("batch__year", "batch__number")
        )
        closed = _closed_by(slips_scoped(slips_base, f, any_period=True), f.period, TruncMonth)
    if f.period.kind in {"month", "week"}:  # a short period: day by day, read from the rows
        board.charts["timeline"] = {
            "raised": _raised_by(problems, TruncDay),
            "closed": _closed_by(slips_scoped(slips_base, f, any_period=True), f.period, TruncDay),
            "by": "day",
        }
    else:
        board.charts["timeline"] = {"raised": raised, "closed": closed, "by": "month"}
    # Overdue is the backlog today, whenever the slips were issued (the period chooses the
    # slips the rates are about; a slip issued last year and still late is late now).
    overdue = slips_scoped(slips_base, f, any_period=True).filter(measure_filters(today)["overdue"])
    if whole:
        board.charts["units"] = list(
            overdue.order_by()
            .values("lead_unit", "lead_unit__name")
            .annotate(n=Count("id"))
            .order_by("-n", "lead_unit__name")[:15]
        )
    board.overdue_total = overdue.order_by().count()
    board.figures["overdue"] = Figure("overdue", board.overdue_total, None, is_rate=False)
    board.overdue = list(
        overdue.select_related("problem__enterprise", "lead_unit").order_by("deadline", "pk")[:20]
    )
    supervised = problems_supervised(problems_base, f)
    board.supervised = list(
        supervised.select_related("enterprise", "enterprise__town")
        .prefetch_related(
            Prefetch(
                "slips",
                queryset=Slip.objects.exclude(status__in=[S.WITHDRAWN, S.RETURNED])
                .select_related("lead_unit")
                .order_by("-issued_at"),
                to_attr="live_slips",
            )
        )
        .order_by("-supervised_at", "-pk")[: SUPERVISED_SHOWN + 1]
    )
    board.supervised_more = len(board.supervised) > SUPERVISED_SHOWN  # no count query
    board.supervised = board.supervised[:SUPERVISED_SHOWN]
    return board


SUPERVISED_SHOWN = 20


def problems_supervised(problems: QuerySet[Problem], f: Filters) -> QuerySet[Problem]:
    """Key problems under listed supervision until they are settled (whatever the period):
    awaiting a slip, or with a live slip not yet closed. Town, category, special action and
    unit (a live slip of the unit) apply."""
    problems = problems.filter(
        supervised_at__isnull=False, status__in=[Problem.Status.NEW, Problem.Status.ASSIGNED]
    ).exclude(
        Exists(Slip.objects.filter(LIVE, problem=OuterRef("pk"), status=S.CLOSED))
        & ~Exists(Slip.objects.filter(LIVE, problem=OuterRef("pk")).exclude(status=S.CLOSED))
    )
    if f.town:
        problems = problems.filter(enterprise__town=f.town)
    if f.category:
        problems = problems.filter(category=f.category)
    if f.special_action:
        problems = problems.filter(special_action=f.special_action)
    if f.unit:
        problems = problems.filter(
            Exists(Slip.objects.filter(LIVE, problem=OuterRef("pk"), lead_unit=f.unit))
        )
    return problems


def _raised_by(problems, trunc) -> dict:
    """Problems raised per local month or day."""
    return {
        timezone.localdate(bucket) if hasattr(bucket, "hour") else bucket: n
        for bucket, n in problems.order_by()
        .annotate(bucket=trunc("raised_at"))
        .values("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    }


def _closed_by(slips, period: Period, trunc) -> dict:
    """Slips closed within the period (whenever issued), per local month or day of closing."""
    start, end = period.datetimes()
    return {
        timezone.localdate(bucket) if hasattr(bucket, "hour") else bucket: n
        for bucket, n in slips.filter(status=S.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .order_by()
        .annotate(bucket=trunc("closed_at"))
        .values("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    }
