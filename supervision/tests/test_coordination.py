"""The coordination of escalated slips by the body they climbed to: who is told of the climb,
who may act on the slip (the TIER role), a coordinator, coordination meetings, sending the slip
back down or replying, the 上交协调 list and the slip page's coordination section and forms.

The bodies: 领导小组 (tier 2, two members with the coordinating role and one clerk without it)
and 市领导 (tier 3, one member). The slip of 经信局 (co-unit 供电公司) comes from the issues
app's fixtures and climbs through the services.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Notification, Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from core.workdays import deadline_compute
from issues.models import Slip, SlipEvent
from issues.services import (
    slip_escalation_decide,
    slip_issue,
    slip_reply,
    slip_request_escalation,
    slip_send_down,
)
from issues.tests.conftest import new_problem
from issues.tests.helpers import reach
from issues.workflow import TIER, TransitionRefused, actions_for, actor_roles
from supervision.models import Coordination, CoordinationMeeting
from supervision.selectors import escalated_visible_to, tier_measures
from supervision.services import coordination_meeting_record, coordinator_assign

pytestmark = pytest.mark.django_db

S = Slip.Status
DAY = datetime.timedelta(days=1)
TIER_MOVES = {"assign_coordinator", "coordination_meeting", "send_down", "reply"}
DECISIONS = "供电公司十日内完成线路勘查，经信局牵头协调增容。"


def today() -> datetime.date:
    return timezone.localdate()


def slip_url(name, *args):
    return reverse(f"issues:{name}", args=args)


LIST_URL = reverse("supervision:escalated")


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def writes() -> tuple[int, int, int, int]:
    """(coordinations, meetings, coordination events, notifications): a refused step writes none."""
    return (
        Coordination.objects.count(),
        CoordinationMeeting.objects.count(),
        SlipEvent.objects.filter(action__in=["assign_coordinator", "coordination_meeting"]).count(),
        Notification.objects.count(),
    )


# --- The bodies and their people ----------------------------------------------------------------


@pytest.fixture
def group_unit(db):
    return UnitFactory(name="领导小组", kind=Unit.Kind.LEADING_GROUP)


@pytest.fixture
def city_unit(db):
    return UnitFactory(name="市领导", kind=Unit.Kind.CITY_LEADERS)


@pytest.fixture
def member(make_user, group_unit):
    return make_user(Role.COORDINATOR, username="lg1", name="领导小组甲", unit=group_unit)


@pytest.fixture
def member2(make_user, group_unit):
    return make_user(Role.COORDINATOR, username="lg2", name="领导小组乙", unit=group_unit)


@pytest.fixture
def clerk(make_user, group_unit):
    """Of the leadership group's unit, without the coordinating role."""
    return make_user(username="lgclerk", name="领导小组文书", unit=group_unit)


@pytest.fixture
def city_member(make_user, city_unit):
    return make_user(Role.COORDINATOR, username="city1", name="市领导甲", unit=city_unit)


@pytest.fixture
def bodies(group_unit, city_unit, member, member2, city_member):
    """Both bodies exist (and have members) before any slip climbs."""
    return {2: group_unit, 3: city_unit}


@pytest.fixture
def escalated(bodies, slip, lead, office):
    """The slip, escalated by the office's approval to the leadership group (tier 2)."""
    return reach(slip, S.ESCALATED, lead=lead, office=office)


@pytest.fixture
def new_slip(firm, batch, office, lead_unit, co_unit):
    def make() -> Slip:
        return slip_issue(
            problem=new_problem(firm, office),
            batch=batch,
            lead_unit=lead_unit,
            co_units=[co_unit],
            requirement="请协调解决。",
            days=5,
            actor=office,
        )

    return make


