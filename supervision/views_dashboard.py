"""督查驾驶舱: the dashboard and the lists behind its figures.

Leaders and the office see the whole board; a handling unit's people (handlers, its leader)
see their own unit's figures and its place among the units of its kind. Each figure and chart
bar links to a list that reads exactly the subset it counts, with the same filters."""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View

from core.forms import BootstrapFormMixin
from core.models import Unit
from issues.measures import LIVE, measure_filters, measures_by, slip_measures
from issues.models import Batch, Category, Problem, Slip, SpecialAction
from issues.selectors import problems_visible_to, slips_days_left, slips_listed, slips_visible_to
from issues.views import paginate

from .dashboard import (
    SHOWS,
    Filters,
    board_build,
    problem_met,
    problems_scoped,
    problems_supervised,
    slips_scoped,
    targets_scoped,
)
from .periods import period_containing, period_parse

UNIT_KINDS = [Unit.Kind.DEPARTMENT, Unit.Kind.TOWN]
ONE_DAY = datetime.timedelta(days=1)
TIERS = [
    ("1", gettext_lazy("Tier 1: handling unit")),
    ("2", gettext_lazy("Tier 2: leadership group")),
    ("3", gettext_lazy("Tier 3: city leaders")),
    ("4", gettext_lazy("Tier 4: higher level")),
]


def _period_choices(today: datetime.date, current_key: str):
    years = [
        (str(y), _("Year %(year)d") % {"year": y}) for y in range(today.year, today.year - 4, -1)
    ]
    quarters, months = [], []
    for back in range(8):
        q = period_containing("quarter", today)
        for _i in range(back):
            q = q.previous()
        quarters.append((q.key, q.label))
    month = period_containing("month", today)
    for _i in range(12):
        months.append((month.key, month.label))
        month = month.previous()
    groups = [(_("Year"), years), (_("Quarter"), quarters), (_("Month"), months)]
    known = {key for _label, options in groups for key, _l in options}
    chosen = period_parse(current_key) if current_key not in known else None
    if chosen is not None:  # a week, or a period further back, reached by a link
        groups.insert(0, (_("Chosen"), [(current_key, chosen.label)]))
    return groups


