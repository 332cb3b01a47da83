"""督查驾驶舱: the dashboard's figures against a hand count, the previous period's figures, the
filters, the lists behind each figure and chart bar, who sees what, a query count that does not
grow with the data, and 挂表督办 (a key problem listed for supervision).

The hand-counted world (``world``) is the first quarter of 2026, with the last quarter of 2025
before it and one slip just after it. Unit A is 经信局 (handler 李明), unit B is 供电公司
(handler 张伟); town T1 is 锦城街道, T2 青山湖街道; batches b1 and b2; the special action SA.
"met" is the problem's own met_face_to_face (met at the visit); "contact" a unit's face-to-face
contact recorded on the slip.

==== ==== ==== ====== ===== === ==== =========================================== ====== =======
slip unit town cat.   batch SA  tier state today                                 met    contact
==== ==== ==== ====== ===== === ==== =========================================== ====== =======
s1   A    T1   energy b1        1    closed on time, 满意, fed back               met
s2   A    T1   land   b1        1    closed LATE (replied after deadline), 基本满意         contact
s3   B    T2   energy b2        1    closed 未评价 (no rating in time), on time
s4   B    T2   land   b2        1    不满意 -> reopened -> replied -> closed 满意     met
s5   A    T2   energy b1    SA  1    extended; replied after the ORIGINAL deadline
                                     but by the extended one -> on time, 满意
s6   A    T1   energy b2    SA  1    signed, deadline passed -> OVERDUE
s7   B    T1   land   b1        2    escalated, deadline passed -> OVERDUE         met
s8   A    T2   energy b1        1    replied on time, deadline passed since
                                     (waits on the office: not overdue)
s9   B    T2   energy b2        1    signed, not yet due; issued 2026-01-01 00:15         contact
s10  A    T1   energy b1        1    WITHDRAWN (not issued)
s11  B    T2   energy b1        1    不满意 -> reopened (rated, not satisfied)
s12  A    T2   land   b2        1    RETURNED, problem back to sorting (not issued)
pr12 -    T1   energy -             (a problem with no slip)                     met
out  A    T1   energy b1        1    issued 2026-04-01 00:30 (Q2): counted nowhere
==== ==== ==== ====== ===== === ==== =========================================== ====== =======

2026-Q1 by hand: issued 10 (s1-s9, s11); closed 5 (s1-s5) = 50.0%; closed on time 4 (s1, s3,
s4, s5) = 80.0%; replied 6 (s1-s5, s8), fed back 5 = 83.3%; rated 5 (s1, s2, s4, s5, s11),
satisfied 4 = 80.0%; overdue among them 2 (s6, s7); open 5 (s6-s9, s11). Problems raised 13
(pr1-pr13), met 6 (pr1, pr2, pr4, pr7, pr9, pr12) = 46.2%.

Overdue now — the dashboard's figure, list and unit chart: the backlog today whenever issued:
s6, s7, out (Q2) and q2 (2025-Q4) = 4; A has s6 and out, B s7 and q2.

2025-Q4 (q1-q3): q1 A T1 closed on time 满意 met; q2 B T2 signed overdue; q3 A T2 closed 未评价
on time. Issued 3, closed 2 = 66.7%, on time 2 = 100.0%, fed back 2 / replied 2 = 100.0%,
satisfied 1 / rated 1 = 100.0%, overdue 1; problems 3, met 1 = 33.3%.
"""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from issues import audit
from issues.models import Category, Problem, Slip, SpecialAction
from issues.services import (
    batch_open,
    problem_answer,
    problem_decline,
    problem_merge,
    problem_supervision_set,
    slip_contact,
    slip_issue,
    slip_rate,
)
from issues.services.slips import slip_close_unrated
from issues.tests.conftest import new_problem
from issues.tests.helpers import reach, take
from visits.tests.factories import PairingFactory, campaign_make, visit_make

from .helpers import TZ

pytestmark = pytest.mark.django_db

S = Slip.Status
DAY = datetime.timedelta(days=1)
PERIOD, PREVIOUS = "2026-Q1", "2025-Q4"
DASHBOARD = "supervision:dashboard"
SLIPS = "supervision:dashboard_slips"
PROBLEMS = "supervision:dashboard_problems"
TARGETS = "supervision:dashboard_targets"
CJK = re.compile(r"[\u4e00-\u9fff]")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TZ)


def today() -> datetime.date:
    return timezone.localdate()


# --- Building slips the way the product does -------------------------------------------------


def issue(w, *, unit, firm, category=Category.ENERGY, batch=None, when, met=False, sa=None):
    """A problem raised ``when`` and its slip issued then (the service stamps now: the row is
    moved to ``when`` after)."""
    problem = new_problem(firm, w.office, category=category, met_face_to_face=met, raised_at=when)
    if sa is not None:
        Problem.objects.filter(pk=problem.pk).update(special_action=sa)
    slip = slip_issue(
        problem=problem,
        batch=batch or w.b1,
        lead_unit=unit,
        co_units=[],
        requirement="请于规定时限内协调解决。",
        days=5,
        actor=w.office,
    )
    Slip.objects.filter(pk=slip.pk).update(issued_at=when)
    slip.refresh_from_db()
    return slip


def handler_of(w, slip):
    return w.lead if slip.lead_unit_id == w.unit_a.pk else w.co


def to(w, slip, state):
    return reach(slip, state, lead=handler_of(w, slip), office=w.office)


