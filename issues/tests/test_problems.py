"""problem_create, who sees which problems, and the office's problem inbox."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core.models import AuditEvent
from core.roles import Role
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from issues.models import Category, Problem, Urgency
from issues.selectors import problems_visible_to
from issues.services import problem_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office1", name="陈静")


@pytest.fixture
def town(db):
    return TownFactory(name="锦城街道", sort_order=1)


@pytest.fixture
def firm(town):
    return EnterpriseFactory(name="临安奥星电子有限公司", town=town)


def record(*, enterprise, raised_by, description="厂房用地紧张", **overrides) -> Problem:
    values = {
        "channel": Problem.Channel.VISIT,
        "category": Category.LAND,
        "urgency": Urgency.NORMAL,
    }
    values.update(overrides)
    return problem_create(
        enterprise=enterprise, raised_by=raised_by, description=description, **values
    )


# --- problem_create --------------------------------------------------------------------------


def test_problem_create_records_a_new_problem_and_audits_it(cadre, firm):
    raised_at = timezone.now() - datetime.timedelta(days=2)

    problem = record(
        enterprise=firm,
        raised_by=cadre,
        description="  贷款利率高  ",
        category=Category.FINANCING,
        urgency=Urgency.URGENT,
        raised_at=raised_at,
        met_face_to_face=True,
        ip_address="10.0.0.9",
    )

    problem.refresh_from_db()
    assert problem.description == "贷款利率高"
    assert (problem.status, problem.channel, problem.category, problem.urgency) == (
        "new",
        "visit",
        "financing",
        "urgent",
    )
    assert problem.met_face_to_face and problem.raised_by == cadre
    assert problem.raised_at == raised_at
    event = AuditEvent.objects.get(action="problem.create")
    assert event.actor == cadre and event.object_id == str(problem.pk)
    assert event.after["met_face_to_face"] is True and event.ip_address == "10.0.0.9"


@pytest.mark.parametrize("description", ["", "   \n "])
def test_a_problem_needs_a_description(cadre, firm, description):
    with pytest.raises(ValidationError) as caught:
        record(enterprise=firm, raised_by=cadre, description=description)
    assert "description" in caught.value.message_dict
    assert not Problem.objects.exists()
    assert not AuditEvent.objects.filter(action="problem.create").exists()


def test_unknown_category_channel_or_urgency_is_refused(cadre, firm):
    for bad in ({"category": "weather"}, {"channel": "pigeon"}, {"urgency": "whenever"}):
        with pytest.raises(ValidationError):
            record(enterprise=firm, raised_by=cadre, **bad)
    assert not Problem.objects.exists()


def test_a_problem_may_be_recorded_without_a_person(firm):
    problem = record(enterprise=firm, raised_by=None, channel=Problem.Channel.HOTLINE)

    assert problem.raised_by is None
    assert AuditEvent.objects.get(action="problem.create").actor is None


# --- Who sees which problems -----------------------------------------------------------------


def test_office_and_leaders_see_every_problem_a_cadre_only_own(make_user, office, cadre, firm):
    colleague = make_user(Role.CADRE)
    leader = make_user(Role.LEADER)
    handler = make_user(Role.HANDLER)
    mine = record(enterprise=firm, raised_by=cadre)
    theirs = record(enterprise=firm, raised_by=colleague)
    hotline = record(enterprise=firm, raised_by=None, channel=Problem.Channel.HOTLINE)

    assert set(problems_visible_to(office)) == {mine, theirs, hotline}
    assert set(problems_visible_to(leader)) == {mine, theirs, hotline}
    assert set(problems_visible_to(cadre)) == {mine}
    assert set(problems_visible_to(handler)) == set()


# --- The inbox -------------------------------------------------------------------------------


@pytest.fixture
def inbox(cadre, firm, make_user):
    qingshan = TownFactory(name="青山湖街道", sort_order=2)
    other_firm = EnterpriseFactory(name="杭叉集团", town=qingshan)
    return {
        "land": record(enterprise=firm, raised_by=cadre, description="厂房用地紧张"),
        "loan": record(
            enterprise=other_firm,
            raised_by=cadre,
            description="贷款难",
            category=Category.FINANCING,
            urgency=Urgency.URGENT,
        ),
        "hotline": record(
            enterprise=other_firm,
            raised_by=None,
            description="道路拥堵",
            category=Category.TRANSPORT,
            channel=Problem.Channel.HOTLINE,
        ),
        "qingshan": qingshan,
    }


def listed(client, **params) -> set[str]:
    response = client.get(reverse("issues:problem_list"), params)
    assert response.status_code == 200
    return {p.description for p in response.context["page"]}


def test_problem_list_shows_every_problem_with_its_status(client, office, inbox):
    client.force_login(office)

    response = client.get(reverse("issues:problem_list"))

    page = response.content.decode()
    assert all(text in page for text in ("厂房用地紧张", "贷款难", "道路拥堵"))
    assert gettext(Problem.Status.NEW.label) in page
    assert response.context["page"].paginator.count == 3


def test_problem_list_filters(client, office, inbox):
    client.force_login(office)

    assert listed(client, q="贷款") == {"贷款难"}
    assert listed(client, q="杭叉") == {"贷款难", "道路拥堵"}
    assert listed(client, channel="hotline") == {"道路拥堵"}
    assert listed(client, category="land") == {"厂房用地紧张"}
    assert listed(client, urgency="urgent") == {"贷款难"}
    assert listed(client, town=inbox["qingshan"].pk) == {"贷款难", "道路拥堵"}
    assert listed(client, status="new") == {"厂房用地紧张", "贷款难", "道路拥堵"}
    assert listed(client, status="new", channel="visit", town=inbox["qingshan"].pk) == {"贷款难"}


def test_problem_list_has_a_fixed_number_of_queries(
    client, office, cadre, town, django_assert_max_num_queries
):
    def add(count):
        for n in range(count):
            record(enterprise=EnterpriseFactory(town=town), raised_by=cadre, description=f"问题{n}")

    add(3)
    client.force_login(office)
    url = reverse("issues:problem_list")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    add(27)

    with django_assert_max_num_queries(len(queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 30
