"""Supervision bulletins (督查通报) and the year-end evaluation (考评): what they count, who may
read them, and the writes that create, change and publish them.

Every figure comes from the one measures selector (``issues.measures``), as query aggregates:
a bulletin or an evaluation costs the same handful of queries whatever the number of units and
slips. Slips are counted by their lead unit (主办); only departments and towns are ranked.

Bulletin (督查通报), for a week or a month ``P`` of year ``Y`` (the year in the period's key,
so ISO week 2026-W01, which starts on 2025-12-29, belongs to 2026):

- **Cumulative figures and the ranking** cover the slips issued from 1 January of ``Y`` to the
  last day of ``P`` (bulletins report the year so far), **as they stood at the end of ``P``**
  (or now, while ``P`` still runs): a slip replied, fed back, rated or closed after that
  moment counts as not yet so (``issues.measures.measure_filters_as_of``), so October's
  bulletin says the same whether it is written on 1 or 29 November.
- **Overdue** (超期) counts, and names, every slip not answered and not closed at that moment
  whose deadline had passed by the *as-of day* (the last day of ``P``, or today while ``P``
  runs), **whatever year it was issued in**: a slip left lying since last year is the first a
  bulletin must name. Its unit is ranked even with nothing issued this year.
- **The period's own figures** are a second, small block: slips issued in ``P``, closed in
  ``P`` (closing time within ``P``), replied in ``P`` and fed back in ``P``, whatever year the
  slip was issued in.
- **Ranking**, departments and towns separately, of every unit with at least one slip counted
  as issued: by closure rate (high first; no rate last), then on-time rate, then fewer overdue.
  Equal keys share a rank (1, 1, 3).
- A unit is **mentioned** when it is in the ranking (it has a slip) or has an overdue slip
  named; its people may read the published bulletin.
- A bulletin is numbered when it is published: 督查通报〔year of publication〕第N期, N counting
  from 1 in each year. Two publishers at once get two numbers (a unique (year, number) and a
  retry); publishing the same draft twice is refused.

Evaluation (考评) of year ``Y``: the slips issued in ``Y``, as they stood at the end of 31
December (or now while ``Y`` runs); overdue = the slips overdue on 31 December, of ``Y`` or of
an earlier year; reopened = the sum of ``Slip.reopen_count``. For each unit with at
least one slip counted as issued::

    score = Σ_i  w_i × rate_i / W  −  d_overdue × overdue  −  d_reopen × reopened

where ``i`` runs over the four rates (on-time 按期办结率, closure 办结率, feedback 反馈率,
satisfaction 满意率, each in percent as the measures round it, to one decimal) *that can be
computed for the unit*, and ``W`` is the sum of the weights of those rates. The office's rate
weights sum to 100, so a unit for which every rate exists scores Σ w_i × rate_i / 100; a rate
with nothing to measure it on (no slip closed, none replied, none rated) is **left out and the
remaining weights are scaled up** to 100, rather than counted as zero — a unit is not punished
because no firm has rated it yet. If no weighted rate exists (``W`` = 0) the rate part is 0.
Each rate's points are rounded to 0.01 and the score is their sum minus the deductions; it may
be negative. Units are ranked by score, departments and towns separately; equal scores share a
rank. Weights: each ≥ 0, the four rate weights summing to exactly 100, deductions ≥ 0 and at
most 100 points per slip.

Published bulletins and evaluations keep their figures, and the parameters they were computed
with, as JSON; they are rendered from it alone.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DecimalField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Unit, User
from core.services import audit_record
from issues.measures import (
    LIVE,
    Measures,
    measure_filters_as_of,
    measures_by,
    slip_measures,
)
from issues.models import Slip

from .models_reports import WEIGHT_FIELDS, Bulletin, Evaluation, EvaluationScore
from .periods import Period, period_parse

SNAPSHOT_VERSION = 1
RANKED_KINDS = [Unit.Kind.DEPARTMENT, Unit.Kind.TOWN]
RATE_WEIGHTS = [
    # (weight field, rate name in Measures)
    ("weight_on_time", "on_time_rate"),
    ("weight_closure", "closure_rate"),
    ("weight_feedback", "feedback_rate"),
    ("weight_satisfaction", "satisfaction_rate"),
]
DEDUCTION_CAP = Decimal(100)
CENT = Decimal("0.01")

# --- Audit vocabulary (registered by ``admin_reports``, or the app's ready()) -----------------

BULLETIN_CREATED = "bulletin.create"
BULLETIN_UPDATED = "bulletin.update"
BULLETIN_DELETED = "bulletin.delete"
BULLETIN_PUBLISHED = "bulletin.publish"
EVALUATION_CREATED = "evaluation.create"
EVALUATION_UPDATED = "evaluation.update"
EVALUATION_PUBLISHED = "evaluation.publish"

AUDIT_LABELS = {
    BULLETIN_CREATED: gettext_lazy("Drafted a supervision bulletin"),
    BULLETIN_UPDATED: gettext_lazy("Changed a draft supervision bulletin"),
    BULLETIN_DELETED: gettext_lazy("Discarded a draft supervision bulletin"),
    BULLETIN_PUBLISHED: gettext_lazy("Published a supervision bulletin"),
    EVALUATION_CREATED: gettext_lazy("Started a year-end evaluation"),
    EVALUATION_UPDATED: gettext_lazy("Changed the weights of a year-end evaluation"),
    EVALUATION_PUBLISHED: gettext_lazy("Published a year-end evaluation"),
}


# --- Who may do what -----------------------------------------------------------------------------


def may_manage_reports(user) -> bool:
    """The office drafts, edits and publishes."""
    return user.is_authenticated and user.has_perm("core.supervise")


def may_read_all_reports(user) -> bool:
    return user.is_authenticated and (
        user.has_perm("core.supervise") or user.has_perm("core.view_dashboard")
    )


def reads_as_unit(user) -> bool:
    """A handling unit's people (handlers, unit leaders) read what concerns their unit."""
    return (
        user.is_authenticated
        and not may_read_all_reports(user)
        and bool(user.unit_id)
        and (user.has_perm("core.handle_slips") or user.has_perm("core.view_unit_visits"))
    )