def steps(w, slip, *actions):
    for action in actions:
        who = handler_of(w, slip) if action in {"sign", "reply", "request_extension"} else w.office
        slip = take(slip, action, who)
    slip.refresh_from_db()
    return slip


def set_deadline(slip, day: datetime.date, *, original=True):
    fields = {"deadline": day}
    if original:
        fields["original_deadline"] = day
    Slip.objects.filter(pk=slip.pk).update(**fields)
    slip.refresh_from_db()
    return slip


def close_unrated(w, slip):
    """Replied on time, fed back, then closed 未评价 by the system (no rating in time)."""
    slip = to(w, slip, S.FED_BACK)
    slip = slip_close_unrated(slip=slip, days=5)
    slip.refresh_from_db()
    assert (slip.status, slip.rating, slip.closed_on_time) == (S.CLOSED, "unrated", True)
    return slip


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def people(make_user, office, lead, co, lead_unit, co_unit):
    return SimpleNamespace(
        leader=make_user(Role.LEADER, username="cityleader", name="市领导甲"),
        office=office,
        lead=lead,
        co=co,
        unit_leader=make_user(Role.UNIT_LEADER, username="jx_head", unit=lead_unit),
        co_leader=make_user(Role.UNIT_LEADER, username="gd_head", unit=co_unit),
        cadre=make_user(Role.CADRE, username="cadre9", name="王干部"),
        enterprise_user=make_user(
            Role.ENTERPRISE,
            username="firm9",
            unit=UnitFactory(name="某企业", kind=Unit.Kind.ENTERPRISE),
        ),
    )


@pytest.fixture
def world(people, town, firm, lead_unit, co_unit, batch):
    t2 = TownFactory(name="青山湖街道", sort_order=2)
    w = SimpleNamespace(
        **vars(people),
        unit_a=lead_unit,
        unit_b=co_unit,
        t1=town,
        t2=t2,
        f1=firm,
        f2=EnterpriseFactory(name="青山湖塑业有限公司", town=t2),
        b1=batch,
        sa=SpecialAction.objects.create(name="惠企政策直达专项"),
    )
    w.b2 = batch_open(actor=w.office)
    A, B, L = w.unit_a, w.unit_b, Category.LAND
    past = today() - 5 * DAY
    s = {}

    s[1] = to(w, issue(w, unit=A, firm=w.f1, when=at("2026-01-10"), met=True), S.CLOSED)

    s[2] = issue(w, unit=A, firm=w.f1, category=L, when=at("2026-01-20"))
    s[2] = to(w, s[2], S.SIGNED)
    slip_contact(slip=s[2], actor=w.lead, met=True, text="到企业当面了解情况")
    s[2] = set_deadline(s[2], past)  # the deadline passed before the reply: late
    s[2] = steps(w, s[2], "reply", "feed_back")
    slip_rate(slip=s[2], actor=w.office, rating=Slip.Rating.BASIC, comment="基本满意")

    s[3] = close_unrated(w, issue(w, unit=B, firm=w.f2, batch=w.b2, when=at("2026-02-03")))

    s[4] = issue(w, unit=B, firm=w.f2, category=L, batch=w.b2, when=at("2026-02-14"), met=True)
    s[4] = to(w, s[4], S.REOPENED)
    s[4] = steps(w, s[4], "reply", "feed_back", "rate_close")

    s[5] = issue(w, unit=A, firm=w.f2, when=at("2026-02-20"), sa=w.sa)
    s[5] = steps(w, s[5], "sign", "request_extension", "approve_extension")
    # The original deadline lies before the reply (made today), the extended one after it.
    Slip.objects.filter(pk=s[5].pk).update(original_deadline=today() - 2 * DAY)
    s[5] = steps(w, s[5], "reply", "feed_back", "rate_close")

    s[6] = set_deadline(
        to(w, issue(w, unit=A, firm=w.f1, batch=w.b2, when=at("2026-03-01"), sa=w.sa), S.SIGNED),
        past,
    )
    s[7] = issue(w, unit=B, firm=w.f1, category=L, when=at("2026-03-05"), met=True)
    s[7] = set_deadline(to(w, s[7], S.ESCALATED), past)
    s[8] = set_deadline(to(w, issue(w, unit=A, firm=w.f2, when=at("2026-03-10")), S.REPLIED), past)

    s[9] = issue(w, unit=B, firm=w.f2, batch=w.b2, when=at("2026-01-01", 0, 15))
    s[9] = to(w, s[9], S.SIGNED)
    slip_contact(slip=s[9], actor=w.co, met=True, text="到企业当面沟通")
    s[10] = to(w, issue(w, unit=A, firm=w.f1, when=at("2026-03-20")), S.WITHDRAWN)
    s[11] = to(w, issue(w, unit=B, firm=w.f2, when=at("2026-03-25")), S.REOPENED)
    s[12] = issue(w, unit=A, firm=w.f2, category=L, batch=w.b2, when=at("2026-03-31", 23, 30))
    s[12] = to(w, s[12], S.RETURNED)
    pr12 = new_problem(w.f1, w.office, met_face_to_face=True, raised_at=at("2026-02-01"))

    # Just after the quarter, in Lin'an time (still 2026-03-31 in UTC).
    w.out = set_deadline(
        to(w, issue(w, unit=A, firm=w.f1, when=at("2026-04-01", 0, 30)), S.SIGNED), past
    )

    # The quarter before.
    q = {}
    q[1] = to(w, issue(w, unit=A, firm=w.f1, when=at("2025-10-15"), met=True), S.CLOSED)
    q[2] = set_deadline(to(w, issue(w, unit=B, firm=w.f2, when=at("2025-11-15")), S.SIGNED), past)
    q[3] = close_unrated(w, issue(w, unit=A, firm=w.f2, when=at("2025-12-31", 23, 50)))

    w.s = {n: Slip.objects.get(pk=slip.pk) for n, slip in s.items()}
    w.q = q
    w.pr = {n: slip.problem for n, slip in w.s.items()}
    # pr12 is the problem without a slip; s12's problem is pr13.
    w.pr[12], w.pr[13] = pr12, w.s[12].problem
    return w


