"""督查看板 in the browser: the demo leader opens the dashboard from the navigation, filters to
one town, clicks the overdue figure and lands on exactly the slips it counts; a bar of the
problem-category chart opens the problems of that category, the town filter kept."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD
from core.models import Unit
from issues.measures import measure_filters
from issues.models import Category, Slip

pytestmark = pytest.mark.e2e

PAGE_SIZE = 30  # the lists behind the figures


def overdue_now(town: Unit | None = None):
    """The slips the overdue figure counts: overdue today, whenever they were issued."""
    slips = Slip.objects.filter(measure_filters(timezone.localdate())["overdue"])
    if town is not None:
        slips = slips.filter(problem__enterprise__town=town)
    return slips


def a_town_with_overdue_slips() -> Unit:
    """The town with the most overdue slips that still fit on one page
    (ties: by name), so the choice does not depend on row order."""
    rows = (
        overdue_now()
        .values("problem__enterprise__town")
        .annotate(n=Count("id"))
        .filter(n__lte=PAGE_SIZE)
        .order_by("-n", "problem__enterprise__town__name")
    )
    assert rows, "the demo has no overdue slip"
    return Unit.objects.get(pk=rows[0]["problem__enterprise__town"])


def chart_bar_click(page, chart: str, index: int, url: re.Pattern) -> int:
    """Click the middle of bar ``index`` of an ECharts bar chart and wait for the page at
    ``url``. ECharts hit-tests a click at the pointer's position, so the chart is scrolled into
    view and drawn without animation (a bar still growing may not be under the pointer yet)
    before the click. Returns the bar's value."""
    page.locator(f'[data-chart="{chart}"]').scroll_into_view_if_needed()
    point = page.evaluate(
        """([chart, index]) => {
          const holder = document.querySelector(`[data-chart="${chart}"]`);
          const instance = window.echarts.getInstanceByDom(holder);
          instance.setOption({ animation: false });
          const value = instance.getOption().series[0].data[index].value;
          const [x, y] = instance.convertToPixel({ seriesIndex: 0 }, [value / 2, index]);
          const box = holder.getBoundingClientRect();
          return { x: box.left + x, y: box.top + y, value: value };
        }""",
        [chart, index],
    )
    with page.expect_navigation(url=url):
        page.mouse.click(point["x"], point["y"])
    return point["value"]


def log_in(page, live_server, username):
    """As test_slip_workflow.logged_in, on the test's own page (the one ``shoot`` shoots)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    return page


def test_the_leader_finds_a_towns_overdue_slips_from_the_dashboard(page, live_server, demo, shoot):
    town = a_town_with_overdue_slips()
    expected = set(overdue_now(town).values_list("number", flat=True))
    assert expected

    log_in(page, live_server, "leader")
    page.get_by_role("link", name="督查看板").click()
    expect(page.get_by_role("heading", name="督查看板", level=1)).to_be_visible()
    shoot("dashboard-leader")

    page.get_by_label("镇街", exact=True).select_option(label=town.name)
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(page).to_have_url(re.compile(rf"[?&]town={town.pk}(&|$)"))
    expect(page.get_by_label("镇街", exact=True)).to_have_value(str(town.pk))
    card = page.locator("a.figure-card", has_text="当前超期")
    expect(card).to_have_count(1)
    expect(card.locator(".fw-semibold")).to_have_text(str(len(expected)))
    shoot("dashboard-leader-town")

    card.click()
    expect(page.get_by_role("heading", name="超期交办单", level=1)).to_be_visible()
    query = parse_qs(urlparse(page.url).query)
    assert query["show"] == ["overdue"] and query["town"] == [str(town.pk)]
    rows = page.locator(".list-group-item .font-monospace")
    expect(rows).to_have_count(len(expected))
    assert set(rows.all_inner_texts()) == expected
    shoot("dashboard-overdue-list")

    # Back on the board: a bar of the category chart opens that category's problems.
    page.go_back()
    expect(page.get_by_role("heading", name="督查看板", level=1)).to_be_visible()
    chart = page.locator('[data-chart="category"] svg')
    expect(chart).to_be_visible()
    value = chart_bar_click(
        page, "category", 0, re.compile(r"/supervision/dashboard/problems/\?.*category=")
    )
    query = parse_qs(urlparse(page.url).query)
    assert query["category"][0] in Category.values
    assert query["town"] == [str(town.pk)]  # the filters go with the bar
    problems = page.locator(".list-group-item")
    expect(problems).to_have_count(min(value, PAGE_SIZE))  # the bar's problems, no more
    for row in problems.all():
        expect(row).to_contain_text(town.name)
    shoot("dashboard-category-problems")