def to_tier_3(slip: Slip, *, lead, office) -> Slip:
    """An escalated tier-2 slip sent down, escalated again and approved: at the city leaders."""
    slip = slip_send_down(slip=slip, actor=office, instructions="请继续协调", days=3)
    slip = slip_request_escalation(slip=slip, actor=lead, reason="仍无法协调")
    slip = slip_escalation_decide(slip=slip, actor=office, approve=True, note="同意再次提级")
    slip.refresh_from_db()
    assert (slip.status, slip.tier) == (S.ESCALATED, 3)
    return slip


def closed_at_tier_2(slip: Slip, *, lead, office) -> Slip:
    slip = reach(slip, S.ESCALATED, lead=lead, office=office)
    slip = slip_send_down(slip=slip, actor=office, instructions="请落实", days=3)
    slip = reach_from(slip, ["reply", "feed_back", "rate_close"], lead=lead, office=office)
    assert (slip.status, slip.tier) == (S.CLOSED, 2)
    return slip


def reach_from(slip, actions, *, lead, office):
    from issues.tests.helpers import BY_LEAD, take

    for action in actions:
        slip = take(slip, action, lead if action in BY_LEAD else office)
    slip.refresh_from_db()
    return slip


def meeting(slip, actor, units, **overrides):
    values = {"held_on": today() - DAY, "units": units, "decisions": DECISIONS, **overrides}
    return coordination_meeting_record(slip=slip, actor=actor, **values)


# --- 1. The climb ---------------------------------------------------------------------------------


def test_approving_an_escalation_puts_the_slip_at_the_leadership_group_and_tells_its_members(
    bodies, slip, lead, office, group_unit
):
    slip = reach(slip, S.ESCALATED, lead=lead, office=office)

    assert (slip.tier, slip.tier_unit) == (2, group_unit)
    # The leadership group's members, not the city leaders (nor the unit, nor the office).
    assert told("escalation") == {"lg1", "lg2"}
    notice = Notification.objects.get(kind="escalation", recipient__username="lg1")
    assert notice.url == slip_url("slip_detail", slip.pk)
    assert slip.number in notice.title
    event = SlipEvent.objects.get(slip=slip, action="notice")
    assert event.data["kind"] == "escalation"
    assert event.data["to"] == ["领导小组乙（领导小组）", "领导小组甲（领导小组）"]


# --- 2. Who is the tier -----------------------------------------------------------------------------


def test_a_member_of_the_body_may_coordinate_send_down_and_reply(escalated, member):
    assert TIER in actor_roles(member, escalated)
    assert set(actions_for(member, escalated)) == TIER_MOVES


def test_a_member_of_another_body_gets_nothing(escalated, city_member):
    assert TIER not in actor_roles(city_member, escalated)
    assert actions_for(city_member, escalated) == []


def test_a_user_of_the_bodys_unit_without_the_capability_is_not_the_tier(escalated, clerk):
    assert TIER not in actor_roles(clerk, escalated)
    assert actions_for(clerk, escalated) == []


def test_once_sent_down_the_body_may_no_longer_act(escalated, member, office):
    slip = slip_send_down(slip=escalated, actor=office, instructions="请落实", days=3)

    assert slip.status == S.IN_PROGRESS
    assert TIER not in actor_roles(member, slip)
    assert actions_for(member, slip) == []
    with pytest.raises(TransitionRefused):
        coordinator_assign(slip=slip, actor=member, coordinator=member)
    assert Coordination.objects.count() == 0


# --- 3. The coordinator -----------------------------------------------------------------------------


def test_assigning_a_coordinator_records_it_and_tells_the_coordinator(
    escalated, member, member2, group_unit
):
    coordinator_assign(slip=escalated, actor=member, coordinator=member2)

    row = Coordination.objects.get(slip=escalated)
    assert (row.tier, row.body, row.coordinator, row.assigned_by) == (
        2,
        group_unit,
        member2,
        member,
    )
    event = SlipEvent.objects.get(slip=escalated, action="assign_coordinator")
    assert (event.actor, event.unit, event.from_status, event.to_status) == (
        member,
        group_unit,
        S.ESCALATED,
        S.ESCALATED,
    )
    assert event.data == {"coordinator": member2.pk, "tier": 2}
    assert told("coordination") == {"lg2"}
    notice = Notification.objects.get(kind="coordination")
    assert notice.url == slip_url("slip_detail", escalated.pk)
    escalated.refresh_from_db()
    assert escalated.status == S.ESCALATED