def may_read_reports(user) -> bool:
    return may_read_all_reports(user) or reads_as_unit(user)


def _office_check(actor: User) -> None:
    if not may_manage_reports(actor):
        raise PermissionDenied(_("Only the activity office may do this."))


# --- Selectors -----------------------------------------------------------------------------------


def bulletins_visible_to(user) -> QuerySet[Bulletin]:
    """The office: every bulletin, drafts included; leaders: the published ones; a handling
    unit's people: the published bulletins that mention their unit; anyone else nothing."""
    if not user.is_authenticated:
        return Bulletin.objects.none()
    if may_manage_reports(user):
        return Bulletin.objects.all()
    published = Bulletin.objects.filter(status=Bulletin.Status.PUBLISHED)
    if may_read_all_reports(user):
        return published
    if reads_as_unit(user):
        return published.filter(mentioned_units=user.unit_id)
    return Bulletin.objects.none()


def bulletin_get_visible(user, pk: int) -> Bulletin:
    try:
        return bulletins_visible_to(user).select_related("created_by", "published_by").get(pk=pk)
    except Bulletin.DoesNotExist as exc:
        raise Http404 from exc


def evaluations_visible_to(user) -> QuerySet[Evaluation]:
    """The office: every evaluation; leaders: the published ones; a handling unit's people: the
    published evaluations that scored their unit, each with the unit's rank (``own_rank``,
    ``own_ranked``, ``own_score``) annotated."""
    if not user.is_authenticated:
        return Evaluation.objects.none()
    if may_manage_reports(user):
        return Evaluation.objects.all()
    published = Evaluation.objects.filter(status=Evaluation.Status.PUBLISHED)
    if may_read_all_reports(user):
        return published
    if reads_as_unit(user):
        own = EvaluationScore.objects.filter(evaluation=OuterRef("pk"), unit=user.unit_id)
        return published.filter(scores__unit=user.unit_id).annotate(
            own_rank=Subquery(own.values("rank")[:1], output_field=IntegerField()),
            own_ranked=Subquery(own.values("ranked")[:1], output_field=IntegerField()),
            own_score=Subquery(
                own.values("score")[:1], output_field=DecimalField(max_digits=8, decimal_places=2)
            ),
        )
    return Evaluation.objects.none()