def pks(*slips_or_problems) -> set[int]:
    return {x.pk for x in slips_or_problems}


def slip_set(w, *numbers) -> set[int]:
    return {w.s[n].pk for n in numbers}


def overdue_now(w) -> set[int]:
    """Overdue today, whenever issued: s6, s7, out and q2."""
    return slip_set(w, 6, 7) | {w.out.pk, w.q[2].pk}


def get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def board_of(client, user, **params):
    response = get(client, user, DASHBOARD, **params)
    assert response.status_code == 200
    return response.context["board"]


def figures(board) -> dict:
    """{key: (value, previous, part, whole)}"""
    return {k: (f.value, f.previous, f.part, f.whole) for k, f in board.figures.items()}


def listed(client, user, name, **params) -> set[int]:
    response = get(client, user, name, **params)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.num_pages == 1, "the fixture stays under one page"
    return {x.pk for x in page.object_list}


# --- 1. The figures against the hand count -------------------------------------------------------


def test_the_world_is_as_the_table_says(world):
    s = world.s
    assert s[2].closed_on_time is False and s[2].late_reply
    assert s[4].reopen_count == 1 and s[4].status == S.CLOSED and s[4].closed_on_time
    assert s[5].original_deadline < timezone.localdate(s[5].replied_at) <= s[5].deadline
    assert s[5].closed_on_time is True
    assert s[7].tier == 2
    assert s[11].rating == Slip.Rating.DISSATISFIED and s[11].status == S.REOPENED


def test_figures_equal_the_hand_count(client, world):
    board = board_of(client, world.leader, period=PERIOD)

    assert figures(board) | {"coverage": None} == {
        "meeting_rate": (46.2, 33.3, 6, 13),
        "feedback_rate": (83.3, 100.0, 5, 6),
        "satisfaction_rate": (80.0, 100.0, 4, 5),
        "closure_rate": (50.0, 66.7, 5, 10),
        "on_time_rate": (80.0, 100.0, 4, 5),
        "overdue": (4, None, None, None),  # now, whenever issued
        "issued": (10, 3, None, None),
        "coverage": None,
    }
    m = board.measures
    assert (m.issued, m.closed, m.closed_on_time, m.replied, m.fed_back) == (10, 5, 4, 6, 5)
    assert (m.rated, m.unrated, m.satisfied, m.overdue, m.open) == (5, 1, 4, 2, 5)
    assert {slip.pk for slip in board.overdue} == overdue_now(world)
    assert board.overdue_total == 4


def test_the_page_shows_the_figures(client, world):
    response = get(client, world.leader, DASHBOARD, period=PERIOD)
    html = response.content.decode()

    for shown in ["46.2%", "6 / 13", "83.3%", "5 / 6", "80.0%", "4 / 5", "50.0%", "5 / 10"]:
        assert shown in html
    assert world.s[6].number in html and world.s[7].number in html  # the overdue table
    assert world.s[9].number not in html


def test_change_since_the_previous_quarter(client, world):
    """2026-Q1 against 2025-Q4 (the period before, across the year)."""
    board = board_of(client, world.leader, period=PERIOD)

    assert {k: f.change for k, f in board.figures.items()} == {
        "meeting_rate": 12.9,  # 46.2 - 33.3
        "feedback_rate": -16.7,
        "satisfaction_rate": -20.0,
        "closure_rate": -16.7,  # 50.0 - 66.7
        "on_time_rate": -20.0,
        "overdue": None,  # a figure of today, not of a period
        "issued": 7,
        "coverage": None,  # no campaign: no figure either side
    }
    # And the quarter before, read as a period of its own, gives the same figures.
    before = board_of(client, world.leader, period=PREVIOUS)
    assert figures(before)["closure_rate"][:1] == (66.7,)
    assert (before.measures.issued, before.measures.overdue) == (3, 1)
    assert figures(before)["meeting_rate"][0] == 33.3


def test_the_year_counts_every_quarter(client, world):
    board = board_of(client, world.leader, period="2026")

    # The Q1 slips and the one just after the quarter (s-out: signed, overdue).
    assert (board.measures.issued, board.measures.overdue) == (11, 3)
    assert board.figures["issued"].previous == 3  # 2025: q1-q3


def test_no_slips_at_all(client, people):
    response = get(client, people.leader, DASHBOARD)

    assert response.status_code == 200
    board = response.context["board"]
    for key in ["meeting_rate", "feedback_rate", "satisfaction_rate", "closure_rate"]:
        assert board.figures[key].value is None
        assert board.figures[key].previous is None
        assert board.figures[key].change is None
    assert board.figures["on_time_rate"].value is None
    assert (board.figures["issued"].value, board.figures["overdue"].value) == (0, 0)
    html = response.content.decode()
    # Rates with nothing to count are shown as a dash, never as 0% or 100%.
    assert html.count(">—<") >= 6
    assert "0.0%" not in html and "100.0%" not in html