def test_a_member_who_takes_the_slip_himself_is_not_told(escalated, member):
    coordinator_assign(slip=escalated, actor=member, coordinator=member)

    assert Coordination.objects.get(slip=escalated).coordinator == member
    assert told("coordination") == set()


def test_the_office_may_assign_a_member(escalated, office, member):
    coordinator_assign(slip=escalated, actor=office, coordinator=member)

    assert Coordination.objects.get(slip=escalated).assigned_by == office
    assert told("coordination") == {"lg1"}


@pytest.mark.parametrize("outsider", ["city_member", "clerk", "lead"])
def test_someone_outside_the_body_cannot_be_coordinator(escalated, member, request, outsider):
    before = writes()

    with pytest.raises(ValidationError):
        coordinator_assign(
            slip=escalated, actor=member, coordinator=request.getfixturevalue(outsider)
        )

    assert writes() == before
    assert not Coordination.objects.exists()


def test_a_member_of_another_body_cannot_assign(escalated, city_member, member):
    before = writes()

    with pytest.raises(TransitionRefused):
        coordinator_assign(slip=escalated, actor=city_member, coordinator=member)

    assert writes() == before


def test_assigning_again_replaces_the_coordinator(escalated, member, member2):
    coordinator_assign(slip=escalated, actor=member, coordinator=member)
    coordinator_assign(slip=escalated, actor=member, coordinator=member2)

    assert list(Coordination.objects.values_list("slip_id", "tier", "coordinator_id")) == [
        (escalated.pk, 2, member2.pk)
    ]
    assert SlipEvent.objects.filter(slip=escalated, action="assign_coordinator").count() == 2


def test_a_slip_that_climbs_again_gets_a_coordinator_at_the_new_tier(
    client, escalated, member, member2, city_member, lead, office, city_unit
):
    coordinator_assign(slip=escalated, actor=member, coordinator=member2)
    high = to_tier_3(escalated, lead=lead, office=office)

    assert high.tier_unit == city_unit
    assert set(actions_for(city_member, high)) == TIER_MOVES
    assert actions_for(member, high) == []
    client.force_login(city_member)
    [row] = client.get(LIST_URL).context["page"].object_list
    assert row.coordinator_name is None  # the leadership group's coordinator was for tier 2

    coordinator_assign(slip=high, actor=city_member, coordinator=city_member)

    assert set(Coordination.objects.values_list("tier", "body", "coordinator")) == {
        (2, escalated.tier_unit_id, member2.pk),
        (3, city_unit.pk, city_member.pk),
    }
    [row] = client.get(LIST_URL).context["page"].object_list
    assert row.coordinator_name == "市领导甲"


# --- 4. Meetings ------------------------------------------------------------------------------------


def test_a_meeting_is_recorded_and_the_units_present_are_told(
    escalated, member, lead_unit, co_unit, group_unit, co
):
    held = meeting(escalated, member, [lead_unit, co_unit])

    held.refresh_from_db()
    assert (held.slip, held.tier, held.body, held.held_on, held.recorded_by) == (
        escalated,
        2,
        group_unit,
        today() - DAY,
        member,
    )
    assert held.decisions == DECISIONS
    assert set(held.units_present.all()) == {lead_unit, co_unit}
    event = SlipEvent.objects.get(slip=escalated, action="coordination_meeting")
    assert (event.actor, event.text, event.to_status) == (member, DECISIONS, S.ESCALATED)
    assert event.data["held_on"] == (today() - DAY).isoformat()
    # The handlers of the units at the table, not the body's members.
    assert told("coordination") == {"lead1", "co1"}