def evaluation_get_visible(user, pk: int) -> Evaluation:
    try:
        return evaluations_visible_to(user).select_related("created_by", "published_by").get(pk=pk)
    except Evaluation.DoesNotExist as exc:
        raise Http404 from exc


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


# --- Bulletin services ---------------------------------------------------------------------------


def period_check(kind: str, key: str, today: datetime.date | None = None) -> Period:
    """The period a draft is for: a week or a month that has begun."""
    today = today or timezone.localdate()
    if kind not in Bulletin.PeriodKind.values:
        raise ValidationError(
            {"period_kind": ValidationError(_("Choose weekly or monthly."), code="period_kind")}
        )
    period = period_parse(key)
    if period is None or period.kind != kind:
        raise ValidationError(
            {"period": ValidationError(_("Choose a week or a month."), code="period")}
        )
    if period.start > today:
        message = _("This period has not begun yet; a bulletin reports what has happened.")
        raise ValidationError({"period": ValidationError(message, code="future")})
    return period


def _draft_locked(model, pk: int):
    """The row, locked; refused unless it is still a draft."""
    row = model.objects.select_for_update().get(pk=pk)
    if row.status != model.Status.DRAFT:
        raise ValidationError(
            _("%(what)s is already published and can no longer be changed.") % {"what": row},
            code="published",
        )
    return row


@transaction.atomic
def _period_free(period: Period, exclude_pk: int | None = None) -> None:
    """Refuse a period that already has its published bulletin."""
    published = (
        Bulletin.objects.filter(
            period_kind=period.kind, period_key=period.key, status=Bulletin.Status.PUBLISHED
        )
        .exclude(pk=exclude_pk)
        .first()
    )
    if published is not None:
        raise ValidationError(
            _("%(bulletin)s already reports %(period)s; a period is published once.")
            % {"bulletin": published, "period": period.label},
            code="period_published",
        )


def bulletin_create(
    *, actor: User, period_kind: str, period_key: str, comment: str = "", ip_address=None
) -> Bulletin:
    """A draft bulletin for a week or a month; its figures are live until it is published."""
    _office_check(actor)
    period = period_check(period_kind, period_key)
    _period_free(period)
    bulletin = Bulletin(
        period_kind=period.kind,
        period_key=period.key,
        period_start=period.start,
        period_end=period.end,
        comment=(comment or "").strip(),
        created_by=actor,
    )
    bulletin.full_clean()
    bulletin.save()
    audit_record(
        actor=actor,
        action=BULLETIN_CREATED,
        obj=bulletin,
        after={"period": period.key},
        ip_address=ip_address,
    )
    return bulletin


@transaction.atomic
def bulletin_update(
    *,
    bulletin: Bulletin,
    actor: User,
    period_kind: str,
    period_key: str,
    comment: str,
    ip_address=None,
) -> Bulletin:
    """Change a draft's period or comment; a published bulletin is refused."""
    _office_check(actor)
    locked = _draft_locked(Bulletin, bulletin.pk)
    period = period_check(period_kind, period_key)
    _period_free(period, exclude_pk=locked.pk)
    before = {"period": locked.period_key, "comment": locked.comment}
    locked.period_kind = period.kind
    locked.period_key = period.key
    locked.period_start = period.start
    locked.period_end = period.end
    locked.comment = (comment or "").strip()
    locked.full_clean()
    locked.save()
    after = {"period": locked.period_key, "comment": locked.comment}
    if before != after:
        audit_record(
            actor=actor,
            action=BULLETIN_UPDATED,
            obj=locked,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
            ip_address=ip_address,
        )
    return locked


@transaction.atomic
def bulletin_delete(*, bulletin: Bulletin, actor: User, ip_address=None) -> None:
    """Discard a draft (a published bulletin stays forever)."""
    _office_check(actor)
    locked = _draft_locked(Bulletin, bulletin.pk)
    audit_record(
        actor=actor,
        action=BULLETIN_DELETED,
        obj=locked,
        before={"period": locked.period_key, "comment": locked.comment},
        ip_address=ip_address,
    )
    locked.delete()


