"""数据分析: yearly figures by industry and town (like-for-like growth), firms meeting each
category of difficulty by town (distinct firms), the common problems first, who may read it, and
a query count that does not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from enterprises.models import EnterpriseYear, Industry
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from issues.models import Category, Problem, Urgency
from issues.services import problem_create, problem_merge
from supervision.analytics import (
    figure_years,
    figures_by,
    figures_total,
    growth_percent,
    problem_years,
    problems_by_category,
    problems_in_year,
    shared_by_category,
    shared_problem_groups,
    town_category_table,
)

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
FIGURES_URL = "supervision:analytics"
PROBLEMS_URL = "supervision:analytics_problems"


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER, username="leader1", name="市领导甲")


@pytest.fixture
def handler(make_user):
    return make_user(Role.HANDLER, username="handler1", name="李明")


@pytest.fixture
def town_a(db):
    return TownFactory(name="锦城街道", sort_order=1)


@pytest.fixture
def town_b(db):
    return TownFactory(name="青山湖街道", sort_order=2)


@pytest.fixture
def c38(db):
    return Industry.objects.get(code="C38")


@pytest.fixture
def c33(db):
    return Industry.objects.get(code="C33")


def year(firm, y, output=None, sales=None, employees=None):
    return EnterpriseYear.objects.create(
        enterprise=firm,
        year=y,
        output_value=None if output is None else Decimal(output),
        sales=None if sales is None else Decimal(sales),
        employees=employees,
    )


@pytest.fixture
def firms(town_a, town_b, c38, c33):
    """Five firms, hand-counted figures for 2024 and 2025:

    f1 A C38  2024: 100 / 90 / 10    2025: 120 / 100 / 12
    f2 A C33  2024: 200 / 180 / 20   2025: 180 / 150 / 18
    f3 B C38                         2025:  50 /  40 /  5   (new: not in growth)
    f4 B C33  2024: 300 / 250 / 30                          (gone: not in 2025 at all)
    f5 B C38  2024:  80 /  —  /  8   2025: 100 /  70 /  8   (no 2024 sales: not in sales growth)
    """
    f1 = EnterpriseFactory(name="甲电缆", town=town_a, industry=c38)
    f2 = EnterpriseFactory(name="乙五金", town=town_a, industry=c33)
    f3 = EnterpriseFactory(name="丙电器", town=town_b, industry=c38)
    f4 = EnterpriseFactory(name="丁五金", town=town_b, industry=c33)
    f5 = EnterpriseFactory(name="戊电机", town=town_b, industry=c38)
    year(f1, 2024, 100, 90, 10)
    year(f1, 2025, 120, 100, 12)
    year(f2, 2024, 200, 180, 20)
    year(f2, 2025, 180, 150, 18)
    year(f3, 2025, 50, 40, 5)
    year(f4, 2024, 300, 250, 30)
    year(f5, 2024, 80, None, 8)
    year(f5, 2025, 100, 70, 8)
    return {"f1": f1, "f2": f2, "f3": f3, "f4": f4, "f5": f5}


def raise_problem(firm, category, *, year=THIS_YEAR, kind=None) -> Problem:
    problem = problem_create(
        enterprise=firm,
        channel=Problem.Channel.VISIT,
        description=f"{firm.name}的{category}问题",
        category=category,
        urgency=Urgency.NORMAL,
        raised_by=None,
        raised_at=timezone.make_aware(datetime.datetime(year, 1, 1, 10)),
    )
    if kind:
        Problem.objects.filter(pk=problem.pk).update(kind=kind)
        problem.refresh_from_db()
    return problem


@pytest.fixture
def problems(firms, office):
    """This year (f4 only last year):

    f1 A: land, land again (merged into its own first), labour
    f2 A: land, labour (marked 共性)
    f3 B: land (marked 共性)
    f5 B: land (merged into f3's), financing
    f4 B: labour last year only
    """
    f1, f2, f3, f4, f5 = (firms[k] for k in ("f1", "f2", "f3", "f4", "f5"))
    p1 = raise_problem(f1, Category.LAND)
    problem_merge(problem=raise_problem(f1, Category.LAND), into=p1, actor=office)
    raise_problem(f1, Category.LABOUR)
    raise_problem(f2, Category.LAND)
    shared_labour = raise_problem(f2, Category.LABOUR, kind=Problem.Kind.SHARED)
    shared_land = raise_problem(f3, Category.LAND, kind=Problem.Kind.SHARED)
    problem_merge(problem=raise_problem(f5, Category.LAND), into=shared_land, actor=office)
    raise_problem(f5, Category.FINANCING)
    raise_problem(f4, Category.LABOUR, year=THIS_YEAR - 1)
    return {"shared_land": shared_land, "shared_labour": shared_labour}


# --- Yearly figures ---------------------------------------------------------------------------


def test_growth_percent_rounds_to_one_decimal_and_needs_a_base():
    assert growth_percent(Decimal("220"), Decimal("180")) == Decimal("22.2")
    assert growth_percent(Decimal("150"), Decimal("180")) == Decimal("-16.7")
    assert growth_percent(8, 8) == Decimal("0.0")
    assert growth_percent(None, None) is None
    assert growth_percent(Decimal("5"), Decimal("0")) is None


def test_figure_years_are_the_years_with_data_latest_first(firms):
    assert figure_years() == [2025, 2024]


def test_figures_by_industry_sum_the_reporting_firms_and_grow_like_for_like(firms):
    table = figures_by(year=2025, by="industry")

    rows = {row["industry__code"]: row for row in table.rows}
    assert list(rows) == ["C33", "C38"]
    c33 = rows["C33"]  # f2 only
    assert (c33["firms"], c33["comparable"]) == (1, 1)
    assert (c33["output"], c33["sales"], c33["employees"]) == (Decimal(180), Decimal(150), 18)
    assert c33["output_growth"] == Decimal("-10.0")
    assert c33["sales_growth"] == Decimal("-16.7")
    assert c33["employees_growth"] == Decimal("-10.0")
    c38 = rows["C38"]  # f1, f3 (new), f5 (no 2024 sales)
    assert (c38["firms"], c38["comparable"]) == (3, 2)
    assert (c38["output"], c38["sales"], c38["employees"]) == (Decimal(270), Decimal(210), 25)
    assert c38["output_growth"] == Decimal("22.2")  # f1 + f5: 220 against 180
    assert c38["sales_growth"] == Decimal("11.1")  # f1 only: 100 against 90
    assert c38["employees_growth"] == Decimal("11.1")  # f1 + f5: 20 against 18


def test_figures_by_town_leave_one_year_firms_out_of_growth(firms):
    table = figures_by(year=2025, by="town")

    rows = {row["town__name"]: row for row in table.rows}
    assert list(rows) == ["锦城街道", "青山湖街道"]
    a = rows["锦城街道"]
    assert (a["firms"], a["comparable"], a["output"], a["sales"], a["employees"]) == (
        2,
        2,
        Decimal(300),
        Decimal(250),
        30,
    )
    assert (a["output_growth"], a["sales_growth"], a["employees_growth"]) == (
        Decimal("0.0"),
        Decimal("-7.4"),
        Decimal("0.0"),
    )
    b = rows["青山湖街道"]  # f3 (new) and f5; f4 reported 2024 only
    assert (b["firms"], b["comparable"], b["output"], b["sales"], b["employees"]) == (
        2,
        1,
        Decimal(150),
        Decimal(110),
        13,
    )
    assert b["output_growth"] == Decimal("25.0")  # f5: 100 against 80
    assert b["sales_growth"] is None  # no firm of B has sales in both years
    assert b["employees_growth"] == Decimal("0.0")


def test_figures_total_is_every_firm_reporting(firms):
    total = figures_total(year=2025)

    assert (total["firms"], total["comparable"]) == (4, 3)
    assert (total["output"], total["sales"], total["employees"]) == (
        Decimal(450),
        Decimal(360),
        43,
    )
    assert total["output_growth"] == Decimal("5.3")  # 400 against 380
    assert total["sales_growth"] == Decimal("-7.4")  # f1 + f2: 250 against 270
    assert total["employees_growth"] == Decimal("0.0")


def test_first_year_has_no_growth(firms):
    total = figures_total(year=2024)

    assert (total["firms"], total["comparable"], total["output"]) == (4, 0, Decimal(680))
    assert total["output_growth"] is None


def test_firm_without_industry_has_a_row_of_its_own(firms, town_a):
    year(EnterpriseFactory(name="己公司", town=town_a, industry=None), 2025, 10, 10, 1)

    rows = figures_by(year=2025, by="industry").rows

    assert [(row["industry"], row["firms"]) for row in rows if row["industry"] is None] == [
        (None, 1)
    ]


def test_figures_page_shows_the_latest_year_sums_and_the_rule(client, office, firms):
    client.force_login(office)

    response = client.get(reverse(FIGURES_URL))

    assert response.status_code == 200
    assert response.context["year"] == 2025
    page = response.content.decode()
    assert "C38 电气机械和器材制造业" in page
    assert "青山湖街道" in page
    assert "+22.2%" in page and "-16.7%" in page
    assert "0.05" in page  # 450 万元 = 0.05 亿元 in the summary
    for raw in ("output_value", "industry__code", "town__name", "None"):
        assert raw not in page


def test_figures_page_takes_another_year(client, office, firms):
    client.force_login(office)

    response = client.get(reverse(FIGURES_URL), {"year": 2024})

    assert response.context["year"] == 2024
    assert response.context["total"]["firms"] == 4


def test_figures_page_falls_back_to_the_latest_year_for_an_unknown_one(client, office, firms):
    client.force_login(office)

    response = client.get(reverse(FIGURES_URL), {"year": "1999"})

    assert response.status_code == 200
    assert response.context["year"] == 2025


def test_figures_page_without_data_says_so(client, office):
    client.force_login(office)

    response = client.get(reverse(FIGURES_URL))

    assert response.status_code == 200
    assert response.context["year"] is None


def test_large_money_is_grouped_by_thousands(client, office, town_a, c38):
    year(EnterpriseFactory(town=town_a, industry=c38), 2025, "1234567.89", "987654.32", 4321)
    client.force_login(office)

    page = client.get(reverse(FIGURES_URL)).content.decode()

    assert "1,234,568" in page and "987,654" in page
    assert "123.46" in page  # 亿元 in the summary


# --- Difficulties by town and category --------------------------------------------------------


def test_town_category_table_counts_distinct_firms(problems, town_a, town_b):
    table = town_category_table(problems_in_year(Problem.objects.all(), THIS_YEAR))

    cells = {
        (row["town"].name, cell["category"]): cell["firms"]
        for row in table.rows
        for cell in row["cells"]
        if cell["firms"]
    }
    assert cells == {
        ("锦城街道", Category.LAND): 2,  # f1 (two problems, one merged) and f2
        ("锦城街道", Category.LABOUR): 2,
        ("青山湖街道", Category.LAND): 2,  # f3 and f5, merged into f3's
        ("青山湖街道", Category.FINANCING): 1,
    }
    assert {row["town"].name: row["total"] for row in table.rows} == {
        "锦城街道": 2,
        "青山湖街道": 2,
    }
    columns = {c["category"]: c["firms"] for c in table.column_totals if c["firms"]}
    assert columns == {Category.LAND: 4, Category.LABOUR: 2, Category.FINANCING: 1}
    assert [c["category"] for c in table.column_totals] == Category.values
    assert table.total == 4  # not the sum of the town totals' cells (9)


def test_town_category_table_takes_the_year(problems):
    table = town_category_table(problems_in_year(Problem.objects.all(), THIS_YEAR - 1))

    cells = [
        (row["town"].name, cell["category"], cell["firms"])
        for row in table.rows
        for cell in row["cells"]
        if cell["firms"]
    ]
    assert cells == [("青山湖街道", Category.LABOUR, 1)]
    assert table.total == 1


def test_problem_years_include_this_year(problems):
    assert problem_years(Problem.objects.all()) == [THIS_YEAR, THIS_YEAR - 1]


def test_categories_by_firms_highest_first(problems):
    rows = problems_by_category(problems_in_year(Problem.objects.all(), THIS_YEAR))

    assert [
        (r["category"], r["firms"], r["towns"], r["problems"], r["shared_firms"]) for r in rows
    ] == [
        (Category.LAND, 4, 2, 5, 2),
        (Category.LABOUR, 2, 1, 2, 1),
        (Category.FINANCING, 1, 1, 1, 0),
    ]


def test_common_problems_by_category_count_their_merged_duplicates(problems):
    rows = shared_by_category(problems_in_year(Problem.objects.all(), THIS_YEAR))

    assert [(r["category"], r["firms"], r["towns"], r["problems"]) for r in rows] == [
        (Category.LAND, 2, 1, 2),  # f3's, and f5's merged into it
        (Category.LABOUR, 1, 1, 1),
    ]


def test_a_duplicates_own_mark_does_not_make_it_common(problems, firms):
    merged = Problem.objects.get(enterprise=firms["f1"], duplicate_of__isnull=False)
    Problem.objects.filter(pk=merged.pk).update(kind=Problem.Kind.SHARED)

    rows = shared_by_category(problems_in_year(Problem.objects.all(), THIS_YEAR))

    assert [r["category"] for r in rows] == [Category.LAND, Category.LABOUR]
    assert rows[0]["firms"] == 2  # still f3 and f5 only


def test_shared_groups_by_firms_with_their_duplicates(problems):
    shared = shared_problem_groups(problems_in_year(Problem.objects.all(), THIS_YEAR))

    assert [(g["problem"], g["firms"], g["towns"], g["problems"]) for g in shared.groups] == [
        (problems["shared_land"], 2, 1, 2),
        (problems["shared_labour"], 1, 1, 1),
    ]
    assert shared.count == 2


def test_shared_groups_shown_are_limited_but_all_counted(problems):
    shared = shared_problem_groups(problems_in_year(Problem.objects.all(), THIS_YEAR), limit=1)

    assert [g["problem"] for g in shared.groups] == [problems["shared_land"]]
    assert shared.count == 2


def test_problems_page_lists_common_problems_first_and_links_for_the_office(
    client, office, problems, town_a
):
    client.force_login(office)

    response = client.get(reverse(PROBLEMS_URL))

    assert response.status_code == 200
    assert response.context["year"] == THIS_YEAR
    page = response.content.decode()
    shared = problems["shared_land"]
    assert page.index(shared.description) < page.index('id="categories-title"')
    assert page.index('id="categories-title"') < page.index('id="towns-title"')
    assert reverse("issues:problem_detail", args=[shared.pk]) in page
    cell_link = (
        f"{reverse('supervision:dashboard_problems')}?period={THIS_YEAR}"
        f"&amp;town={town_a.pk}&amp;category=land"
    )
    assert cell_link in page
    for raw in ("shared_firms", "enterprise__town", "None"):
        assert raw not in page


@pytest.mark.parametrize("who", ["office", "leader"])
def test_cell_link_opens_the_problems_of_that_year_town_and_category(
    client, request, who, problems, town_a
):
    """The cell counts firms; its link lists their problems of that year, town and category,
    for the office and for leaders alike."""
    client.force_login(request.getfixturevalue(who))
    page = client.get(reverse(PROBLEMS_URL)).content.decode()
    link = (
        f"{reverse('supervision:dashboard_problems')}?period={THIS_YEAR}"
        f"&amp;town={town_a.pk}&amp;category=land"
    )
    assert link in page

    response = client.get(link.replace("&amp;", "&"))

    assert response.status_code == 200
    listed = {p.enterprise.name for p in response.context["page"]}
    assert listed == {"甲电缆", "乙五金"}
    assert all(p.raised_at.astimezone().year == THIS_YEAR for p in response.context["page"])


# --- Who may read -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [FIGURES_URL, PROBLEMS_URL])
@pytest.mark.parametrize("who", ["office", "leader"])
def test_office_and_leaders_may_read(client, request, who, url):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse(url)).status_code == 200


@pytest.mark.parametrize("url", [FIGURES_URL, PROBLEMS_URL])
@pytest.mark.parametrize("who", ["handler", "cadre"])
def test_others_are_refused(client, request, who, url):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse(url)).status_code == 403


def test_supervising_alone_is_enough(client, make_user):
    from django.contrib.auth.models import Permission

    user = make_user(username="supervisor1")
    user.user_permissions.add(Permission.objects.get(codename="supervise"))
    client.force_login(user)

    assert client.get(reverse(PROBLEMS_URL)).status_code == 200


# --- Queries do not grow with the data --------------------------------------------------------


def _more_data(office, towns, industries, n):
    """n more firms in new towns and industries, each with two years and three problems."""
    for i in range(n):
        firm = EnterpriseFactory(
            town=towns[i % len(towns)], industry=industries[i % len(industries)]
        )
        year(firm, 2024, 10 + i, 9 + i, 3)
        year(firm, 2025, 12 + i, 10 + i, 4)
        head = raise_problem(firm, Category.values[i % 12], kind=Problem.Kind.SHARED)
        raise_problem(firm, Category.values[(i + 3) % 12])
        problem_merge(problem=raise_problem(firm, head.category), into=head, actor=office)


@pytest.mark.parametrize("url", [FIGURES_URL, PROBLEMS_URL])
def test_query_count_does_not_grow_with_the_data(client, office, problems, url):
    client.force_login(office)
    client.get(reverse(url))  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url)).status_code == 200

    towns = [TownFactory(name=f"扩展镇{i}", sort_order=10 + i) for i in range(4)]
    industries = list(Industry.objects.filter(level=Industry.Level.DIVISION)[:6])
    _more_data(office, towns, industries, 24)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse(url)).status_code == 200

    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