def test_only_the_units_present_are_told(escalated, member, lead_unit, co):
    meeting(escalated, member, [lead_unit])

    assert told("coordination") == {"lead1"}


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"held_on": timezone.localdate() + DAY}, "held_on"),
        ({"held_on": timezone.localdate() - 367 * DAY}, "held_on"),
        ({"units": []}, "units"),
        ({"decisions": "   "}, "decisions"),
    ],
    ids=["future", "over-a-year-ago", "no-units", "blank-decisions"],
)
def test_a_bad_meeting_is_refused_on_its_field_and_writes_nothing(
    escalated, member, lead_unit, overrides, key
):
    before = writes()

    with pytest.raises(ValidationError) as refused:
        meeting(escalated, member, **{"units": [lead_unit], **overrides})

    assert set(refused.value.message_dict) == {key}
    assert writes() == before


def test_a_meeting_today_is_accepted(escalated, member, lead_unit):
    assert meeting(escalated, member, [lead_unit], held_on=today()).held_on == today()


# --- 5, 6. Sending down and replying by the body ---------------------------------------------------


def test_a_member_sends_the_slip_down_with_a_new_deadline_and_the_unit_is_told(
    escalated, member, group_unit, co
):
    slip = slip_send_down(slip=escalated, actor=member, instructions="请三日内落实", days=3)

    slip.refresh_from_db()
    assert slip.status == S.IN_PROGRESS
    assert slip.deadline == deadline_compute(today(), 3).date
    assert told("sent_down") == {"lead1"}  # the lead unit's handler, not the co-unit's
    assert Notification.objects.get(kind="sent_down").url == slip_url("slip_detail", slip.pk)
    event = SlipEvent.objects.get(slip=slip, action="send_down")
    assert (event.actor, event.unit, event.from_status, event.to_status) == (
        member,
        group_unit,
        S.ESCALATED,
        S.IN_PROGRESS,
    )
    assert SlipEvent.objects.filter(slip=slip, action="notice", data__kind="sent_down").exists()


def test_a_member_replies_himself(escalated, member):
    slip = slip_reply(
        slip=escalated, actor=member, outcome=Slip.Outcome.SOLVED, text="领导小组协调解决"
    )

    slip.refresh_from_db()
    assert (slip.status, slip.replied_by) == (S.REPLIED, member)


def test_a_member_of_another_body_cannot_send_down(escalated, city_member):
    with pytest.raises(TransitionRefused):
        slip_send_down(slip=escalated, actor=city_member, instructions="请落实", days=3)

    escalated.refresh_from_db()
    assert escalated.status == S.ESCALATED


# --- 7. The list ------------------------------------------------------------------------------------


@pytest.fixture
def two_tiers(escalated, new_slip, lead, office):
    """The slip waiting at tier 2, another waiting at tier 3."""
    high = reach(new_slip(), S.ESCALATED, lead=lead, office=office)
    return escalated, to_tier_3(high, lead=lead, office=office)


def listed(client, user, **params) -> list[int]:
    client.force_login(user)
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return [slip.pk for slip in response.context["page"].object_list]


