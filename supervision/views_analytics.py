"""数据分析 (issue 7): the firms' yearly figures by industry and town, and the difficulties they
meet by town and category with the common problems first. For the office and leaders."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View

from .analytics import (
    FIGURES,
    figure_years,
    figures_by,
    figures_total,
    problem_years,
    problems_analysed_by,
    problems_by_category,
    problems_in_year,
    shared_by_category,
    shared_problem_groups,
    town_category_table,
)
from .forms_analytics import AnalyticsYearForm

TABS = [
    ("supervision:analytics", _("Operating figures")),
    ("supervision:analytics_problems", _("Difficulties and common problems")),
]


def may_read_analytics(user) -> bool:
    return (
        user.has_perm("core.assign_problems")
        or user.has_perm("core.supervise")
        or user.has_perm("core.view_dashboard")
    )


class AnalyticsAccessMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not may_read_analytics(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _year_form(request, years: list[int]) -> tuple[AnalyticsYearForm, int | None]:
    """The year asked for, or the first (latest) one; an unknown year falls back silently."""
    form = AnalyticsYearForm(request.GET or None, years=years)
    year = form.chosen_year()
    if not form.is_bound or not form.is_valid():
        form = AnalyticsYearForm(years=years, initial={"year": year})
    return form, year


def wan(value) -> str:
    """万元 to the unit, grouped by thousands: 1234567.89 → "1,234,568"."""
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def yi(value) -> str:
    """万元 as 亿元 with two decimals: 1234567.89 → "123.46"."""
    if value is None:
        return "—"
    return f"{(Decimal(value) / 10000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _shown(row: dict) -> dict:
    for key, _name in FIGURES:
        row[f"{key}_text"] = wan(row[key])
    return row


class AnalyticsFiguresView(AnalyticsAccessMixin, View):
    """A year's figures (output, sales, employees, like-for-like growth) per industry division
    and per town; the year chosen among those with data, the latest by default."""

    def get(self, request):
        form, year = _year_form(request, figure_years())
        context = {"form": form, "year": year, "tabs": TABS}
        if year is not None:
            total = _shown(figures_total(year=year))
            by_industry = figures_by(year=year, by="industry", total=total)
            by_town = figures_by(year=year, by="town", total=total)
            for table in (by_industry, by_town):
                table.rows = [_shown(row) for row in table.rows]
            context.update(
                previous=year - 1,
                total=total,
                output_yi=yi(total["output"]),
                sales_yi=yi(total["sales"]),
                by_industry=by_industry,
                by_town=by_town,
            )
        return render(request, "supervision/analytics.html", context)


class AnalyticsProblemsView(AnalyticsAccessMixin, View):
    """How many firms meet each category of difficulty in each town in a year, the groups the
    office marked 共性 and the categories by number of firms; the current year by default."""

    def get(self, request):
        visible = problems_analysed_by(request.user)
        form, year = _year_form(request, problem_years(visible))
        problems = problems_in_year(visible, year)
        by_category = problems_by_category(problems)
        return render(
            request,
            "supervision/analytics_problems.html",
            {
                "form": form,
                "year": year,
                "tabs": TABS,
                "shared_by_category": shared_by_category(problems),
                "shared": shared_problem_groups(problems),
                "by_category": by_category,
                "table": town_category_table(problems, by_category=by_category),
                # The numbers open the dashboard's list of the problems behind them (the
                # year, the town, the category), which the office and leaders may read.
                "may_open_list": request.user.has_perm("core.view_dashboard")
                or request.user.has_perm("core.supervise"),
            },
        )