def test_all_closed_unrated_has_no_satisfaction_rate(client, people, town, firm, lead_unit, batch):
    w = SimpleNamespace(**vars(people), b1=batch, unit_a=lead_unit)
    for when in ["2026-02-01", "2026-02-02"]:
        close_unrated(w, issue(w, unit=lead_unit, firm=firm, when=at(when)))

    board = board_of(client, people.leader, period=PERIOD)

    sat = board.figures["satisfaction_rate"]
    assert (sat.value, sat.part, sat.whole) == (None, 0, 0)  # not 0%, not 100%
    assert board.figures["closure_rate"].value == 100.0
    assert board.measures.unrated == 2
    assert listed(client, people.leader, SLIPS, period=PERIOD, show="satisfied") == set()


def test_withdrawn_and_returned_slips_are_not_issued(client, world):
    board = board_of(client, world.leader, period=PERIOD)
    issued = listed(client, world.leader, SLIPS, period=PERIOD, show="issued")

    assert world.s[10].pk not in issued and world.s[12].pk not in issued
    assert board.measures.issued == 10
    # Their problems were raised all the same (and wait to be sorted again).
    assert {world.pr[10].pk, world.pr[13].pk} <= listed(
        client, world.leader, PROBLEMS, period=PERIOD
    )


# --- 3. Filters -----------------------------------------------------------------------------------


def counts(board):
    m = board.measures
    return {"issued": m.issued, "closed": m.closed, "overdue": m.overdue}


@pytest.mark.parametrize(
    ("params", "expected", "meeting"),
    [
        # town T1: s1, s2, s6, s7 | problems pr1, pr2, pr6, pr7, pr10, pr12: met 4 of 6
        ({"town": "t1"}, {"issued": 4, "closed": 2, "overdue": 2}, (4, 6)),
        # town T2: s3, s4, s5, s8, s9, s11 | pr3, pr4, pr5, pr8, pr9, pr11, pr13: met 2 of 7
        ({"town": "t2"}, {"issued": 6, "closed": 3, "overdue": 0}, (2, 7)),
        # land: s2, s4, s7 | pr2, pr4, pr7, pr13: met 3 of 4
        ({"category": "land"}, {"issued": 3, "closed": 2, "overdue": 1}, (3, 4)),
        ({"category": "energy"}, {"issued": 7, "closed": 3, "overdue": 1}, (3, 9)),
        # batch b2: s3, s4, s6, s9
        ({"batch": "b2"}, {"issued": 4, "closed": 2, "overdue": 1}, None),
        ({"batch": "b1"}, {"issued": 6, "closed": 3, "overdue": 1}, None),
        # unit A: s1, s2, s5, s6, s8; unit B: s3, s4, s7, s9, s11
        ({"unit": "a"}, {"issued": 5, "closed": 3, "overdue": 1}, None),
        ({"unit": "b"}, {"issued": 5, "closed": 2, "overdue": 1}, (3, 5)),
        # tier 2: s7
        ({"tier": "2"}, {"issued": 1, "closed": 0, "overdue": 1}, (1, 1)),
        ({"tier": "1"}, {"issued": 9, "closed": 5, "overdue": 1}, None),
        # special action: s5, s6 (pr5, pr6, neither met)
        ({"special_action": "sa"}, {"issued": 2, "closed": 1, "overdue": 1}, (0, 2)),
        # two at once: T1 and land: s2, s7
        ({"town": "t1", "category": "land"}, {"issued": 2, "closed": 1, "overdue": 1}, (2, 2)),
    ],
)
def test_each_filter_narrows_the_figures(client, world, params, expected, meeting):
    values = {
        "t1": world.t1.pk,
        "t2": world.t2.pk,
        "b1": world.b1.pk,
        "b2": world.b2.pk,
        "a": world.unit_a.pk,
        "b": world.unit_b.pk,
        "sa": world.sa.pk,
    }
    query = {k: values.get(v, v) for k, v in params.items()}
    response = get(client, world.leader, DASHBOARD, period=PERIOD, **query)

    assert response.context["form"].errors == {}
    board = response.context["board"]
    assert counts(board) == expected
    if meeting is not None:
        fig = board.figures["meeting_rate"]
        assert (fig.part, fig.whole) == meeting


@pytest.mark.parametrize("bad", ["2026-13", "abc", "2026-Q5", "2026-W60"])
def test_a_period_that_is_not_one_gives_a_chinese_error_and_the_default_year(client, world, bad):
    response = get(client, world.leader, DASHBOARD, period=bad)

    assert response.status_code == 200
    errors = response.context["form"].errors["period"]
    assert errors and CJK.search(errors[0]), f"not in Chinese: {errors}"
    assert errors[0] in response.content.decode()
    f = response.context["f"]
    assert f.period.key == str(today().year)
    default = board_of(client, world.leader, period=str(today().year))
    assert counts(response.context["board"]) == counts(default)