@pytest.mark.parametrize("who", ["lead", "cadre", "clerk"])
def test_the_list_is_refused_to_those_who_neither_coordinate_nor_read(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(LIST_URL).status_code == 403


def test_a_member_lists_only_the_slips_at_his_body(client, two_tiers, member, city_member):
    low, high = two_tiers

    assert listed(client, member) == [low.pk]
    assert listed(client, member, tier="3") == [high.pk]  # climbed on from his body: read only
    assert listed(client, city_member) == [high.pk]
    assert listed(client, city_member, tier="2") == []


def test_a_body_keeps_sight_of_the_slips_that_climbed_on_from_it(
    client, two_tiers, member, city_member
):
    """The leadership group escalated a slip on to the city leaders: it still reads it (the
    "climbed on" tab, the slip's page) but may no longer act on it; the city leaders see
    nothing of the leadership group's own slips."""
    low, high = two_tiers

    assert listed(client, member, state="above") == [high.pk]
    assert set(listed(client, member, state="all")) == {low.pk, high.pk}
    assert listed(client, member, state="waiting") == [low.pk]
    assert listed(client, member, state="waiting", tier="3") == [high.pk]  # the table's link
    assert listed(client, city_member, state="above") == []
    assert listed(client, city_member, state="all") == [high.pk]
    client.force_login(member)
    assert client.get(reverse("issues:slip_detail", args=[high.pk])).status_code == 200
    assert TIER not in actor_roles(member, high) and actions_for(member, high) == []
    client.force_login(city_member)
    assert client.get(reverse("issues:slip_detail", args=[low.pk])).status_code == 404


def test_the_office_lists_every_tier_and_filters_by_tier(client, two_tiers, office):
    low, high = two_tiers

    assert set(listed(client, office)) == {low.pk, high.pk}
    assert listed(client, office, tier="3") == [high.pk]
    assert listed(client, office, tier="2") == [low.pk]


def test_the_state_tabs(client, escalated, new_slip, lead, office, member):
    down = reach(new_slip(), S.ESCALATED, lead=lead, office=office)
    down = slip_send_down(slip=down, actor=member, instructions="请落实", days=3)
    closed = closed_at_tier_2(new_slip(), lead=lead, office=office)
    reach(new_slip(), S.IN_PROGRESS, lead=lead, office=office)  # never climbed

    assert listed(client, member) == [escalated.pk]
    assert listed(client, member, state="waiting") == [escalated.pk]
    assert listed(client, member, state="down") == [down.pk]
    assert listed(client, member, state="closed") == [closed.pk]
    assert set(listed(client, member, state="all")) == {escalated.pk, down.pk, closed.pk}
    assert set(listed(client, office, state="all")) == {escalated.pk, down.pk, closed.pk}


def test_the_list_shows_the_coordinator_and_the_meetings(
    client, escalated, member, member2, lead_unit
):
    coordinator_assign(slip=escalated, actor=member, coordinator=member2)
    meeting(escalated, member, [lead_unit])
    meeting(escalated, member, [lead_unit], held_on=today())
    client.force_login(member)

    response = client.get(LIST_URL)

    [row] = response.context["page"].object_list
    assert (row.coordinator_name, row.meeting_count) == ("领导小组乙", 2)
    assert row.climbed_at is not None
    assert "领导小组乙" in response.text
    assert escalated.number in response.text


def test_the_list_searches_by_number(client, two_tiers, office):
    _low, high = two_tiers

    assert listed(client, office, q=high.number) == [high.pk]


def test_the_lists_queries_do_not_grow_with_its_rows(
    client, escalated, new_slip, lead, office, member, member2, lead_unit
):
    def decorate(slip):
        coordinator_assign(slip=slip, actor=member, coordinator=member2)
        meeting(slip, member, [lead_unit])

    decorate(escalated)
    client.force_login(member)
    client.get(LIST_URL)  # warm the caches (session, calendar)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(LIST_URL).context["page"].object_list) == 1
    for _n in range(4):
        decorate(reach(new_slip(), S.ESCALATED, lead=lead, office=office))
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(LIST_URL).context["page"].object_list) == 5

    assert len(five) == len(one)


# --- 8, 9. The slip page ----------------------------------------------------------------------------


def page_actions(response) -> dict:
    return {item["action"].key: item["form"] for item in response.context["actions"]}


