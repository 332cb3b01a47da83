"""Reads for the office's analytics (issue 7): the firms' yearly figures by industry and by
town, how many firms meet each kind of difficulty in each town, and the common problems.

Every figure is a GROUP BY in the database; each function runs a fixed number of queries
whatever the amount of data.

Rules (the pages state them in Chinese):

* **Firms reporting** in a year are the firms with a row of yearly figures for that year; the
  totals add up every reporting firm.
* **Growth** against the previous year is computed on a like-for-like basis (同口径): for each
  figure, only the firms that have that figure in *both* years count, and growth is their
  total this year over their total last year. A firm that reported only one year (new, closed,
  or missing a figure) is in the totals but not in the growth.
* **Industry** is the GB/T 4754 division (大类) a firm is filed under: the demo data, like
  Lin'an itself, is nearly all manufacturing (section C), so sections would make a one-row
  table. A firm filed only under a section (its list gave just the letter) keeps its own row.
* **Difficulties** count distinct firms, not problems: a firm with two problems of one category
  counts once in that cell, and a row's, a column's and the grand total count each firm once
  too (so they are not the sums of the cells). Every problem raised in the period counts,
  whatever its status: a problem merged into another firm's is the same difficulty met by
  another firm, and one merged into the same firm's problem adds no firm.
* **Common problems (共性问题)**: a problem group is a problem and the duplicates merged into
  it; a group is common when the office marked its head problem 共性 (the duplicates' own
  marks are ignored, since they are handled with their head).
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, FilteredRelation, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Unit
from enterprises.models import Enterprise, EnterpriseYear
from issues.models import Category, Problem

# The figures the tables show, each with its growth: (key, field of EnterpriseYear).
FIGURES = [("output", "output_value"), ("sales", "sales"), ("employees", "employees")]
GROUPINGS = {
    # key: (values() of the group, ordering)
    "industry": (
        ["industry", "industry__code", "industry__name", "industry__level"],
        ["industry__code"],
    ),
    "town": (["town", "town__name", "town__sort_order"], ["town__sort_order", "town__name"]),
}
# Shown at most, in the list of problem groups the office marked 共性.
SHARED_GROUPS_SHOWN = 10


# --- Yearly figures ---------------------------------------------------------------------------


def figure_years() -> list[int]:
    """The years some firm has figures for, latest first."""
    return list(EnterpriseYear.objects.order_by("-year").values_list("year", flat=True).distinct())


def growth_percent(current, previous) -> Decimal | None:
    """(current / previous - 1) × 100, to one decimal; None when there is nothing to compare."""
    if current is None or not previous:
        return None
    value = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _firms_reporting(year: int) -> QuerySet[Enterprise]:
    """The firms with figures for the year, each joined to its row of that year (``cur``) and
    of the year before (``prev``): at most one of each, so no firm is counted twice."""
    return Enterprise.objects.annotate(
        cur=FilteredRelation("years", condition=Q(years__year=year)),
        prev=FilteredRelation("years", condition=Q(years__year=year - 1)),
    ).filter(cur__id__isnull=False)


def _figure_aggregates() -> dict:
    aggregates = {
        "firms": Count("pk"),
        "comparable": Count("pk", filter=Q(prev__id__isnull=False)),
    }
    for key, name in FIGURES:
        both = Q(**{f"cur__{name}__isnull": False, f"prev__{name}__isnull": False})
        aggregates[key] = Sum(f"cur__{name}")
        aggregates[f"{key}_cur_both"] = Sum(f"cur__{name}", filter=both)
        aggregates[f"{key}_prev_both"] = Sum(f"prev__{name}", filter=both)
    return aggregates


def _with_growth(row: dict) -> dict:
    for key, _name in FIGURES:
        row[f"{key}_growth"] = growth_percent(row[f"{key}_cur_both"], row[f"{key}_prev_both"])
    return row


@dataclass
class FigureTable:
    year: int
    by: str
    rows: list[dict] = field(default_factory=list)
    total: dict = field(default_factory=dict)


def figures_by(*, year: int, by: str, total: dict | None = None) -> FigureTable:
    """The year's figures per industry division or per town (``by``): firms reporting, of them
    those that reported the year before too, and for output, sales and employees the total and
    the like-for-like growth (see the module's docstring). One query for the rows, one for the
    total unless it is given (it is the same for every grouping)."""
    group, ordering = GROUPINGS[by]
    firms = _firms_reporting(year)
    rows = [
        _with_growth(row)
        for row in firms.values(*group).annotate(**_figure_aggregates()).order_by(*ordering)
    ]
    if total is None:
        total = figures_total(year=year)
    return FigureTable(year=year, by=by, rows=rows, total=total)


def figures_total(*, year: int) -> dict:
    """The same measures over every firm reporting in the year: one query."""
    return _with_growth(_firms_reporting(year).aggregate(**_figure_aggregates()))


# --- Difficulties by town and category --------------------------------------------------------


def year_range(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[1 January, next 1 January) in the local time zone, for ``raised_at`` ranges."""
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    return start, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


def problems_analysed_by(user) -> QuerySet[Problem]:
    """Every problem for the office (sorting or supervising) and leaders; nothing for others."""
    if user.is_authenticated and (
        user.has_perm("core.assign_problems")
        or user.has_perm("core.supervise")
        or user.has_perm("core.view_dashboard")
    ):
        return Problem.objects.all()
    return Problem.objects.none()


def problem_years(problems: QuerySet[Problem]) -> list[int]:
    """The years problems were raised in, and this year, latest first."""
    years = {d.year for d in problems.order_by().datetimes("raised_at", "year")}
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)