def test_one_bad_filter_keeps_the_others(client, world):
    """A mistyped period falls back to the year with its message; the town chosen with it
    still applies, and the bad key is not offered as a choice."""
    response = get(client, world.leader, DASHBOARD, period="abc", town=world.t1.pk)

    assert "period" in response.context["form"].errors
    assert response.context["f"].town == world.t1
    assert counts(response.context["board"]) == counts(
        board_of(client, world.leader, period=str(today().year), town=world.t1.pk)
    )
    assert 'value="abc"' not in response.content.decode()


# --- 4. Behind the figures ------------------------------------------------------------------------


EXPECTED_SLIPS = {
    "issued": (1, 2, 3, 4, 5, 6, 7, 8, 9, 11),
    "closed": (1, 2, 3, 4, 5),
    "closed_on_time": (1, 3, 4, 5),
    "fed_back": (1, 2, 3, 4, 5),
    "satisfied": (1, 2, 4, 5),
    "overdue": (6, 7),
    "open": (6, 7, 8, 9, 11),
}


@pytest.mark.parametrize("show", list(EXPECTED_SLIPS))
def test_the_slips_behind_each_figure_are_those_counted(client, world, show):
    got = listed(client, world.leader, SLIPS, period=PERIOD, show=show)

    board = board_of(client, world.leader, period=PERIOD)
    if show == "overdue":  # the backlog today, as the figure counts it
        assert got == overdue_now(world)
        assert len(got) == board.overdue_total
        return
    assert got == slip_set(world, *EXPECTED_SLIPS[show])
    assert len(got) == getattr(board.measures, show)


def test_an_unknown_show_lists_the_issued(client, world):
    got = listed(client, world.leader, SLIPS, period=PERIOD, show="everything")
    assert got == slip_set(world, *EXPECTED_SLIPS["issued"])


def test_the_lists_behind_keep_the_filters(client, world):
    got = listed(client, world.leader, SLIPS, period=PERIOD, show="overdue", category=Category.LAND)
    assert got == slip_set(world, 7)
    got = listed(client, world.leader, SLIPS, period=PERIOD, show="closed", town=world.t2.pk)
    assert got == slip_set(world, 3, 4, 5)


def test_the_problems_behind_the_meeting_rate(client, world):
    pr = world.pr
    met = listed(client, world.leader, PROBLEMS, period=PERIOD, show="met")
    raised = listed(client, world.leader, PROBLEMS, period=PERIOD)

    assert met == pks(pr[1], pr[2], pr[4], pr[7], pr[9], pr[12])
    assert raised == pks(*pr.values())
    assert len(raised) == 13


def test_every_figure_card_links_to_its_subset(client, world):
    """Follow the links the page gives each figure: each list holds exactly the figure's part
    (or its count)."""
    response = get(client, world.leader, DASHBOARD, period=PERIOD, town=world.t2.pk)
    board, links = response.context["board"], response.context["links"]
    html = response.content.decode()
    parts = {
        "meeting_rate": board.figures["meeting_rate"].part,
        "feedback_rate": board.figures["feedback_rate"].part,
        "satisfaction_rate": board.figures["satisfaction_rate"].part,
        "closure_rate": board.figures["closure_rate"].part,
        "on_time_rate": board.figures["on_time_rate"].part,
        "overdue": board.figures["overdue"].value,
        "issued": board.figures["issued"].value,
    }
    for key, part in parts.items():
        url = links[key]
        assert url.replace("&", "&amp;") in html, key
        listed_page = client.get(url)
        assert listed_page.context["page"].paginator.count == part, key
        assert listed_page.context["f"] == response.context["f"], key


def test_every_chart_bar_links_to_its_subset(client, world):
    response = get(client, world.leader, DASHBOARD, period=PERIOD)
    charts = response.context["charts"]

    bars = [(row["url"], row["value"]) for row in charts["category"] + charts["town"]]
    bars += [(row["url"], row["value"]) for row in charts["units"]]
    bars += [(row["issued_url"], row["issued"]) for row in charts["batch"]]
    bars += [(row["url"], row["closed"]) for row in charts["batch"]]
    bars += [(p["url"], p["raised"]) for p in charts["timeline"]["points"]]
    assert len(bars) >= 2 + 2 + 2 + 4 + 3
    for url, value in bars:
        assert client.get(url).context["page"].paginator.count == value, url
    assert {(row["name"], row["value"]) for row in charts["units"]} == {
        ("经信局", 2),  # s6 and out, overdue now
        ("供电公司", 2),  # s7 and q2
    }
    category = {
        row["url"].split("category=")[1].split("&")[0]: row["value"] for row in charts["category"]
    }
    assert category == {"energy": 9, "land": 4}


def test_the_timeline_closed_points_link_to_the_slips_they_count(client, world):
    response = get(client, world.leader, DASHBOARD, period="2026")
    points = response.context["charts"]["timeline"]["points"]

    # Closed in 2026, whenever issued: s1-s5, and q1 and q3 of 2025 (all closed today).
    assert sum(p["closed"] for p in points) == 7
    for point in points:
        if point["closed"]:
            count = client.get(point["closed_url"]).context["page"].paginator.count
            assert count == point["closed"], point["name"]


def test_the_timeline_has_every_month_quiet_ones_at_zero(client, world):
    """2026-Q1: January to March, whatever month had nothing; a year: each month to today."""
    response = get(client, world.leader, DASHBOARD, period=PERIOD)
    points = response.context["charts"]["timeline"]["points"]
    assert [p["name"] for p in points] == ["2026-01", "2026-02", "2026-03"]

    year = get(client, world.leader, DASHBOARD, period="2026").context["charts"]["timeline"]
    assert [p["name"] for p in year["points"]] == [
        f"2026-{m:02d}" for m in range(1, min(today(), datetime.date(2026, 12, 31)).month + 1)
    ]