def test_a_member_sees_the_coordination_section_and_the_bodys_forms(
    client, escalated, member, member2, city_member, clerk
):
    coordinator_assign(slip=escalated, actor=member, coordinator=member2)
    client.force_login(member)

    response = client.get(slip_url("slip_detail", escalated.pk))

    assert response.status_code == 200
    forms = page_actions(response)
    assert set(forms) == {"coordinator", "meeting", "send_down", "reply"}
    # Only the body's members may be chosen as coordinator.
    assert set(forms["coordinator"].fields["coordinator"].queryset) == {member, member2}
    [section] = [
        s
        for s in response.context["sections"]
        if s.template == "supervision/_slip_coordination.html"
    ]
    assert [c.coordinator for c in section.context["coordinations"]] == [member2]
    assert slip_url("slip_action", escalated.pk, "coordinator") in response.text
    assert slip_url("slip_action", escalated.pk, "meeting") in response.text
    assert 'name="meeting-decisions"' in response.text


def test_the_lead_unit_sees_the_section_but_not_the_bodys_forms(client, escalated, lead):
    client.force_login(lead)

    response = client.get(slip_url("slip_detail", escalated.pk))

    assert response.status_code == 200
    assert not {"coordinator", "meeting", "send_down"} & set(page_actions(response))
    assert any(
        s.template == "supervision/_slip_coordination.html" for s in response.context["sections"]
    )


def test_a_slip_never_escalated_has_no_coordination_section(client, slip, lead, bodies):
    client.force_login(lead)

    response = client.get(slip_url("slip_detail", slip.pk))

    assert response.context["sections"] == []