def problems_in_year(problems: QuerySet[Problem], year: int) -> QuerySet[Problem]:
    start, end = year_range(year)
    return problems.filter(raised_at__gte=start, raised_at__lt=end).order_by()


# A problem is in a common (共性) group when it is marked so and heads its group, or when the
# problem it was merged into is.
SHARED = Q(duplicate_of__isnull=True, kind=Problem.Kind.SHARED) | Q(
    duplicate_of__kind=Problem.Kind.SHARED
)
FIRMS = Count("enterprise", distinct=True)
TOWNS = Count("enterprise__town", distinct=True)


@dataclass
class TownCategoryTable:
    categories: list[tuple[str, str]]
    # {"town": Unit, "cells": [{"category", "label", "firms"} per category], "total": firms}
    rows: list[dict]
    column_totals: list[dict]  # {"category", "firms"} per category
    total: int


def problems_by_category(problems: QuerySet[Problem]) -> list[dict]:
    """Per category met in the period, highest first: distinct firms, the towns they are in,
    the problems, and the firms whose problem is in a group the office marked 共性. One query."""
    rows = list(
        problems.values("category")
        .annotate(
            firms=FIRMS,
            towns=TOWNS,
            problems=Count("pk"),
            shared_firms=Count("enterprise", distinct=True, filter=SHARED),
        )
        .order_by("-firms", "-towns", "category")
    )
    labels = dict(Category.choices)
    for row in rows:
        row["label"] = labels.get(row["category"], row["category"])
    return rows


def town_category_table(
    problems: QuerySet[Problem], *, by_category: list[dict] | None = None
) -> TownCategoryTable:
    """Distinct firms meeting each category of difficulty in each town, with each town's,
    each category's and the overall count of distinct firms. Every active town is a row, and
    an inactive one with problems. Four queries (three when ``by_category`` is given)."""
    cells = {
        (row["enterprise__town"], row["category"]): row["firms"]
        for row in problems.values("enterprise__town", "category").annotate(firms=FIRMS)
    }
    town_totals = {
        row["enterprise__town"]: row["firms"]
        for row in problems.values("enterprise__town").annotate(firms=FIRMS)
    }
    if by_category is None:
        by_category = problems_by_category(problems)
    category_totals = {row["category"]: row["firms"] for row in by_category}
    towns = Unit.objects.filter(
        Q(kind=Unit.Kind.TOWN, is_active=True) | Q(pk__in=list(town_totals))
    ).order_by("sort_order", "name")
    categories = list(Category.choices)
    rows = [
        {
            "town": town,
            "cells": [
                {"category": value, "label": label, "firms": cells.get((town.pk, value), 0)}
                for value, label in categories
            ],
            "total": town_totals.get(town.pk, 0),
        }
        for town in towns
    ]
    return TownCategoryTable(
        categories=categories,
        rows=rows,
        column_totals=[
            {"category": value, "firms": category_totals.get(value, 0)}
            for value, _label in categories
        ],
        total=problems.aggregate(firms=FIRMS)["firms"],
    )


def shared_by_category(problems: QuerySet[Problem]) -> list[dict]:
    """The problems in groups the office marked 共性, per category, by the number of distinct
    firms (then towns): firms, towns, problems. One query."""
    rows = list(
        problems.filter(SHARED)
        .values("category")
        .annotate(firms=FIRMS, towns=TOWNS, problems=Count("pk"))
        .order_by("-firms", "-towns", "category")
    )
    labels = dict(Category.choices)
    for row in rows:
        row["label"] = labels.get(row["category"], row["category"])
    return rows


@dataclass
class SharedGroups:
    groups: list[dict]  # {"head", "problem", "firms", "towns", "problems"}
    count: int  # every group in the period, shown or not


def shared_problem_groups(
    problems: QuerySet[Problem], *, limit: int = SHARED_GROUPS_SHOWN
) -> SharedGroups:
    """The problem groups the office marked 共性 with the most distinct firms (then towns, then
    problems, then the latest), each with its head problem to name it, and how many groups
    there are. Three queries."""
    shared = problems.filter(SHARED).annotate(head=Coalesce("duplicate_of_id", "id"))
    groups = list(
        shared.values("head")
        .annotate(firms=FIRMS, towns=TOWNS, problems=Count("pk"))
        .order_by("-firms", "-towns", "-problems", "-head")[:limit]
    )
    heads = Problem.objects.in_bulk([g["head"] for g in groups])
    for group in groups:
        group["problem"] = heads.get(group["head"])
    return SharedGroups(
        groups=[g for g in groups if g["problem"] is not None],
        count=shared.aggregate(n=Count("head", distinct=True))["n"],
    )