def bulletin_publish(
    *, bulletin: Bulletin, actor: User, ip_address=None, now: datetime.datetime | None = None
) -> Bulletin:
    """Freeze a draft: compute its figures once more, store them, number it 第N期 of the year
    of publication and record who it mentions. Two publishers at once: two numbers; the same
    draft twice: the second is refused."""
    _office_check(actor)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    current = Bulletin.objects.get(pk=bulletin.pk)
    if current.is_published:
        raise ValidationError(
            _("%(what)s is already published.") % {"what": current}, code="published"
        )
    _period_free(bulletin_period(current), exclude_pk=current.pk)
    figures = bulletin_figures(period=bulletin_period(current), today=today)
    figures["comment"] = current.comment
    figures["params"]["published_at"] = now.isoformat()
    year = today.year
    for _attempt in range(5):
        try:
            with transaction.atomic():
                number = (
                    Bulletin.objects.filter(year=year).aggregate(n=Max("number"))["n"] or 0
                ) + 1
                # As read: a draft changed meanwhile (another period, another comment) is not
                # published with figures computed for the old one.
                done = Bulletin.objects.filter(
                    pk=current.pk, status=Bulletin.Status.DRAFT, updated_at=current.updated_at
                ).update(
                    status=Bulletin.Status.PUBLISHED,
                    year=year,
                    number=number,
                    published_at=now,
                    published_by=actor,
                    snapshot=figures,
                    updated_at=now,
                )
                if not done:
                    raise ValidationError(
                        _(
                            "Someone published or changed this bulletin a moment ago; reload "
                            "the page."
                        ),
                        code="published",
                    )
                current.refresh_from_db()
                current.mentioned_units.set(figures["mentioned_unit_ids"])
                audit_record(
                    actor=actor,
                    action=BULLETIN_PUBLISHED,
                    obj=current,
                    after={
                        "number": str(current),
                        "period": current.period_key,
                        "units_mentioned": len(figures["mentioned_unit_ids"]),
                        "overdue": len(figures["overdue"]),
                    },
                    ip_address=ip_address,
                )
                return current
        except IntegrityError:
            _period_free(bulletin_period(current), exclude_pk=current.pk)  # lost to another
            continue
    raise ValidationError(_("Could not number the bulletin; try again."), code="numbering")


# --- Evaluation services -------------------------------------------------------------------------


def weights_check(data: dict) -> dict[str, Decimal]:
    """The six weights as Decimals, or a ValidationError naming each wrong one: each ≥ 0, the
    four rate weights summing to 100, deductions at most 100 points per slip."""
    errors: dict[str, list] = {}
    weights: dict[str, Decimal] = {}
    for name in WEIGHT_FIELDS:
        value = data.get(name)
        try:
            number = _decimal(value).quantize(CENT) if value not in (None, "") else None
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            errors[name] = [ValidationError(_("Enter a number."), code="required")]
        elif number < 0:
            errors[name] = [ValidationError(_("Must not be negative."), code="negative")]
        elif name.startswith("deduction_") and number > DEDUCTION_CAP:
            errors[name] = [
                ValidationError(
                    _("At most %(cap)s points per slip.") % {"cap": DEDUCTION_CAP},
                    code="too_large",
                )
            ]
        else:
            weights[name] = number
    rate_fields = [field for field, _rate in RATE_WEIGHTS]
    if all(field in weights for field in rate_fields):
        total = sum((weights[field] for field in rate_fields), Decimal(0))
        if total != 100:
            errors["__all__"] = [
                ValidationError(
                    _("The four rate weights must add up to 100; they add up to %(total)s.")
                    % {"total": _plain(total)},
                    code="sum",
                )
            ]
    if errors:
        raise ValidationError(errors)
    return weights


