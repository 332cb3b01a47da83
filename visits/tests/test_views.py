"""The survey pages, who sees which visits and firms, the cadre's firm list, campaign and pairing
pages, and their query budgets."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from enterprises.models import Enterprise
from enterprises.selectors import enterprises_visible_to
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from issues.models import Problem
from visits.models import Pairing, Visit, VisitProblem
from visits.selectors import my_paired_firms, visits_visible_to
from visits.tests.factories import (
    PairingFactory,
    campaign_make,
    days_ago,
    problem_data,
    visit_make,
)

pytestmark = pytest.mark.django_db


def survey_post(token=None, problems=(), **fields) -> dict:
    """The survey form as the browser posts it."""
    data = {
        "client_token": str(token or uuid.uuid4()),
        "visit_date": timezone.localdate().isoformat(),
        "campaign": "",
        "companions": "",
        "met_principal": "1",
        "orders_trend": "up",
        "orders_note": "",
        "vacancies": "",
        "talent_need": "",
        "automation": "",
        "financing_amount": "",
        "financing_purpose": "",
        "tech_upgrade": "",
        "sales": "",
        "employees": "",
        "profit": "",
        "opinions": "",
        "action": "save",
        "problems-TOTAL_FORMS": str(len(problems)),
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "50",
    }
    for i, problem in enumerate(problems):
        for key, value in problem.items():
            data[f"problems-{i}-{key}"] = value
    data.update({k: str(v) for k, v in fields.items()})
    return data


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- Filling in a survey ---------------------------------------------------------------------


def test_paired_cadre_opens_the_survey_form_with_a_fresh_token(client, cadre, firm, paired):
    client.force_login(cadre)
    url = reverse("visits:visit_create", args=[firm.pk])

    first = client.get(url)
    second = client.get(url)

    assert first.status_code == 200
    tokens = {r.context["form"].initial["client_token"] for r in (first, second)}
    assert len(tokens) == 2


def test_posting_a_survey_saves_a_draft_and_shows_it(client, cadre, firm, paired):
    client.force_login(cadre)

    response = client.post(
        reverse("visits:visit_create", args=[firm.pk]),
        survey_post(problems=[problem_data("用电负荷不够", "energy")], sales="300.5"),
    )

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("visits:visit_detail", args=[visit.pk])
    assert visit.is_draft and visit.met_principal and visit.sales == Decimal("300.5")
    assert list(visit.problems.values_list("description", "category")) == [
        ("用电负荷不够", "energy")
    ]
    assert client.get(response.url).status_code == 200


def test_the_same_form_posted_twice_makes_one_survey(client, cadre, firm, paired):
    client.force_login(cadre)
    url = reverse("visits:visit_create", args=[firm.pk])
    data = survey_post(token=uuid.uuid4(), problems=[problem_data()])

    first = client.post(url, data)
    second = client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Visit.objects.count() == 1
    assert VisitProblem.objects.count() == 1


def test_a_double_clicked_submit_records_the_problems_once(client, cadre, firm, paired):
    client.force_login(cadre)
    url = reverse("visits:visit_create", args=[firm.pk])
    data = survey_post(token=uuid.uuid4(), problems=[problem_data()], action="submit")

    client.post(url, data)
    client.post(url, data)

    assert Visit.objects.get().status == Visit.Status.SUBMITTED
    assert Problem.objects.count() == 1


@pytest.mark.parametrize(
    "field, value",
    [("sales", "-1"), ("vacancies", "-3"), ("financing_amount", "-10"), ("employees", "-1")],
)
def test_negative_figures_are_refused_by_the_form(client, cadre, firm, paired, field, value):
    client.force_login(cadre)

    response = client.post(
        reverse("visits:visit_create", args=[firm.pk]), survey_post(**{field: value})
    )

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Visit.objects.exists()


def test_a_loss_is_accepted_and_reaches_the_firms_figures(client, cadre, firm, paired):
    client.force_login(cadre)

    response = client.post(
        reverse("visits:visit_create", args=[firm.pk]),
        survey_post(profit="-80.5", action="submit"),
    )

    assert response.status_code == 302
    assert Visit.objects.get().profit == Decimal("-80.5")
    assert firm.years.get(year=timezone.localdate().year).profit == Decimal("-80.5")


def test_a_future_date_is_refused_by_the_form(client, cadre, firm, paired):
    client.force_login(cadre)

    response = client.post(
        reverse("visits:visit_create", args=[firm.pk]),
        survey_post(visit_date=days_ago(-1).isoformat()),
    )

    assert response.status_code == 400
    assert "visit_date" in response.context["form"].errors
    assert not Visit.objects.exists()


def test_a_problem_with_a_category_but_no_description_saves_nothing(client, cadre, firm, paired):
    client.force_login(cadre)

    response = client.post(
        reverse("visits:visit_create", args=[firm.pk]),
        survey_post(
            problems=[
                problem_data("有描述的问题"),
                {"description": "", "category": "land", "urgency": "normal"},
            ]
        ),
    )

    assert response.status_code == 400
    formset = response.context["formset"]
    assert not formset.forms[0].errors
    assert "description" in formset.forms[1].errors
    assert not Visit.objects.exists()
    assert not VisitProblem.objects.exists()


def test_an_untouched_empty_problem_row_is_ignored(client, cadre, firm, paired):
    client.force_login(cadre)

    response = client.post(
        reverse("visits:visit_create", args=[firm.pk]),
        survey_post(problems=[{"description": "", "category": "", "urgency": "normal"}]),
    )

    assert response.status_code == 302
    assert Visit.objects.count() == 1 and not VisitProblem.objects.exists()


def test_a_removed_problem_row_is_not_saved(client, cadre, firm, paired):
    client.force_login(cadre)

    client.post(
        reverse("visits:visit_create", args=[firm.pk]),
        survey_post(problems=[problem_data("留下"), {**problem_data("删掉"), "DELETE": "on"}]),
    )

    assert list(VisitProblem.objects.values_list("description", flat=True)) == ["留下"]


def test_cadre_not_paired_with_the_firm_gets_404(client, cadre, firm):
    client.force_login(cadre)
    url = reverse("visits:visit_create", args=[firm.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, survey_post()).status_code == 404
    assert not Visit.objects.exists()


def test_an_ended_pairing_does_not_open_the_form(client, cadre, firm):
    PairingFactory(cadre=cadre, enterprise=firm, start_date=days_ago(60), end_date=days_ago(1))
    client.force_login(cadre)
    url = reverse("visits:visit_create", args=[firm.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, survey_post()).status_code == 404


def test_office_cannot_file_a_survey(client, office, firm):
    client.force_login(office)

    assert client.get(reverse("visits:visit_create", args=[firm.pk])).status_code == 403


def test_the_author_edits_a_draft(client, cadre, firm, paired):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data("旧问题")])
    client.force_login(cadre)
    url = reverse("visits:visit_edit", args=[visit.pk])

    assert client.get(url).status_code == 200
    response = client.post(
        url, survey_post(opinions="希望简化审批", problems=[problem_data("新问题", "approval")])
    )

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.opinions == "希望简化审批"
    assert list(visit.problems.values_list("description", flat=True)) == ["新问题"]
    assert Visit.objects.count() == 1


@pytest.mark.parametrize("met, checked", [(True, "1"), (False, "0")])
def test_the_edit_form_shows_whether_the_principal_was_met(
    client, cadre, firm, paired, met, checked
):
    visit = visit_make(author=cadre, enterprise=firm, met_principal=met)
    client.force_login(cadre)

    form = client.get(reverse("visits:visit_edit", args=[visit.pk])).context["form"]

    assert [c.data["value"] for c in form["met_principal"] if c.data["selected"]] == [checked]


def test_another_cadre_cannot_edit_a_draft(client, cadre, firm, paired, make_user):
    visit = visit_make(author=cadre, enterprise=firm)
    colleague = make_user(Role.CADRE, unit=cadre.unit)
    PairingFactory(cadre=colleague, enterprise=firm)
    client.force_login(colleague)
    url = reverse("visits:visit_edit", args=[visit.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, survey_post(opinions="改了")).status_code == 404
    assert client.post(reverse("visits:visit_submit", args=[visit.pk])).status_code == 404
    visit.refresh_from_db()
    assert visit.opinions == "" and visit.is_draft


def test_a_submitted_survey_cannot_be_edited(client, cadre, firm, paired):
    visit = visit_make(author=cadre, enterprise=firm, submit=True)
    client.force_login(cadre)
    url = reverse("visits:visit_edit", args=[visit.pk])
    detail = reverse("visits:visit_detail", args=[visit.pk])

    assert client.get(url).url == detail
    response = client.post(url, survey_post(opinions="改了"))

    assert response.status_code == 302 and response.url == detail
    visit.refresh_from_db()
    assert visit.opinions == ""


def test_submitting_a_draft_from_its_page(client, cadre, firm, paired):
    visit = visit_make(author=cadre, enterprise=firm, problems=[problem_data()])
    client.force_login(cadre)

    response = client.post(reverse("visits:visit_submit", args=[visit.pk]))
    client.post(reverse("visits:visit_submit", args=[visit.pk]))

    assert response.status_code == 302
    assert Visit.objects.get().status == Visit.Status.SUBMITTED
    assert Problem.objects.count() == 1


# --- Who sees which visits -------------------------------------------------------------------


@pytest.fixture
def visits(cadre, firm, paired, make_user, department):
    """The cadre's draft and submitted survey of the firm, and a submitted survey by a cadre of
    another unit of another firm."""
    other_unit = UnitFactory(name="住建局", kind=Unit.Kind.DEPARTMENT)
    outsider = make_user(Role.CADRE, username="cadre9", unit=other_unit)
    other_firm = EnterpriseFactory(name="外单位挂钩企业", town=firm.town)
    PairingFactory(cadre=outsider, enterprise=other_firm)
    return {
        "draft": visit_make(author=cadre, enterprise=firm),
        "submitted": visit_make(author=cadre, enterprise=firm, visit_date=days_ago(5), submit=True),
        "other_unit": visit_make(author=outsider, enterprise=other_firm, submit=True),
        "outsider": outsider,
    }


def visible(user) -> set:
    return set(visits_visible_to(user).values_list("pk", flat=True))


def test_the_author_sees_own_drafts_and_submitted_surveys(cadre, visits):
    assert visible(cadre) == {visits["draft"].pk, visits["submitted"].pk}


def test_a_cadre_paired_with_the_same_firm_sees_submitted_but_not_drafts(
    make_user, firm, visits, department
):
    colleague = make_user(Role.CADRE, unit=department)
    PairingFactory(cadre=colleague, enterprise=firm)

    assert visible(colleague) == {visits["submitted"].pk}


def test_an_ended_pairing_hides_the_firms_visits(make_user, firm, visits, department):
    former = make_user(Role.CADRE, unit=department)
    PairingFactory(cadre=former, enterprise=firm, start_date=days_ago(90), end_date=days_ago(1))

    assert visible(former) == set()


def test_an_unrelated_cadre_sees_nothing(client, make_user, visits):
    stranger = make_user(Role.CADRE)

    assert visible(stranger) == set()
    client.force_login(stranger)
    for key in ("draft", "submitted"):
        url = reverse("visits:visit_detail", args=[visits[key].pk])
        assert client.get(url).status_code == 404


def test_unit_leader_sees_the_units_submitted_visits(client, unit_leader, visits):
    assert visible(unit_leader) == {visits["submitted"].pk}

    client.force_login(unit_leader)
    assert (
        client.get(reverse("visits:visit_detail", args=[visits["submitted"].pk])).status_code == 200
    )
    assert client.get(reverse("visits:visit_detail", args=[visits["draft"].pk])).status_code == 404
    url = reverse("visits:visit_detail", args=[visits["other_unit"].pk])
    assert client.get(url).status_code == 404


def test_office_sees_every_submitted_visit_but_no_ones_draft(office, visits):
    assert visible(office) == {visits["submitted"].pk, visits["other_unit"].pk}


def test_visit_list_shows_a_cadre_only_own_surveys(client, cadre, make_user, firm, visits):
    colleague = make_user(Role.CADRE, unit=cadre.unit)
    PairingFactory(cadre=colleague, enterprise=firm)
    theirs = visit_make(author=colleague, enterprise=firm, submit=True)
    client.force_login(cadre)

    page = client.get(reverse("visits:visit_list")).context["page"]

    assert {v.pk for v in page} == {visits["draft"].pk, visits["submitted"].pk}
    assert theirs.pk in visible(cadre)  # readable from the firm's file, not listed as "mine"


def test_visit_list_shows_a_unit_leader_the_units_surveys(client, unit_leader, visits):
    client.force_login(unit_leader)

    page = client.get(reverse("visits:visit_list")).context["page"]

    assert {v.pk for v in page} == {visits["submitted"].pk}


def test_visit_list_shows_the_office_every_submitted_survey(client, office, visits):
    client.force_login(office)

    page = client.get(reverse("visits:visit_list")).context["page"]

    assert {v.pk for v in page} == {visits["submitted"].pk, visits["other_unit"].pk}


def test_visit_list_is_closed_to_users_without_a_visit_role(client, make_user):
    client.force_login(make_user(Role.HANDLER))

    assert client.get(reverse("visits:visit_list")).status_code == 403


def test_visit_list_has_a_fixed_number_of_queries(
    client, office, cadre, firm, paired, django_assert_max_num_queries
):
    for n in range(3):
        visit_make(author=cadre, enterprise=firm, visit_date=days_ago(n), submit=True)
    client.force_login(office)
    url = reverse("visits:visit_list")
    client.get(url)
    few = count_queries(client, url)
    for n in range(3, 30):
        visit_make(
            author=cadre,
            enterprise=firm,
            visit_date=days_ago(n),
            problems=[problem_data()],
            submit=True,
        )

    with django_assert_max_num_queries(few):
        page = client.get(url)
    assert len(page.context["page"]) == 30


# --- Which firms a cadre or unit leader reaches ----------------------------------------------


def test_a_cadre_sees_only_actively_paired_firms(client, cadre, firm, paired, town):
    ended = EnterpriseFactory(name="曾挂钩企业", town=town)
    PairingFactory(cadre=cadre, enterprise=ended, start_date=days_ago(90), end_date=days_ago(1))
    other = EnterpriseFactory(name="别人的企业", town=town)

    assert set(enterprises_visible_to(cadre)) == {firm}
    client.force_login(cadre)
    assert client.get(reverse("enterprises:detail", args=[firm.pk])).status_code == 200
    assert client.get(reverse("enterprises:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("enterprises:detail", args=[ended.pk])).status_code == 404


def test_a_unit_leader_sees_the_firms_paired_with_the_unit(
    client, unit_leader, firm, paired, make_user, town
):
    other_unit = UnitFactory(name="商务局", kind=Unit.Kind.DEPARTMENT)
    theirs = EnterpriseFactory(town=town)
    PairingFactory(cadre=make_user(Role.CADRE, unit=other_unit), enterprise=theirs)

    assert set(enterprises_visible_to(unit_leader)) == {firm}
    client.force_login(unit_leader)
    assert client.get(reverse("enterprises:detail", args=[firm.pk])).status_code == 200
    assert client.get(reverse("enterprises:detail", args=[theirs.pk])).status_code == 404


def test_the_firm_file_shows_pairings_visits_and_the_fill_in_link_for_the_paired_cadre(
    client, cadre, firm, paired, visits
):
    client.force_login(cadre)

    page = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()

    assert cadre.name in page and cadre.unit.name in page  # the pairing
    assert days_ago(5).strftime("%Y-%m-%d") in page  # the submitted visit
    assert reverse("visits:visit_detail", args=[visits["draft"].pk]) in page  # own draft too
    assert reverse("visits:visit_create", args=[firm.pk]) in page


def test_the_firm_file_has_no_fill_in_link_for_others(client, office, unit_leader, firm, visits):
    for user in (office, unit_leader):
        client.force_login(user)

        page = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()

        assert reverse("visits:visit_create", args=[firm.pk]) not in page
        assert reverse("visits:visit_detail", args=[visits["submitted"].pk]) in page
        assert reverse("visits:visit_detail", args=[visits["draft"].pk]) not in page


def test_the_firm_file_of_a_former_pairing_has_no_fill_in_link(client, office, cadre, firm):
    PairingFactory(cadre=cadre, enterprise=firm, start_date=days_ago(90), end_date=days_ago(1))
    client.force_login(office)

    page = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()

    assert cadre.name in page
    assert reverse("visits:visit_create", args=[firm.pk]) not in page


# --- My paired firms -------------------------------------------------------------------------


def test_my_firms_lists_paired_firms_with_last_visit_and_due_flag(
    client, cadre, office, town, make_user
):
    due, visited, untargeted = (
        EnterpriseFactory(name="待访企业", town=town),
        EnterpriseFactory(name="已访企业", town=town),
        EnterpriseFactory(name="非目标企业", town=town, size_class=Enterprise.SizeClass.BELOW),
    )
    for firm in (due, visited, untargeted):
        PairingFactory(cadre=cadre, enterprise=firm)
    past = campaign_make(
        actor=office, name="上一轮", start_date=days_ago(60), end_date=days_ago(30)
    )
    visit_make(author=cadre, enterprise=untargeted, visit_date=days_ago(40), submit=True)
    current = campaign_make(actor=office, size_classes=[Enterprise.SizeClass.ABOVE])
    visit_make(
        author=cadre, enterprise=visited, campaign=current, visit_date=days_ago(3), submit=True
    )
    visit_make(author=cadre, enterprise=due)  # a draft is not a visit
    stranger_firm = EnterpriseFactory(name="他人企业", town=town)
    PairingFactory(cadre=make_user(Role.CADRE), enterprise=stranger_firm)
    assert past.targets.filter(enterprise=untargeted, visited_on__isnull=True).exists()
    client.force_login(cadre)

    response = client.get(reverse("visits:my_firms"))

    rows = {
        p.enterprise.name: (p.last_visit, p.visit_due, p.has_draft)
        for p in response.context["pairings"]
    }
    assert rows == {
        "待访企业": (None, True, True),
        "已访企业": (days_ago(3), False, False),
        "非目标企业": (days_ago(40), False, False),
    }
    assert response.context["pairings"][0].enterprise.name == "待访企业"
    assert response.context["due_count"] == 1
    page = response.content.decode()
    assert days_ago(3).strftime("%Y-%m-%d") in page
    assert "他人企业" not in page


def test_my_firms_lists_due_firms_first_then_the_longest_unvisited(client, cadre, office, town):
    recent, never, long_ago = (
        EnterpriseFactory(name="最近走访", town=town),
        EnterpriseFactory(name="从未走访", town=town),
        EnterpriseFactory(name="很久以前", town=town),
    )
    for firm in (recent, never, long_ago):
        PairingFactory(cadre=cadre, enterprise=firm)
    visit_make(author=cadre, enterprise=recent, visit_date=days_ago(2), submit=True)
    visit_make(author=cadre, enterprise=long_ago, visit_date=days_ago(80), submit=True)
    due = EnterpriseFactory(name="本轮待访", town=town, size_class=Enterprise.SizeClass.LARGE)
    PairingFactory(cadre=cadre, enterprise=due)
    visit_make(author=cadre, enterprise=due, visit_date=days_ago(1), submit=True)
    campaign_make(actor=office, size_classes=[Enterprise.SizeClass.LARGE])

    assert [p.enterprise.name for p in my_paired_firms(cadre)] == [
        "本轮待访",
        "从未走访",
        "很久以前",
        "最近走访",
    ]


def test_my_firms_counts_another_cadres_visit_as_the_last_visit(cadre, firm, paired, make_user):
    colleague = make_user(Role.CADRE, unit=cadre.unit)
    PairingFactory(cadre=colleague, enterprise=firm)
    visit_make(author=colleague, enterprise=firm, visit_date=days_ago(7), submit=True)

    assert my_paired_firms(cadre).get().last_visit == days_ago(7)


def test_my_firms_has_a_fixed_number_of_queries(
    client, cadre, office, town, django_assert_max_num_queries
):
    def add_firms(count):
        for _ in range(count):
            firm = EnterpriseFactory(town=town)
            PairingFactory(cadre=cadre, enterprise=firm)
            visit_make(author=cadre, enterprise=firm, visit_date=days_ago(2), submit=True)
            visit_make(author=cadre, enterprise=firm, problems=[problem_data()])

    add_firms(3)
    campaign_make(actor=office)
    client.force_login(cadre)
    url = reverse("visits:my_firms")
    client.get(url)
    few = count_queries(client, url)
    add_firms(27)

    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["pairings"]) == 30


# --- Campaign and pairing pages --------------------------------------------------------------


def test_campaign_detail_has_a_fixed_number_of_queries(
    client, office, make_user, django_assert_max_num_queries
):
    def add_firms(start, count):
        for n in range(start, start + count):
            town = TownFactory(name=f"镇{n}", sort_order=n)
            unit = UnitFactory(name=f"部门{n}", kind=Unit.Kind.DEPARTMENT)
            PairingFactory(
                cadre=make_user(Role.CADRE, unit=unit), enterprise=EnterpriseFactory(town=town)
            )
            EnterpriseFactory(town=town)  # unpaired

    add_firms(0, 3)
    few_campaign = campaign_make(actor=office, name="三家")
    add_firms(3, 27)
    many_campaign = campaign_make(actor=office, name="三十家")
    client.force_login(office)
    client.get(reverse("visits:campaign_detail", args=[few_campaign.pk]))
    few = count_queries(client, reverse("visits:campaign_detail", args=[few_campaign.pk]))

    with django_assert_max_num_queries(few):
        response = client.get(reverse("visits:campaign_detail", args=[many_campaign.pk]))
    assert response.context["coverage"]["total"] == 60
    assert len(response.context["coverage"]["units"]) == 31  # 30 departments and "no pairing"


def test_pairing_coverage_lists_unpaired_firms_with_a_fixed_number_of_queries(
    client, office, cadre, town, django_assert_max_num_queries
):
    def add_firms(count):
        for _ in range(count):
            PairingFactory(cadre=cadre, enterprise=EnterpriseFactory(town=town))
            EnterpriseFactory(town=town, name=f"未挂钩{uuid.uuid4().hex[:6]}")

    add_firms(3)
    client.force_login(office)
    url = reverse("visits:pairing_coverage")
    client.get(url)
    few = count_queries(client, url)
    add_firms(27)

    with django_assert_max_num_queries(few):
        response = client.get(url)
    unpaired = [f.name for f in response.context["page"]]
    assert len(unpaired) == 30 and all(name.startswith("未挂钩") for name in unpaired)
    totals = response.context["coverage"]["totals"]
    assert (totals["firms"], totals["covered"], totals["uncovered"], totals["rate"]) == (
        60,
        30,
        30,
        50.0,
    )


def test_pairing_coverage_counts_per_tier_and_ignores_ended_and_closed(
    client, office, cadre, town, make_user
):
    PairingFactory(cadre=cadre, enterprise=EnterpriseFactory(town=town))
    PairingFactory(cadre=cadre, enterprise=EnterpriseFactory(town=town), tier=Pairing.Tier.TOWN)
    ended = EnterpriseFactory(name="脱钩企业", town=town)
    PairingFactory(cadre=cadre, enterprise=ended, start_date=days_ago(90), end_date=days_ago(1))
    closed = EnterpriseFactory(name="关停企业", town=town, status=Enterprise.Status.CLOSED)
    PairingFactory(cadre=cadre, enterprise=closed)
    client.force_login(office)

    response = client.get(reverse("visits:pairing_coverage"))

    coverage = response.context["coverage"]
    assert (coverage["totals"]["firms"], coverage["totals"]["covered"]) == (3, 2)
    tiers = {row["tier"]: row["firms"] for row in coverage["tiers"]}
    assert tiers == {"city_leader": 0, "department": 1, "town": 1}
    assert [f.name for f in response.context["page"]] == ["脱钩企业"]


CAMPAIGN_AND_PAIRING_PAGES = [
    ("visits:campaign_list", False),
    ("visits:campaign_create", False),
    ("visits:campaign_detail", True),
    ("visits:campaign_edit", True),
    ("visits:campaign_targets", True),
    ("visits:pairing_list", False),
    ("visits:pairing_coverage", False),
]


@pytest.mark.parametrize("name, needs_campaign", CAMPAIGN_AND_PAIRING_PAGES)
def test_campaign_and_pairing_pages_are_for_the_office(
    client, cadre, unit_leader, office, name, needs_campaign
):
    args = [campaign_make(actor=office).pk] if needs_campaign else []
    url = reverse(name, args=args)

    for user in (cadre, unit_leader):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(office)
    assert client.get(url).status_code == 200


def test_problem_list_is_for_the_office(client, cadre, office):
    url = reverse("issues:problem_list")
    client.force_login(cadre)
    assert client.get(url).status_code == 403
    client.force_login(office)
    assert client.get(url).status_code == 200


def test_the_campaign_list_shows_each_campaigns_coverage(client, office, cadre, firm, paired):
    EnterpriseFactory(town=firm.town)
    campaign = campaign_make(actor=office)
    visit_make(author=cadre, enterprise=firm, campaign=campaign, submit=True)
    client.force_login(office)

    listed = client.get(reverse("visits:campaign_list")).context["campaigns"]

    assert [(c.target_count, c.visited_count, c.rate) for c in listed] == [(2, 1, 50.0)]


def test_pairing_list_filters_by_state(client, office, cadre, firm, paired, town):
    former = EnterpriseFactory(name="脱钩企业", town=town)
    PairingFactory(cadre=cadre, enterprise=former, start_date=days_ago(90), end_date=days_ago(1))
    client.force_login(office)
    url = reverse("visits:pairing_list")

    def listed(**params):
        return {p.enterprise.name for p in client.get(url, params).context["page"]}

    assert listed() == {firm.name}
    assert listed(state="ended") == {"脱钩企业"}
    assert listed(state="all") == {firm.name, "脱钩企业"}


def test_administrators_import_pairings_and_read_their_coverage(client, make_user, office):
    from core.roles import Role

    admin = make_user(Role.ADMIN, is_staff=True)
    client.force_login(admin)
    for name in ("visits:pairing_import", "visits:pairing_coverage", "visits:pairing_list"):
        assert client.get(reverse(name)).status_code == 200
    # Campaigns stay the office's business.
    assert client.get(reverse("visits:campaign_list")).status_code == 403


def test_a_cadre_sees_replies_awaiting_the_firms_rating_and_records_it(
    client, cadre, firm, paired, make_user
):
    from core.models import Unit
    from core.tests.factories import UnitFactory
    from issues.models import Slip
    from issues.services import batch_open, problem_create, slip_feed_back, slip_issue
    from issues.tests.helpers import reach

    office = make_user(Role.OFFICE, username="office9")
    unit = UnitFactory(name="供电公司", kind=Unit.Kind.DEPARTMENT)
    lead = make_user(Role.HANDLER, username="lead9", unit=unit)
    problem = problem_create(
        enterprise=firm,
        channel="visit",
        description="变压器增容",
        category="energy",
        urgency="normal",
        raised_by=cadre,
    )
    slip = slip_issue(
        problem=problem,
        batch=batch_open(actor=office),
        lead_unit=unit,
        co_units=[],
        requirement="请办理",
        days=5,
        actor=office,
    )
    slip = reach(slip, Slip.Status.REPLIED, lead=lead, office=office)
    slip_feed_back(slip=slip, actor=office, method="phone")
    client.force_login(cadre)

    listed = client.get(reverse("visits:my_firms")).context["to_rate"]
    assert [s.pk for s in listed] == [slip.pk]
    response = client.post(
        reverse("issues:slip_action", args=[slip.pk, "rate"]), {"rate-rating": "satisfied"}
    )
    assert response.status_code == 302
    slip.refresh_from_db()
    assert slip.status == Slip.Status.CLOSED and slip.rated_by == cadre and not slip.rated_by_firm
