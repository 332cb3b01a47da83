"""What a bulletin and an evaluation show: the figures (as of their period's end), the
score arithmetic, and helpers to present the stored snapshots."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from core.models import Unit
from issues.measures import (
    LIVE,
    Measures,
    measure_filters_as_of,
    measures_by,
    slip_measures,
)
from issues.models import Slip

from ..models_reports import WEIGHT_FIELDS, Bulletin, Evaluation, EvaluationScore
from ..periods import Period
from .access import may_read_all_reports
from .common import CENT, RANKED_KINDS, RATE_WEIGHTS, SNAPSHOT_VERSION

# --- Figures -------------------------------------------------------------------------------------


def _day_span(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    return Period("span", first, last).datetimes()


RATES = ["closure_rate", "on_time_rate", "feedback_rate", "meeting_rate", "satisfaction_rate"]


def _measures_dict(m: Measures) -> dict:
    """The counts and the rates, as JSON-ready data."""
    return {name: getattr(m, name) for name in [*Measures.__dataclass_fields__, *RATES]}


def _competition_rank(rows: list[dict], key) -> None:
    """Sort ``rows`` by ``key`` and set ``rank``: equal keys share a rank (1, 1, 3)."""
    rows.sort(key=lambda row: (key(row), row["name"]))
    previous, rank = None, 0
    for index, row in enumerate(rows, start=1):
        if key(row) != previous:
            rank, previous = index, key(row)
        row["rank"] = rank
        row["ranked"] = len(rows)


def _unit_rows(rows: list[dict], overdue: list[dict] | None = None) -> dict[str, list[dict]]:
    """measures_by rows (by lead unit) as plain dicts per kind, units with no issued slip left
    out. With ``overdue`` (per lead unit, ``_overdue_by_unit``: the slips overdue on the
    report's day, whatever year they were issued in), each unit's overdue is that count, and
    a unit with nothing issued in the period but an old slip overdue is listed too."""
    groups: dict[str, list[dict]] = {kind.value: [] for kind in RANKED_KINDS}
    by_unit: dict[int, dict] = {}
    for row in rows:
        m = row["measures"]
        if not m.issued or row["lead_unit__kind"] not in groups:
            continue
        unit_row = {
            "unit_id": row["lead_unit"],
            "name": row["lead_unit__name"],
            "kind": row["lead_unit__kind"],
            **_measures_dict(m),
            **{key: row[key] for key in ["reopens"] if key in row},
        }
        groups[row["lead_unit__kind"]].append(unit_row)
        by_unit[row["lead_unit"]] = unit_row
    if overdue is None:
        return groups
    for unit_row in by_unit.values():
        unit_row["overdue"] = 0
    nothing = _measures_dict(Measures(**dict.fromkeys(Measures.__dataclass_fields__, 0)))
    for row in overdue:
        if row["lead_unit__kind"] not in groups:
            continue
        if row["lead_unit"] not in by_unit:
            by_unit[row["lead_unit"]] = {
                "unit_id": row["lead_unit"],
                "name": row["lead_unit__name"],
                "kind": row["lead_unit__kind"],
                **nothing,
                "reopens": 0,
            }
            groups[row["lead_unit__kind"]].append(by_unit[row["lead_unit"]])
        by_unit[row["lead_unit"]]["overdue"] = row["overdue"]
    return groups


def _overdue_by_unit(overdue_q: Q) -> list[dict]:
    """The slips overdue (``overdue_q``), counted per lead unit: one query."""
    return list(
        Slip.objects.filter(overdue_q, lead_unit__kind__in=RANKED_KINDS)
        .order_by()
        .values("lead_unit", "lead_unit__name", "lead_unit__kind")
        .annotate(overdue=Count("id"))
    )


def _cut(end: datetime.datetime, today: datetime.date | None) -> datetime.datetime:
    """The moment a report's figures stand at: the end of its period, or now while the period
    runs (with ``today`` given, the end of that day)."""
    if today is None:
        return min(end, timezone.now())
    return min(end, Period("span", today, today).datetimes()[1])


def _none_last(value) -> float:
    return -1.0 if value is None else value


def bulletin_scope(period: Period, today: datetime.date | None = None) -> dict:
    """The dates a bulletin for ``period`` counts, as of ``today`` (see the module docstring)."""
    today = today or timezone.localdate()
    year = int(period.key[:4])
    return {
        "year": year,
        "from": datetime.date(year, 1, 1),
        "to": period.end,
        "as_of": min(period.end, today),
    }


def bulletin_figures(*, period: Period, today: datetime.date | None = None) -> dict:
    """Everything a bulletin shows, computed now, as JSON-ready data. Six queries at most,
    whatever the number of units and slips."""
    now = timezone.now()
    scope = bulletin_scope(period, today)
    as_of = scope["as_of"]
    start, end = _day_span(scope["from"], scope["to"])
    until = _cut(end, today)
    slips = Slip.objects.filter(issued_at__gte=start, issued_at__lt=end)
    overdue_q = measure_filters_as_of(until, as_of)["overdue"]

    # Every slip overdue on the as-of day is named, whatever year it was issued in: a slip
    # left lying since last year is the first a bulletin must show.
    overdue_slips = list(
        Slip.objects.filter(overdue_q)
        .select_related("problem__enterprise", "lead_unit")
        .order_by("lead_unit__kind", "lead_unit__sort_order", "lead_unit__name", "deadline", "pk")
    )
    summary = _measures_dict(slip_measures(slips, today=as_of, until=until))
    summary["overdue"] = len(overdue_slips)
    groups = _unit_rows(
        measures_by(
            slips.filter(lead_unit__kind__in=RANKED_KINDS),
            "lead_unit",
            "lead_unit__name",
            "lead_unit__kind",
            today=as_of,
            until=until,
        ),
        [
            {
                "lead_unit": unit.pk,
                "lead_unit__name": unit.name,
                "lead_unit__kind": unit.kind,
                "overdue": sum(1 for slip in overdue_slips if slip.lead_unit_id == unit.pk),
            }
            for unit in {slip.lead_unit_id: slip.lead_unit for slip in overdue_slips}.values()
        ],
    )
    for rows in groups.values():
        _competition_rank(
            rows,
            key=lambda r: (
                -_none_last(r["closure_rate"]),
                -_none_last(r["on_time_rate"]),
                r["overdue"],
            ),
        )

    p_start, p_end = period.datetimes()
    period_block = Slip.objects.order_by().aggregate(
        issued=Count("id", filter=LIVE & Q(issued_at__gte=p_start, issued_at__lt=p_end)),
        closed=Count(
            "id",
            filter=Q(status=Slip.Status.CLOSED, closed_at__gte=p_start, closed_at__lt=p_end),
        ),
        replied=Count("id", filter=LIVE & Q(replied_at__gte=p_start, replied_at__lt=p_end)),
        fed_back=Count("id", filter=LIVE & Q(fed_back_at__gte=p_start, fed_back_at__lt=p_end)),
    )

    overdue = []
    if overdue_slips:
        from core.workdays import WorkCalendar

        calendar = WorkCalendar(min(s.deadline for s in overdue_slips), as_of)
        status_labels = dict(Slip.Status.choices)
        for slip in overdue_slips:
            overdue.append(
                {
                    "slip_id": slip.pk,
                    "number": slip.number,
                    "enterprise": slip.problem.enterprise.name,
                    "lead_unit_id": slip.lead_unit_id,
                    "lead_unit": slip.lead_unit.name,
                    "issued_on": timezone.localtime(slip.issued_at).date().isoformat(),
                    "deadline": slip.deadline.isoformat(),
                    "working_days_overdue": max(calendar.between(slip.deadline, as_of), 1),
                    "status": slip.status,
                    "status_label": _state_then(slip, until, status_labels),
                }
            )

    mentioned = {row["unit_id"] for rows in groups.values() for row in rows}
    mentioned |= {row["lead_unit_id"] for row in overdue}
    return {
        "version": SNAPSHOT_VERSION,
        "params": {
            "period_kind": period.kind,
            "period_key": period.key,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "year": scope["year"],
            "from": scope["from"].isoformat(),
            "to": scope["to"].isoformat(),
            "as_of": as_of.isoformat(),
            "computed_at": now.isoformat(),
            "ranked_by": ["closure_rate", "on_time_rate", "overdue"],
        },
        "summary": summary,
        "period": period_block,
        "ranking": groups,
        "overdue": overdue,
        "mentioned_unit_ids": sorted(mentioned),
    }


def _state_then(slip: Slip, until: datetime.datetime, labels: dict) -> str:
    """A named slip's state for the bulletin: as it is, or, when it was answered or closed
    after the bulletin's moment, what happened and when (it was overdue then)."""
    for moment, text in [
        (slip.closed_at, _("closed on %(day)s, after the period")),
        (slip.replied_at, _("answered on %(day)s, after the period")),
    ]:
        if moment and moment >= until:
            return str(text % {"day": timezone.localdate(moment).isoformat()})
    return str(labels.get(slip.status, slip.status))


def bulletin_period(bulletin: Bulletin) -> Period:
    return Period(bulletin.period_kind, bulletin.period_start, bulletin.period_end)


def bulletin_content(bulletin: Bulletin, today: datetime.date | None = None) -> dict:
    """What a bulletin shows: its stored snapshot once published (no slip is read), the live
    figures while it is a draft."""
    if bulletin.is_published:
        return bulletin.snapshot
    figures = bulletin_figures(period=bulletin_period(bulletin), today=today)
    figures["comment"] = bulletin.comment
    return figures


# --- Evaluation arithmetic -----------------------------------------------------------------------


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _plain(number: Decimal) -> str:
    """90.00 -> "90", 99.50 -> "99.5" (never "9E+1")."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def score_compute(row: dict, weights: dict) -> dict:
    """The score of one unit's measures (``row``: the four rates, ``overdue``, ``reopens``)
    under ``weights`` (the six ``WEIGHT_FIELDS``), with every component, as in the module
    docstring. Decimal arithmetic; points rounded to 0.01."""
    available = [(field, rate) for field, rate in RATE_WEIGHTS if row.get(rate) is not None]
    total_weight = sum((_decimal(weights[field]) for field, _rate in available), Decimal(0))
    components = []
    base = Decimal(0)
    for field, rate in RATE_WEIGHTS:
        weight = _decimal(weights[field])
        value = row.get(rate)
        if value is None or not total_weight:
            points = None if value is None else Decimal(0)
        else:
            points = (weight * _decimal(value) / total_weight).quantize(CENT, ROUND_HALF_UP)
            base += points
        components.append(
            {
                "rate": rate,
                "value": value,
                "weight": str(weight),
                "points": None if points is None else str(points),
            }
        )
    overdue_points = (_decimal(weights["deduction_overdue"]) * row["overdue"]).quantize(CENT)
    reopen_points = (_decimal(weights["deduction_reopen"]) * row["reopens"]).quantize(CENT)
    score = base - overdue_points - reopen_points
    return {
        "components": components,
        "weight_used": str(total_weight.quantize(CENT)),
        "base": str(base.quantize(CENT)),
        "overdue_points": str(overdue_points),
        "reopen_points": str(reopen_points),
        "score": str(score.quantize(CENT)),
    }


def evaluation_as_of(year: int, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return min(datetime.date(year, 12, 31), today)


def evaluation_figures(*, year: int, weights: dict, today: datetime.date | None = None) -> dict:
    """Every unit's score and rank for ``year`` under ``weights``: one query for the slips."""
    now = timezone.now()
    as_of = evaluation_as_of(year, today)
    start, end = _day_span(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    until = _cut(end, today)
    slips = Slip.objects.filter(
        issued_at__gte=start, issued_at__lt=end, lead_unit__kind__in=RANKED_KINDS
    )
    groups = _unit_rows(
        measures_by(
            slips,
            "lead_unit",
            "lead_unit__name",
            "lead_unit__kind",
            today=as_of,
            until=until,
            extra={"reopens": Coalesce(Sum("reopen_count", filter=LIVE), 0)},
        ),
        _overdue_by_unit(measure_filters_as_of(until, as_of)["overdue"]),
    )
    for rows in groups.values():
        for row in rows:
            row.update(score_compute(row, weights))
        _competition_rank(rows, key=lambda r: -Decimal(r["score"]))
    return {
        "version": SNAPSHOT_VERSION,
        "params": {
            "year": year,
            "as_of": as_of.isoformat(),
            "computed_at": now.isoformat(),
            "weights": {name: str(_decimal(weights[name])) for name in WEIGHT_FIELDS},
            "formula": "sum(w_i*rate_i)/sum(w_i over rates that exist) "
            "- deduction_overdue*overdue - deduction_reopen*reopens",
        },
        "groups": groups,
    }


def evaluation_content(user, evaluation: Evaluation, today: datetime.date | None = None) -> dict:
    """What the user sees of an evaluation: the office and leaders every row (a draft: live,
    office only, as ``evaluation_get_visible`` allows); a unit's people only their unit's row,
    read with a query limited to it."""
    if not evaluation.is_published:
        return evaluation_figures(year=evaluation.year, weights=evaluation.weights(), today=today)
    if may_read_all_reports(user):
        return evaluation.snapshot
    own = list(
        EvaluationScore.objects.filter(evaluation=evaluation, unit=user.unit_id).values_list(
            "components", flat=True
        )[:1]
    )
    groups = {kind.value: [] for kind in RANKED_KINDS}
    for row in own:
        groups[row["kind"]].append(row)
    return {**evaluation.snapshot, "groups": groups, "own_only": True}


# --- Presentation helpers (dates back from JSON, kind labels) ------------------------------------


def report_dates(content: dict) -> dict:
    """The snapshot's ISO dates as dates, for templates."""
    params = content["params"]
    dates = {
        key: parse_date(params[key])
        for key in ["period_start", "period_end", "from", "to", "as_of"]
        if params.get(key)
    }
    dates["computed_at"] = parse_datetime(params["computed_at"])
    return dates


def report_groups(groups: dict) -> list[dict]:
    """[{kind, label, rows}] for departments then towns."""
    labels = dict(Unit.Kind.choices)
    return [
        {"kind": kind.value, "label": labels[kind.value], "rows": groups.get(kind.value, [])}
        for kind in RANKED_KINDS
    ]