def year_check(year, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= today.year:
        message = _("Choose a year from 2000 to %(year)d.") % {"year": today.year}
        raise ValidationError({"year": ValidationError(message, code="year")})
    return year


def evaluation_create(*, actor: User, year, weights: dict, ip_address=None) -> Evaluation:
    """The year's evaluation, as a draft with the office's weights. One per year."""
    _office_check(actor)
    year = year_check(year)
    checked = weights_check(weights)
    existing = Evaluation.objects.filter(year=year).first()
    if existing is not None:
        raise ValidationError({"year": ValidationError(_already(existing), code="exists")})
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(year=year, created_by=actor, **checked)
            audit_record(
                actor=actor,
                action=EVALUATION_CREATED,
                obj=evaluation,
                after={k: str(v) for k, v in checked.items()},
                ip_address=ip_address,
            )
    except IntegrityError as exc:  # someone created the year's evaluation a moment ago
        message = _already(Evaluation.objects.get(year=year))
        raise ValidationError({"year": ValidationError(message, code="exists")}) from exc
    return evaluation


def _already(evaluation: Evaluation) -> str:
    if evaluation.is_published:
        return _(
            "The %(year)d evaluation was published on %(date)s; there is one evaluation per year."
        ) % {
            "year": evaluation.year,
            "date": f"{timezone.localtime(evaluation.published_at):%Y-%m-%d}",
        }
    return _("There is already a draft evaluation for %(year)d; open it to change its weights.") % {
        "year": evaluation.year
    }


@transaction.atomic
def evaluation_update(
    *, evaluation: Evaluation, actor: User, weights: dict, ip_address=None
) -> Evaluation:
    """Change a draft's weights; a published evaluation is refused."""
    _office_check(actor)
    checked = weights_check(weights)
    try:
        locked = _draft_locked(Evaluation, evaluation.pk)
    except ValidationError as exc:
        message = _already(Evaluation.objects.get(pk=evaluation.pk))
        raise ValidationError(message, code="published") from exc
    before = {k: str(v) for k, v in locked.weights().items()}
    for name, value in checked.items():
        setattr(locked, name, value)
    locked.save()
    after = {k: str(v) for k, v in locked.weights().items()}
    if before != after:
        audit_record(
            actor=actor,
            action=EVALUATION_UPDATED,
            obj=locked,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
            ip_address=ip_address,
        )
    return locked


def _today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def evaluation_publish(
    *,
    evaluation: Evaluation,
    actor: User,
    ip_address=None,
    today: datetime.date | None = None,
) -> Evaluation:
    """Freeze the year's scores: the whole table as JSON and one row per unit. Publishing
    again is refused."""
    _office_check(actor)
    current = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if current.is_published:
        raise ValidationError(_already(current), code="published")
    if _today() <= datetime.date(current.year, 12, 31):
        # Published once and frozen for good: December must be in it.
        raise ValidationError(
            _("The %(year)d evaluation can be published once the year is over, from %(day)s.")
            % {"year": current.year, "day": f"{current.year + 1}-01-01"},
            code="year_running",
        )
    weights_check(current.weights())  # the weights in the database still hold
    figures = evaluation_figures(year=current.year, weights=current.weights(), today=today)
    now = timezone.now()
    done = Evaluation.objects.filter(pk=current.pk, status=Evaluation.Status.DRAFT).update(
        status=Evaluation.Status.PUBLISHED,
        published_at=now,
        published_by=actor,
        snapshot=figures,
        updated_at=now,
    )
    if not done:
        raise ValidationError(_already(Evaluation.objects.get(pk=current.pk)), code="published")
    EvaluationScore.objects.bulk_create(
        EvaluationScore(
            evaluation=current,
            unit_id=row["unit_id"],
            kind=row["kind"],
            unit_name=row["name"],
            rank=row["rank"],
            ranked=row["ranked"],
            score=Decimal(row["score"]),
            components=row,
        )
        for rows in figures["groups"].values()
        for row in rows
    )
    current.refresh_from_db()
    audit_record(
        actor=actor,
        action=EVALUATION_PUBLISHED,
        obj=current,
        after={
            "year": current.year,
            "units": sum(len(rows) for rows in figures["groups"].values()),
            **figures["params"]["weights"],
        },
        ip_address=ip_address,
    )
    return current