def test_the_targets_behind_the_coverage(client, people, town):
    """A campaign running now over three firms of one town; one visited."""
    firms = [EnterpriseFactory(name=f"覆盖测试企业{n}", town=town) for n in range(3)]
    other_town = TownFactory(name="於潜镇", sort_order=3)
    EnterpriseFactory(name="不在活动内的企业", town=other_town)
    cadre = people.cadre
    PairingFactory(enterprise=firms[0], cadre=cadre)
    campaign = campaign_make(actor=people.office, towns=[town])
    visit_make(author=cadre, enterprise=firms[0], campaign=campaign, submit=True)
    targets = {t.enterprise_id: t.pk for t in campaign.targets.all()}
    assert set(targets) == {f.pk for f in firms}

    board = board_of(client, people.leader)
    fig = board.figures["coverage"]
    assert (fig.value, fig.part, fig.whole) == (33.3, 1, 3)
    visited = listed(client, people.leader, TARGETS, show="visited")
    unvisited = listed(client, people.leader, TARGETS, show="unvisited")
    assert visited == {targets[firms[0].pk]}
    assert unvisited == {targets[firms[1].pk], targets[firms[2].pk]}
    assert listed(client, people.leader, TARGETS) == set(targets.values())
    # The town filter: none of the other town's firms is a target.
    assert listed(client, people.leader, TARGETS, town=other_town.pk) == set()
    # And the card links to the visited ones.
    link = get(client, people.leader, DASHBOARD).context["links"]["coverage"]
    assert {t.pk for t in client.get(link).context["page"].object_list} == visited


# --- 5. Who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["leader", "office"])
def test_leader_and_office_see_the_whole_board(client, world, who):
    response = get(client, getattr(world, who), DASHBOARD, period=PERIOD)

    assert response.status_code == 200
    assert response.context["whole"] is True
    assert "unit" in response.context["form"].fields
    assert response.context["board"].measures.issued == 10
    assert response.context["charts"]["units"]  # the units ranked by overdue slips
    assert 'data-chart="units"' in response.content.decode()


@pytest.mark.parametrize("who", ["lead", "unit_leader"])
def test_a_unit_sees_only_its_own_figures(client, world, who):
    user = getattr(world, who)  # 经信局 (unit A): s1, s2, s5, s6, s8
    response = get(client, user, DASHBOARD, period=PERIOD, unit=world.unit_b.pk)

    assert response.status_code == 200
    assert response.context["whole"] is False
    assert "unit" not in response.context["form"].fields
    board = response.context["board"]
    assert counts(board) == {"issued": 5, "closed": 3, "overdue": 1}
    assert {s.pk for s in board.overdue} == slip_set(world, 6) | {world.out.pk}  # now
    assert "units" not in board.charts and response.context["charts"]["units"] == []
    html = response.content.decode()
    assert 'data-chart="units"' not in html
    assert world.s[7].number not in html  # unit B's overdue slip
    # Its place among the departments: A closed 3 of 5 (60%), B 2 of 5 (40%).
    assert board.unit_rank == {"position": 1, "of": 2, "kind": str(Unit.Kind.DEPARTMENT.label)}
    assert "alert-info" in html


def test_the_other_unit_ranks_second(client, world):
    board = board_of(client, world.co, period=PERIOD)

    assert counts(board) == {"issued": 5, "closed": 2, "overdue": 1}
    assert board.unit_rank["position"] == 2 and board.unit_rank["of"] == 2


@pytest.mark.parametrize("show", list(EXPECTED_SLIPS))
def test_a_units_lists_never_show_another_units_slip(client, world, show):
    own = slip_set(world, 1, 2, 5, 6, 8)
    got = listed(client, world.lead, SLIPS, period=PERIOD, show=show, unit=world.unit_b.pk)

    if show == "overdue":  # now, whenever issued: A's s6 and out, never B's s7 or q2
        assert got == slip_set(world, 6) | {world.out.pk}
        return
    assert got == own & slip_set(world, *EXPECTED_SLIPS[show])


def test_a_units_problem_list_is_its_own(client, world):
    pr = world.pr
    got = listed(client, world.co, PROBLEMS, period=PERIOD, unit=world.unit_a.pk)
    # Unit B's slips: s3, s4, s7, s9, s11.
    assert got == pks(pr[3], pr[4], pr[7], pr[9], pr[11])
    met = listed(client, world.co, PROBLEMS, period=PERIOD, show="met", unit=world.unit_a.pk)
    assert met == pks(pr[4], pr[7], pr[9])


def test_a_withdrawn_or_returned_slip_does_not_make_the_problem_the_units(client, world):
    pr = world.pr
    # Unit A's live slips: s1, s2, s5, s6, s8; s10 was withdrawn and s12 returned.
    got = listed(client, world.lead, PROBLEMS, period=PERIOD)
    assert got == pks(pr[1], pr[2], pr[5], pr[6], pr[8])
    board = board_of(client, world.leader, period=PERIOD, unit=world.unit_a.pk)
    assert board.figures["meeting_rate"].whole == 5