def test_a_member_assigns_the_coordinator_from_the_page(client, escalated, member, member2):
    client.force_login(member)

    response = client.post(
        slip_url("slip_action", escalated.pk, "coordinator"),
        {"coordinator-coordinator": member2.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == slip_url("slip_detail", escalated.pk)
    assert Coordination.objects.get(slip=escalated).coordinator == member2


def test_the_page_refuses_a_coordinator_outside_the_body(client, escalated, member, city_member):
    client.force_login(member)

    response = client.post(
        slip_url("slip_action", escalated.pk, "coordinator"),
        {"coordinator-coordinator": city_member.pk},
    )

    assert response.status_code == 400
    assert "coordinator" in page_actions(response)["coordinator"].errors
    assert not Coordination.objects.exists()


def test_a_member_records_a_meeting_from_the_page(client, escalated, member, lead_unit, co_unit):
    client.force_login(member)

    response = client.post(
        slip_url("slip_action", escalated.pk, "meeting"),
        {
            "meeting-held_on": (today() - DAY).isoformat(),
            "meeting-units": [lead_unit.pk, co_unit.pk],
            "meeting-decisions": DECISIONS,
        },
    )

    assert response.status_code == 302
    held = CoordinationMeeting.objects.get(slip=escalated)
    assert set(held.units_present.all()) == {lead_unit, co_unit}
    assert (held.held_on, held.recorded_by) == (today() - DAY, member)


def test_a_meeting_in_the_future_is_refused_by_the_page(client, escalated, member, lead_unit):
    client.force_login(member)
    before = writes()

    response = client.post(
        slip_url("slip_action", escalated.pk, "meeting"),
        {
            "meeting-held_on": (today() + DAY).isoformat(),
            "meeting-units": [lead_unit.pk],
            "meeting-decisions": DECISIONS,
        },
    )

    assert response.status_code == 400
    assert set(page_actions(response)["meeting"].errors) == {"held_on"}
    assert writes() == before


def test_a_member_sends_the_slip_down_from_the_page(client, escalated, member):
    client.force_login(member)

    response = client.post(
        slip_url("slip_action", escalated.pk, "send_down"),
        {"send_down-instructions": "请三日内落实", "send_down-days": "3"},
    )

    assert response.status_code == 302
    escalated.refresh_from_db()
    assert escalated.status == S.IN_PROGRESS
    assert escalated.deadline == deadline_compute(today(), 3).date


def test_the_page_refuses_the_bodys_steps_once_the_slip_is_sent_down(
    client, escalated, member, office
):
    slip_send_down(slip=escalated, actor=office, instructions="请落实", days=3)
    client.force_login(member)

    response = client.get(slip_url("slip_detail", escalated.pk))
    assert response.status_code == 200  # the body still reads the slip it sent down
    assert page_actions(response) == {}
    response = client.post(
        slip_url("slip_action", escalated.pk, "coordinator"),
        {"coordinator-coordinator": member.pk},
    )

    assert response.status_code == 302
    assert not Coordination.objects.exists()


def test_a_member_of_another_body_cannot_open_or_act_on_the_slip(
    client, escalated, city_member, member
):
    client.force_login(city_member)

    assert client.get(slip_url("slip_detail", escalated.pk)).status_code == 404
    response = client.post(
        slip_url("slip_action", escalated.pk, "coordinator"),
        {"coordinator-coordinator": member.pk},
    )
    assert response.status_code == 404
    assert not Coordination.objects.exists()


# --- 10. Measures per tier ---------------------------------------------------------------------------


@pytest.mark.usefixtures("two_tiers")
def test_the_measures_per_tier_agree_with_a_hand_count(client, new_slip, lead, office, member):
    closed_at_tier_2(new_slip(), lead=lead, office=office)
    down = reach(new_slip(), S.ESCALATED, lead=lead, office=office)
    slip_send_down(slip=down, actor=member, instructions="请落实", days=3)
    reach(new_slip(), S.SIGNED, lead=lead, office=office)  # tier 1: not counted

    rows = tier_measures(escalated_visible_to(office))

    # Tier 2: the waiting slip, the closed one, the one sent down; tier 3: the high one.
    assert [
        (r["tier"], r["measures"].issued, r["waiting"], r["measures"].closed) for r in rows
    ] == [
        (2, 3, 1, 1),
        (3, 1, 1, 0),
    ]
    hand = {
        tier: (
            Slip.objects.filter(tier=tier).count(),
            Slip.objects.filter(tier=tier, status=S.ESCALATED).count(),
        )
        for tier in (2, 3)
    }
    assert {r["tier"]: (r["measures"].issued, r["waiting"]) for r in rows} == hand
    # A member's measures: his body's tier, and the tiers its slips climbed on to.
    assert [r["tier"] for r in tier_measures(escalated_visible_to(member))] == [2, 3]
    client.force_login(member)
    assert [r["tier"] for r in client.get(LIST_URL).context["tiers"]] == [2, 3]


def test_a_cadre_of_the_bodys_unit_neither_reads_the_slip_nor_is_told(
    client, make_user, group_unit, bodies, slip, lead, office
):
    """The city leaders' unit also holds the cadres paired with big firms: sitting in the
    body's unit is not membership. Only the coordinating role opens the body's slips."""
    cadre = make_user(Role.CADRE, username="lgcadre", name="挂钩干部", unit=group_unit)
    escalated = reach(slip, S.ESCALATED, lead=lead, office=office)
    assert escalated.tier_unit_id == group_unit.pk

    assert "lgcadre" not in told("escalation")
    client.force_login(cadre)
    assert client.get(slip_url("slip_detail", escalated.pk)).status_code == 404
    assert client.get(slip_url("slip_pdf", escalated.pk)).status_code == 404


def test_a_slip_sent_down_after_its_deadline_cannot_close_on_time(escalated, member):
    """Climbing after a missed deadline and coming back with a new one does not make the
    slip punctual: the miss stays on it, and on its history."""
    Slip.objects.filter(pk=escalated.pk).update(deadline=today() - datetime.timedelta(days=3))
    escalated.refresh_from_db()
    missed = escalated.deadline

    down = slip_send_down(slip=escalated, actor=member, instructions="按协调会意见办理", days=5)

    assert down.late_reply is True
    assert down.deadline > today()
    event = SlipEvent.objects.filter(slip=down, action="send_down").get()
    assert (event.data["from"], event.data["to"]) == (missed.isoformat(), down.deadline.isoformat())


def test_a_slip_sent_down_before_its_deadline_stays_punctual(escalated, member):
    down = slip_send_down(slip=escalated, actor=member, instructions="按协调会意见办理", days=5)
    assert down.late_reply is False