class DashboardFilterForm(BootstrapFormMixin, forms.Form):
    period = forms.CharField(label=gettext_lazy("Period"), required=False)
    batch = forms.ModelChoiceField(
        label=gettext_lazy("Batch"),
        queryset=Batch.objects.order_by("-year", "-number"),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Lead unit"),
        queryset=Unit.objects.filter(kind__in=UNIT_KINDS).order_by("kind", "sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("All units"),
    )
    town = forms.ModelChoiceField(
        label=gettext_lazy("Town / street"),
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWN).order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("All towns"),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("All")), *Category.choices],
        required=False,
    )
    special_action = forms.ModelChoiceField(
        label=gettext_lazy("Special action"),
        queryset=SpecialAction.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("All"),
    )
    tier = forms.TypedChoiceField(
        label=gettext_lazy("Escalation tier"),
        choices=[("", gettext_lazy("All tiers")), *TIERS],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, today, own_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.own_unit = own_unit
        key = (self.data.get("period") or "").strip() or str(today.year)
        self.fields["period"].widget = forms.Select(
            choices=_period_choices(today, key), attrs={"class": "form-select"}
        )
        if own_unit is not None:
            del self.fields["unit"]

    def clean_period(self):
        key = (self.cleaned_data.get("period") or "").strip()
        if not key:
            return period_containing("year", self.today)
        period = period_parse(key)
        if period is None:
            raise forms.ValidationError(
                _("Choose a period: a year (2026), a quarter (2026-Q4) or a month (2026-10).")
            )
        return period

    def filters(self) -> Filters:
        default = Filters(period=period_containing("year", self.today), unit=self.own_unit)
        if not self.is_bound:
            return default
        # A filter that does not parse (a unit since deleted, a mistyped period) falls back to
        # "all" with its message; the others still apply.
        self.is_valid()
        data = self.cleaned_data
        return Filters(
            period=data.get("period") or default.period,
            batch=data.get("batch"),
            unit=self.own_unit or data.get("unit"),
            town=data.get("town"),
            category=data.get("category") or "",
            special_action=data.get("special_action"),
            tier=data.get("tier"),
        )


def _scope(user):
    """(whole board?, own unit) for the user, or PermissionDenied."""
    if user.has_perm("core.view_dashboard") or user.has_perm("core.supervise"):
        return True, None
    if (
        (user.has_perm("core.handle_slips") or user.has_perm("core.view_unit_visits"))
        and user.unit is not None
        and user.unit.kind in UNIT_KINDS
    ):
        return False, user.unit
    raise PermissionDenied


def _bases(user, own_unit):
    if own_unit is None:
        return Slip.objects.all(), Problem.objects.all()
    slips = Slip.objects.filter(lead_unit=own_unit)
    problems = Problem.objects.filter(
        Exists(Slip.objects.filter(LIVE, problem=OuterRef("pk"), lead_unit=own_unit))
    )
    return slips, problems


def _form(request, own_unit):
    today = timezone.localdate()
    form = DashboardFilterForm(request.GET or None, today=today, own_unit=own_unit)
    return form, form.filters(), today


def _unit_rank(f: Filters, unit: Unit, today) -> dict:
    """Where the unit stands among the units of its kind for the period, ranked as the
    bulletins rank (closure rate, then on-time rate, then fewer overdue; no rate last; equal
    keys share a place). One query."""
    from .reports.figures import _competition_rank, _none_last

    slips = slips_scoped(Slip.objects.filter(lead_unit__kind=unit.kind), Filters(period=f.period))
    rows = [
        {"unit": row["lead_unit"], "name": str(row["lead_unit"]), "m": row["measures"]}
        for row in measures_by(slips, "lead_unit", today=today)
        if row["measures"].issued
    ]
    _competition_rank(
        rows,
        key=lambda r: (
            -_none_last(r["m"].closure_rate),
            -_none_last(r["m"].on_time_rate),
            r["m"].overdue,
        ),
    )
    position = next((row["rank"] for row in rows if row["unit"] == unit.pk), None)
    return {"position": position, "of": len(rows), "kind": unit.get_kind_display()}


class DashboardView(View):
    def get(self, request):
        whole, own_unit = _scope(request.user)
        form, f, today = _form(request, own_unit)
        slips_base, problems_base = _bases(request.user, own_unit)
        board = board_build(
            slips_base=slips_base, problems_base=problems_base, f=f, whole=whole, today=today
        )
        if own_unit is not None:
            board.unit_rank = _unit_rank(f, own_unit, today)
        slips_days_left(board.overdue)
        return render(
            request,
            "supervision/dashboard.html",
            {
                "form": form,
                "board": board,
                "f": f,
                "whole": whole,
                "own_unit": own_unit,
                "links": _figure_links(f),
                "charts": _chart_data(board, f),
                "filtered": bool(request.GET),
            },
        )


def _figure_links(f: Filters) -> dict:
    slips = reverse("supervision:dashboard_slips")
    problems = reverse("supervision:dashboard_problems")
    targets = reverse("supervision:dashboard_targets")
    return {
        "meeting_rate": f"{problems}?{f.query(show='met')}",
        "raised": f"{problems}?{f.query()}",
        "feedback_rate": f"{slips}?{f.query(show='fed_back')}",
        "satisfaction_rate": f"{slips}?{f.query(show='satisfied')}",
        "closure_rate": f"{slips}?{f.query(show='closed')}",
        "on_time_rate": f"{slips}?{f.query(show='closed_on_time')}",
        "overdue": f"{slips}?{f.query(show='overdue')}",
        "issued": f"{slips}?{f.query(show='issued')}",
        "coverage": f"{targets}?{f.query(show='visited')}",
        "supervised": f"{problems}?{f.query(show='supervised')}",
    }


def _chart_data(board, f: Filters) -> dict:
    slips = reverse("supervision:dashboard_slips")
    problems = reverse("supervision:dashboard_problems")
    labels = dict(Category.choices)
    charts = {
        "category": [
            {
                "name": str(labels.get(row["category"], row["category"])),
                "value": row["n"],
                "url": f"{problems}?{f.query(category=row['category'])}",
            }
            for row in board.charts["category"]
        ],
        "town": [
            {
                "name": row["enterprise__town__name"],
                "value": row["n"],
                "url": f"{problems}?{f.query(town=row['enterprise__town'])}",
            }
            for row in board.charts["town"]
        ],
        "batch": [
            {
                "name": _("Batch %(number)d of %(year)d")
                % {"number": row["batch__number"], "year": row["batch__year"]},
                "issued": row["issued"],
                "closed": row["closed"],
                "url": f"{slips}?{f.query(batch=row['batch'], show='closed')}",
                "issued_url": f"{slips}?{f.query(batch=row['batch'], show='issued')}",
            }
            for row in board.charts["batch"]
        ],
        "units": [
            {
                "name": row["lead_unit__name"],
                "value": row["n"],
                "url": f"{slips}?{f.query(unit=row['lead_unit'], show='overdue')}",
            }
            for row in board.charts.get("units", [])
        ],
        "timeline": _timeline_series(board.charts["timeline"], f),
        "labels": {
            "problems": _("Problems raised"),
            "closed": _("Slips closed"),
            "issued": _("Issued"),
            "closed_batch": pgettext("slip status", "Closed"),
            "overdue": _("Overdue slips"),
        },
    }
    return charts


def _timeline_series(timeline: dict, f: Filters) -> dict:
    problems = reverse("supervision:dashboard_problems")
    slips = reverse("supervision:dashboard_slips")
    by_month = timeline["by"] == "month"

    def norm(mapping):
        return {(timezone.localdate(k) if hasattr(k, "hour") else k): v for k, v in mapping.items()}

    raised, closed = norm(timeline["raised"]), norm(timeline["closed"])
    # Every month (or day) of the period up to today, a quiet one at zero: a line that skips
    # the empty months would join its neighbours and hide the gap.
    last = min(f.period.end, timezone.localdate())
    every, day = set(), f.period.start.replace(day=1) if by_month else f.period.start
    while day <= last:
        every.add(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1) if by_month else day + ONE_DAY
    buckets = sorted(every | set(raised) | set(closed))
    points = []
    for day in buckets:
        key = f"{day:%Y-%m}" if by_month else None
        points.append(
            {
                "name": f"{day:%Y-%m}" if by_month else f"{day:%m-%d}",
                "raised": raised.get(day, 0),
                "closed": closed.get(day, 0),
                "url": f"{problems}?{f.query(period=key)}" if key else "",
                "closed_url": f"{slips}?{f.query(show='closed', closed_in=key)}" if key else "",
            }
        )
    return {"points": points}


# --- Behind the figures ---------------------------------------------------------------------


def _show_label(show: str) -> str:
    return {
        "issued": _("Slips issued"),
        "closed": _("Slips closed"),
        "closed_on_time": _("Slips closed on time"),
        "fed_back": _("Slips fed back to the firm"),
        "satisfied": _("Slips rated satisfied or basically satisfied"),
        "overdue": _("Overdue slips"),
        "open": _("Slips not closed"),
    }.get(show, _("Slips issued"))


class DashboardSlipsView(View):
    """The slips behind a figure or a bar: the dashboard's filters plus one measure."""

    page_size = 30

    def get(self, request):
        _whole, own_unit = _scope(request.user)
        form, f, today = _form(request, own_unit)
        show = request.GET.get("show") if request.GET.get("show") in SHOWS else "issued"
        closed_in = period_parse(request.GET.get("closed_in", ""))
        # Overdue is the backlog today, and a timeline point counts the slips closed in its
        # month: both whenever the slips were issued, as the dashboard counts them.
        backlog = show == "overdue" or closed_in is not None
        slips = slips_scoped(slips_visible_to(request.user), f, any_period=backlog)
        if own_unit is not None:
            slips = slips.filter(lead_unit=own_unit)
        chosen = slips.filter(measure_filters(today)[show])
        if closed_in is not None:
            start, end = closed_in.datetimes()
            chosen = chosen.filter(closed_at__gte=start, closed_at__lt=end)
        page, query = paginate(
            request, slips_listed(chosen).order_by("deadline", "pk"), self.page_size
        )
        page.object_list = slips_days_left(list(page.object_list))
        return render(
            request,
            "supervision/dashboard_slips.html",
            {
                "form": form,
                "f": f,
                "page": page,
                "query": query,
                "title": _("Slips closed in %(period)s") % {"period": closed_in.label}
                if closed_in is not None
                else _show_label(show),
                # The figures of the whole set the list is part of, so its rates read as on
                # the dashboard (the closed slips' list shows the closure rate, not 100 %).
                "measures": slip_measures(slips, today=today),
                "back": f"{reverse('supervision:dashboard')}?{f.query()}",
            },
        )


class DashboardProblemsView(View):
    """The problems behind a figure or a bar (raised; or met face to face)."""

    page_size = 30

    def get(self, request):
        _whole, own_unit = _scope(request.user)
        form, f, _today = _form(request, own_unit)
        base = (
            problems_visible_to(request.user)
            if own_unit is None
            else _bases(request.user, own_unit)[1]
        )
        problems = problems_scoped(base, f)
        show = request.GET.get("show")
        if show == "met":
            problems = problems.filter(problem_met())
            title = _("Problems whose firm was met face to face")
        elif show == "supervised":  # unsettled, whatever the period, as on the dashboard
            problems = problems_supervised(base, f)
            title = _("Key problems under listed supervision")
        else:
            title = _("Problems raised")
        page, query = paginate(
            request,
            problems.select_related("enterprise", "enterprise__town").order_by(
                *(["-supervised_at"] if show == "supervised" else []), "-raised_at", "-pk"
            ),
            self.page_size,
        )
        counts = problems.order_by().aggregate(n=Count("id"))
        return render(
            request,
            "supervision/dashboard_problems.html",
            {
                "form": form,
                "f": f,
                "page": page,
                "query": query,
                "title": title,
                "total": counts["n"],
                "office": request.user.has_perm("core.assign_problems"),
                "back": f"{reverse('supervision:dashboard')}?{f.query()}",
            },
        )


class DashboardTargetsView(View):
    """The campaign targets behind the visit coverage: visited or still to visit."""

    page_size = 30

    def get(self, request):
        _whole, own_unit = _scope(request.user)
        form, f, _today = _form(request, own_unit)
        targets = targets_scoped(f)
        show = request.GET.get("show")
        if show == "visited":
            chosen, title = targets.filter(visited_on__isnull=False), _("Target firms visited")
        elif show == "unvisited":
            chosen, title = (
                targets.filter(visited_on__isnull=True),
                _("Target firms not yet visited"),
            )
        else:
            chosen, title = targets, _("Target firms")
        page, query = paginate(
            request,
            chosen.select_related("campaign", "enterprise", "enterprise__town", "unit").order_by(
                "campaign__start_date", "enterprise__name", "pk"
            ),
            self.page_size,
        )
        counts = targets.order_by().aggregate(
            all=Count("id"),
            visited=Count("id", filter=Q(visited_on__isnull=False)),
        )
        return render(
            request,
            "supervision/dashboard_targets.html",
            {
                "form": form,
                "f": f,
                "page": page,
                "query": query,
                "title": title,
                "counts": counts,
                "show": show or "",
                "tabs": [
                    (
                        key,
                        label,
                        f"{reverse('supervision:dashboard_targets')}?{f.query(show=key or None)}",
                        count,
                    )
                    for key, label, count in [
                        ("", _("All targets"), counts["all"]),
                        ("visited", _("Visited"), counts["visited"]),
                        ("unvisited", _("Not yet visited"), counts["all"] - counts["visited"]),
                    ]
                ],
                "back": f"{reverse('supervision:dashboard')}?{f.query()}",
            },
        )