def test_a_units_targets_are_its_own(client, people, town, lead_unit, co_unit):
    firms = [EnterpriseFactory(name=f"结对企业{n}", town=town) for n in range(3)]
    a_cadre = people.lead  # 经信局
    PairingFactory(enterprise=firms[0], cadre=a_cadre, unit=lead_unit)
    PairingFactory(enterprise=firms[1], cadre=people.co, unit=co_unit)
    campaign = campaign_make(actor=people.office, towns=[town])
    mine = {t.pk for t in campaign.targets.filter(unit=lead_unit)}
    assert len(mine) == 1

    assert listed(client, people.lead, TARGETS, unit=co_unit.pk) == mine
    assert board_of(client, people.lead).figures["coverage"].whole == 1


@pytest.mark.parametrize("name", [DASHBOARD, SLIPS, PROBLEMS, TARGETS])
@pytest.mark.parametrize("who", ["cadre", "enterprise_user"])
def test_cadres_and_firms_are_refused(client, people, name, who):
    assert get(client, getattr(people, who), name).status_code == 403


@pytest.mark.parametrize("name", [DASHBOARD, SLIPS, PROBLEMS, TARGETS])
def test_anonymous_goes_to_the_login_page(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_links_the_dashboard_for_a_leader(client, people):
    html = get(client, people.leader, "core:home").content.decode()
    assert f'href="{reverse(DASHBOARD)}"' in html


# --- 6. Query budget ----------------------------------------------------------------------------


@pytest.fixture
def spread(people, town, lead_unit, co_unit, batch):
    """make(n): n slips issued this year over several units, towns, batches and categories, in
    several states (signed, overdue, replied, closed)."""
    towns = [town, TownFactory(name="青山湖街道"), TownFactory(name="於潜镇")]
    units = [lead_unit, co_unit, UnitFactory(name="住建局", kind=Unit.Kind.DEPARTMENT)]
    batches = [batch, batch_open(actor=people.office)]
    categories = [Category.ENERGY, Category.LAND, Category.FINANCING, Category.APPROVAL]
    w = SimpleNamespace(**vars(people), b1=batch)
    made = []

    def make(n):
        for _i in range(n):
            k = len(made)
            firm = EnterpriseFactory(town=towns[k % 3])
            slip = issue(
                w,
                unit=units[k % 3],
                firm=firm,
                category=categories[k % 4],
                batch=batches[k % 2],
                when=timezone.now() - (k % 5) * DAY,
                met=k % 2 == 0,
            )
            fields = {"status": [S.SIGNED, S.SIGNED, S.REPLIED, S.CLOSED][k % 4]}
            if k % 4 == 1:
                fields["deadline"] = today() - 3 * DAY  # overdue
            if k % 4 == 3:
                fields |= {
                    "closed_at": timezone.now(),
                    "closed_on_time": True,
                    "rating": "satisfied",
                }
            if k % 4 >= 2:
                fields["replied_at"] = timezone.now()
            Slip.objects.filter(pk=slip.pk).update(**fields)
            made.append(slip)
        return made

    return make


def queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        (DASHBOARD, {}),
        (DASHBOARD, {"period": str(timezone.localdate().year)}),
        (SLIPS, {"show": "issued"}),
        (SLIPS, {"show": "overdue"}),
        (PROBLEMS, {}),
    ],
)
def test_the_query_count_does_not_grow_with_the_slips(client, people, spread, name, params):
    made = spread(3)
    problem_supervision_set(problem=made[0].problem, actor=people.office, listed=True, note="重点")
    client.force_login(people.leader)
    url = reverse(name)
    client.get(url, params)  # warm up what is cached per process
    few = queries(client, url, params)

    spread(27)
    many = queries(client, url, params)

    assert many == few, f"{few} queries for 3 slips, {many} for 30"


def test_the_units_query_count_does_not_grow_either(client, people, spread):
    spread(3)  # 供电公司 has the second one: overdue (the calendar is read for the overdue list)
    client.force_login(people.co)
    url = reverse(DASHBOARD)
    client.get(url)
    few = queries(client, url, {})
    spread(27)
    assert queries(client, url, {}) == few


# --- 7. 挂表督办 -----------------------------------------------------------------------------------


def test_listing_needs_a_reason(problem, office):
    with pytest.raises(ValidationError) as caught:
        problem_supervision_set(problem=problem, actor=office, listed=True, note="   ")

    assert "note" in caught.value.message_dict
    problem.refresh_from_db()
    assert problem.supervised_at is None


def test_a_merged_declined_or_answered_problem_is_refused(problem, office, firm):
    other = new_problem(firm, office)
    merged = new_problem(firm, office)
    answered = new_problem(firm, office)
    problem_merge(problem=merged, into=other, actor=office)
    problem_decline(problem=problem, actor=office, reason="不属于企业困难问题")
    problem_answer(problem=answered, actor=office, answer="已作政策解释")

    for refused in [merged, problem, answered]:
        with pytest.raises(ValidationError):
            problem_supervision_set(problem=refused, actor=office, listed=True, note="重点督办")
        refused.refresh_from_db()
        assert refused.supervised_at is None


def test_listing_and_taking_off(problem, office):
    listed_problem = problem_supervision_set(
        problem=problem, actor=office, listed=True, note=" 市领导关注 "
    )
    assert listed_problem.supervised_at is not None
    assert listed_problem.supervised_by == office
    assert listed_problem.supervision_note == "市领导关注"
    first = listed_problem.supervised_at

    again = problem_supervision_set(problem=problem, actor=office, listed=True, note="新理由")
    assert (again.supervised_at, again.supervision_note) == (first, "新理由")  # when it was listed
    problem_supervision_set(problem=problem, actor=office, listed=True, note="新理由")  # unchanged

    off = problem_supervision_set(problem=problem, actor=office, listed=False)
    assert (off.supervised_at, off.supervised_by, off.supervision_note) == (None, None, "")
    assert AuditEvent.objects.filter(action=audit.PROBLEM_SUPERVISED).count() == 3


def test_the_dashboard_follows_a_listed_problem_with_its_live_slip(client, world):
    problem = world.pr[7]  # s7: escalated, overdue
    problem_supervision_set(problem=problem, actor=world.office, listed=True, note="跨区电网改造")

    response = get(client, world.leader, DASHBOARD, period=PERIOD)
    board = response.context["board"]
    assert [p.pk for p in board.supervised] == [problem.pk]
    assert [s.pk for s in board.supervised[0].live_slips] == [world.s[7].pk]
    section = response.content.decode().split('id="supervised-title"')[1].split("</section>")[0]
    assert world.s[7].number in section and "跨区电网改造" in section
    # Whatever the period: a listed problem stays in view.
    assert [p.pk for p in board_of(client, world.leader, period="2025").supervised] == [problem.pk]

    problem_supervision_set(problem=problem, actor=world.office, listed=False)
    board = board_of(client, world.leader, period=PERIOD)
    assert board.supervised == []


def test_more_than_twenty_listed_problems_link_to_all_of_them(client, world):
    firm = world.pr[1].enterprise
    made = [new_problem(firm, world.office, category=Category.LAND) for _n in range(22)]
    Problem.objects.filter(pk__in=[p.pk for p in made]).update(
        supervised_at=timezone.now(), supervised_by=world.office, supervision_note="重点"
    )

    response = get(client, world.leader, DASHBOARD, period=PERIOD)
    board = response.context["board"]
    assert len(board.supervised) == 20 and board.supervised_more
    link = response.context["links"]["supervised"]
    assert link.replace("&", "&amp;") in response.content.decode()

    listed = client.get(link)
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == 22  # whatever the period, as on the board
    assert {p.pk for p in listed.context["page"]} == {p.pk for p in made}


def test_a_withdrawn_slip_is_not_the_listed_problems_live_slip(client, world):
    problem = world.pr[10]  # s10 was withdrawn; the problem is awaiting sorting again
    problem_supervision_set(problem=problem, actor=world.office, listed=True, note="重新交办")

    listed_problem = board_of(client, world.leader).supervised[0]
    assert listed_problem.pk == problem.pk and listed_problem.live_slips == []


def test_a_unit_sees_only_its_listed_problems(client, world):
    for n in (6, 7):  # A's and B's
        problem_supervision_set(problem=world.pr[n], actor=world.office, listed=True, note="重点")

    assert [p.pk for p in board_of(client, world.lead).supervised] == [world.pr[6].pk]
    assert [p.pk for p in board_of(client, world.co).supervised] == [world.pr[7].pk]


@pytest.mark.parametrize("how", ["decline", "merge"])
def test_a_listed_problem_declined_or_merged_later_can_leave_the_list(
    client, people, firm, office, how
):
    problem = new_problem(firm, office)
    problem_supervision_set(problem=problem, actor=office, listed=True, note="企业反映强烈")
    if how == "decline":
        problem_decline(problem=problem, actor=office, reason="不属于企业困难问题")
    else:
        problem_merge(problem=problem, into=new_problem(firm, office), actor=office)

    on_board = problem.pk in [p.pk for p in board_of(client, people.leader).supervised]
    client.force_login(office)
    page = client.get(reverse("issues:problem_detail", args=[problem.pk])).content.decode()
    can_take_off = 'name="listed" value="0"' in page
    assert not on_board or can_take_off


def post_supervise(client, user, problem, **data):
    client.force_login(user)
    return client.post(
        reverse("issues:problem_detail", args=[problem.pk]), {"form": "supervise", **data}
    )


def test_the_office_lists_and_takes_off_on_the_problem_page(client, office, slip):
    problem = slip.problem
    client.force_login(office)
    page = client.get(reverse("issues:problem_detail", args=[problem.pk]))
    assert 'name="form" value="supervise"' in page.content.decode()

    response = post_supervise(client, office, problem, listed="1", note="企业反映强烈")
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.supervision_note, problem.supervised_by) == ("企业反映强烈", office)

    response = post_supervise(client, office, problem, listed="0")
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.supervised_at is None


def test_listing_on_the_page_without_a_reason_is_refused(client, office, slip):
    response = post_supervise(client, office, slip.problem, listed="1", note="")

    assert response.status_code == 400
    assert response.context["forms"]["supervise"].errors["note"]
    slip.problem.refresh_from_db()
    assert slip.problem.supervised_at is None


@pytest.mark.parametrize("who", ["leader", "lead", "unit_leader", "cadre", "enterprise_user"])
def test_only_the_office_lists(client, people, slip, who):
    response = post_supervise(client, getattr(people, who), slip.problem, listed="1", note="重点")

    assert response.status_code in {403, 404}
    slip.problem.refresh_from_db()
    assert slip.problem.supervised_at is None
