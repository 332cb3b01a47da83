"""The deadline sweep against hand-built slips at chosen moments, on the real 2026 calendar.

Dates used below (2026): June 1 is a Monday; Friday June 19 is the Dragon Boat Festival (off);
National Day takes 10-01..10-07 off and Saturday 10-10 is a make-up working day. The default
rules: remind 2 working days ahead, climb to tier 2 / 3 / 4 at 5 / 10 / 15 working days
overdue, close a fed-back slip as 未评价 after 10 working days without a rating.
"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from issues.measures import slip_measures
from issues.models import Category, Slip, SlipEvent
from supervision.models import DeadlineAction
from supervision.sweep import SweepReport, deadlines_sweep

from .helpers import actions, at, date, label, tally, told

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_2026", "rules")]

S = Slip.Status
K = DeadlineAction.Kind
NOTHING = {"reminders": 0, "overdue": 0, "escalations": 0, "unrated": 0, "skipped": 0, "errors": 0}
HANDLERS = {"lead1", "lead2"}
LATE_NOTICE = HANDLERS | {"leader1", "office1"}  # the unit's handlers, its leader, the office


def sweep(day: str, hour: int = 9) -> dict:
    return deadlines_sweep(now=at(day, hour)).as_dict()


def counts(**done) -> dict:
    return {**NOTHING, **done}


def notices(slip: Slip) -> list[SlipEvent]:
    return list(SlipEvent.objects.filter(slip=slip, action="notice").order_by("pk"))


# --- Reminders and chase-ups -------------------------------------------------------------------


def test_before_the_reminder_window_nothing_is_sent(make_slip, people):
    make_slip("2026-06-10")  # a Wednesday

    # Friday 06-05: two working days ahead is Tuesday 06-09, the deadline is after it.
    assert sweep("2026-06-05", 17) == NOTHING
    assert tally() == (0, 0, 0)


def test_inside_the_reminder_window_the_lead_units_handlers_are_reminded_once(make_slip, people):
    slip = make_slip("2026-06-10")

    # Monday 06-08: the deadline is two working days away.
    assert sweep("2026-06-08") == counts(reminders=1)

    assert told("reminder") == HANDLERS  # not the co-unit, not the leader, not the office
    notice = Notification.objects.filter(kind="reminder").first()
    assert slip.number in notice.title
    assert notice.url == reverse("issues:slip_detail", args=[slip.pk])
    assert actions() == {(slip.pk, K.REMINDER, date("2026-06-10"), 0)}
    [event] = notices(slip)
    assert event.actor is None
    assert event.from_status == event.to_status == S.SIGNED
    assert event.data == {
        "kind": "reminder",
        "to": sorted([label(people["lead"]), label(people["lead2"])]),
    }
    # Still in the window the next day: not reminded again for the same deadline.
    assert sweep("2026-06-09") == NOTHING
    assert tally() == (1, 2, 1)


def test_on_the_deadline_day_a_reminder_is_sent_not_a_chase_up(make_slip, people):
    slip = make_slip("2026-06-10")

    assert sweep("2026-06-10", 17) == counts(reminders=1)

    assert told("overdue") == set()
    assert actions() == {(slip.pk, K.REMINDER, date("2026-06-10"), 0)}


def test_the_day_after_the_deadline_one_chase_up_goes_to_the_unit_its_leader_and_the_office(
    make_slip, people
):
    slip = make_slip("2026-06-10")

    assert sweep("2026-06-11") == counts(overdue=1)

    assert told("overdue") == LATE_NOTICE  # not the co-unit's handler nor its leader
    assert actions() == {(slip.pk, K.OVERDUE, date("2026-06-10"), 0)}
    [event] = notices(slip)
    assert event.data["kind"] == "overdue"
    assert event.data["to"] == sorted(
        label(people[who]) for who in ("lead", "lead2", "unit_leader", "office")
    )
    # Once per deadline: the next days bring no second chase-up.
    assert sweep("2026-06-12") == NOTHING
    assert Notification.objects.filter(kind="overdue").count() == 4


def test_a_replied_or_fed_back_slip_is_not_chased(make_slip, people, tiers):
    make_slip("2026-06-01", state=S.REPLIED)
    make_slip("2026-06-01", state=S.FED_BACK, fed_back_at=at("2026-06-22"))

    # 16 working days after the deadline: neither reminded, chased nor escalated.
    assert sweep("2026-06-24") == NOTHING
    assert tally() == (0, 0, 0)


def test_every_state_still_waiting_for_the_unit_is_chased(make_slip, people):
    waiting = [
        S.ISSUED,
        S.SIGNED,
        S.IN_PROGRESS,
        S.REOPENED,
        S.RETURN_REQUESTED,
        S.EXTENSION_REQUESTED,
        S.ESCALATION_REQUESTED,
        S.ESCALATED,
    ]
    slips = [make_slip("2026-06-10", state=state) for state in waiting]

    assert sweep("2026-06-11") == counts(overdue=len(waiting))
    assert {(pk, kind) for pk, kind, _day, _tier in actions()} == {(s.pk, K.OVERDUE) for s in slips}


# --- Idempotence -------------------------------------------------------------------------------


def test_running_the_sweep_twice_does_nothing_new(make_slip, people, tiers):
    make_slip("2026-06-12")  # reminder
    make_slip("2026-06-10")  # chase-up
    make_slip("2026-06-01")  # chase-up and tier 2 (8 working days overdue)
    make_slip("2026-05-20", state=S.FED_BACK, fed_back_at=at("2026-05-27", 10))  # 未评价

    first = sweep("2026-06-11")
    done = tally()
    rows = set(Notification.objects.values_list("pk", flat=True))
    second = sweep("2026-06-11", 10)

    assert first == counts(reminders=1, overdue=2, escalations=1, unrated=1)
    assert second == NOTHING
    assert tally() == done
    assert set(Notification.objects.values_list("pk", flat=True)) == rows


@pytest.mark.parametrize(
    "days",
    [
        pytest.param(["2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11"], id="every-day"),
        pytest.param(["2026-06-08", "2026-06-11"], id="three-day-gap"),
    ],
)
def test_after_a_gap_every_due_action_is_done_exactly_once(make_slip, people, tiers, days):
    """Beat down from Monday 06-08 to Thursday 06-11 (three working days later): the catch-up
    sweep does what the daily sweeps would have done, once each."""
    a = make_slip("2026-06-09")  # reminded 06-08, chased from 06-10
    b = make_slip("2026-06-11")  # reminded from 06-09 (due today on 06-11)
    c = make_slip("2026-06-02")  # chased 06-08 (4 overdue), tier 2 from 06-09 (5 overdue)
    d = make_slip("2026-05-20", state=S.FED_BACK, fed_back_at=at("2026-05-27", 10))
    make_slip("2026-06-02", state=S.REPLIED)  # answered: nothing to do

    total = SweepReport().as_dict()
    for day in days:
        for key, value in sweep(day).items():
            total[key] += value
    again = sweep(days[-1], 18)

    assert actions() == {
        (a.pk, K.REMINDER, date("2026-06-09"), 0),
        (a.pk, K.OVERDUE, date("2026-06-09"), 0),
        (b.pk, K.REMINDER, date("2026-06-11"), 0),
        (c.pk, K.OVERDUE, date("2026-06-02"), 0),
        (c.pk, K.ESCALATION, date("2026-06-02"), 2),
        (d.pk, K.UNRATED, date("2026-05-27"), 0),
    }
    assert total == counts(reminders=2, overdue=2, escalations=1, unrated=1)
    assert again == NOTHING
    # Reminders: 2 slips × 2 handlers; chase-ups: 2 × 4; escalation: the body's member + 4;
    # the 未评价 closing: the office.
    assert Notification.objects.count() == 2 * 2 + 2 * 4 + 5 + 1
    assert SlipEvent.objects.filter(action="notice").count() == 6
    assert SlipEvent.objects.filter(action="escalate").count() == 1
    assert SlipEvent.objects.filter(action="close_unrated").count() == 1


# --- Escalation ---------------------------------------------------------------------------------


def test_escalation_waits_for_five_working_days_across_national_day(make_slip, people, tiers):
    slip = make_slip("2026-09-30")  # Wednesday, the eve of National Day
    # Working days overdue, counted by hand on the 2026 calendar:
    #   10-01 Thu .. 10-07 Wed  off (National Day; 10-06/07 are rest days swapped for 09-20
    #                                and 10-10)                        -> 0
    #   10-08 Thu 1, 10-09 Fri 2, 10-10 Sat (make-up working day) 3, 10-11 Sun off,
    #   10-12 Mon 4, 10-13 Tue 5.
    # So it climbs on Tuesday 10-13, not on Monday 10-12.
    for day in range(1, 8):  # the holiday: no chase-up reaches an empty office
        assert sweep(f"2026-10-{day:02d}") == NOTHING, f"acted on 10-{day:02d}"
    assert sweep("2026-10-08") == counts(overdue=1)  # the first working day after it
    for day in range(9, 13):
        assert sweep(f"2026-10-{day:02d}")["escalations"] == 0, f"climbed on 10-{day:02d}"
    slip.refresh_from_db()
    assert slip.tier == 1
    assert actions() == {(slip.pk, K.OVERDUE, date("2026-09-30"), 0)}  # chased once, on 10-08

    assert sweep("2026-10-13") == counts(escalations=1)

    slip.refresh_from_db()
    assert (slip.tier, slip.status) == (2, S.ESCALATED)
    event = SlipEvent.objects.get(slip=slip, action="escalate")
    assert "5" in event.text


def test_a_weekend_does_not_count_towards_escalation(make_slip, people, tiers):
    make_slip("2026-06-01")  # Monday; Tue..Fri make 4 working days overdue

    assert sweep("2026-06-06")["escalations"] == 0  # Saturday: still 4
    assert sweep("2026-06-07")["escalations"] == 0  # Sunday: still 4
    assert sweep("2026-06-08")["escalations"] == 1  # Monday: 5


def test_escalation_hands_the_slip_to_the_leadership_group_and_tells_its_members(
    make_slip, people, tiers
):
    group, member = tiers[2]
    slip = make_slip("2026-06-01")

    report = sweep("2026-06-08")  # 5 working days overdue

    assert report == counts(overdue=1, escalations=1)
    slip.refresh_from_db()
    assert (slip.tier, slip.tier_unit, slip.status) == (2, group, S.ESCALATED)
    assert told("escalation") == {member.username} | LATE_NOTICE  # not the city leaders yet
    event = SlipEvent.objects.get(slip=slip, action="escalate")
    assert (event.actor, event.from_status, event.to_status) == (None, S.SIGNED, S.ESCALATED)
    escalation_notice = [e for e in notices(slip) if e.data["kind"] == "escalation"]
    assert len(escalation_notice) == 1
    assert label(member) in escalation_notice[0].data["to"]


def test_a_slip_sixteen_working_days_overdue_climbs_to_tier_four_in_one_sweep(
    make_slip, people, tiers
):
    slip = make_slip("2026-06-01")
    # 06-02..06-05: 4, 06-08..06-12: 9, 06-15..06-18: 13 (06-19 off), 06-22..06-24: 16.

    assert sweep("2026-06-24") == counts(overdue=1, escalations=3)

    slip.refresh_from_db()
    assert (slip.tier, slip.tier_unit) == (4, tiers[4][0])
    assert {tier for _pk, kind, _d, tier in actions() if kind == K.ESCALATION} == {2, 3, 4}
    assert SlipEvent.objects.filter(slip=slip, action="escalate").count() == 3
    assert told("escalation") >= {member.username for _unit, member in tiers.values()}
    done = tally()
    assert sweep("2026-06-24", 10) == NOTHING
    assert sweep("2026-06-25") == NOTHING  # no tier above 4
    assert tally() == done


def test_a_refused_escalation_is_not_recorded_and_the_next_sweep_retries(
    make_slip, people, tiers, monkeypatch
):
    from supervision import sweep as sweep_module

    slip = make_slip("2026-06-01")

    def moved_on(**kwargs):
        return []  # the slip's state moved on under the lock: nothing escalated

    with monkeypatch.context() as patch:
        patch.setattr(sweep_module, "slips_transition_bulk", moved_on)
        report = sweep("2026-06-08")
    assert (report["escalations"], report["skipped"]) == (0, 1)
    assert K.ESCALATION not in {kind for _pk, kind, _d, _t in actions()}
    assert told("escalation") == set()

    assert sweep("2026-06-08", 10)["escalations"] == 1
    slip.refresh_from_db()
    assert slip.tier == 2


def test_the_office_chooses_which_categories_escalate(make_slip, people, tiers, rules):
    rules.escalate_categories = [Category.LAND]
    rules.save()
    energy = make_slip("2026-06-01", category=Category.ENERGY)
    land = make_slip("2026-06-01", category=Category.LAND)

    assert sweep("2026-06-08") == counts(overdue=2, escalations=1)  # both chased

    energy.refresh_from_db()
    land.refresh_from_db()
    assert (energy.tier, land.tier) == (1, 2)


def test_the_office_sets_the_thresholds(make_slip, people, tiers, rules):
    rules.tier2_after = 3
    rules.save()
    slip = make_slip("2026-06-01")

    assert sweep("2026-06-04")["escalations"] == 1  # 3 working days overdue

    slip.refresh_from_db()
    assert slip.tier == 2


# --- 未评价 --------------------------------------------------------------------------------------


def test_a_fed_back_slip_unrated_for_ten_working_days_closes_as_unrated(make_slip, people):
    slip = make_slip("2026-05-20", state=S.FED_BACK, fed_back_at=at("2026-05-27", 10))
    rated = make_slip("2026-05-20", state=S.CLOSED)  # rated 满意 through the service
    # Working days after the feedback: 05-28 1, 05-29 2, 06-01..06-05 7, 06-08 8, 06-09 9,
    # 06-10 10.

    assert sweep("2026-06-09") == NOTHING
    assert sweep("2026-06-10") == counts(unrated=1)
    # The office is told, and the history says so.
    assert told("unrated") == {"office1"}
    assert notices(slip)[-1].data["kind"] == "unrated"

    slip.refresh_from_db()
    assert slip.status == S.CLOSED
    assert slip.rating == Slip.Rating.UNRATED
    assert slip.closed_at is not None
    event = SlipEvent.objects.get(slip=slip, action="close_unrated")
    assert (event.actor, event.from_status, event.to_status) == (None, S.FED_BACK, S.CLOSED)
    measures = slip_measures(Slip.objects.filter(pk__in=[slip.pk, rated.pk]))
    assert (measures.closed, measures.rated, measures.unrated, measures.satisfied) == (2, 1, 1, 1)
    assert measures.satisfaction_rate == 100.0  # the unrated slip is not in the rate at all
    assert sweep("2026-06-11") == NOTHING


# --- Rules, cost, the command ------------------------------------------------------------------


def test_a_disabled_sweep_does_nothing(make_slip, people, tiers, rules):
    rules.enabled = False
    rules.save()
    make_slip("2026-06-01")
    make_slip("2026-06-12")

    report = deadlines_sweep(now=at("2026-06-11"))

    assert report.as_dict() == NOTHING
    assert report.notes == ["disabled"]
    assert tally() == (0, 0, 0)


def test_a_sweep_with_nothing_to_do_costs_the_same_for_3_or_30_slips(make_slip, people):
    for _ in range(3):
        make_slip("2026-06-30")
    with CaptureQueriesContext(connection) as few:
        assert sweep("2026-06-08") == NOTHING
    for _ in range(27):
        make_slip("2026-06-30")
    with CaptureQueriesContext(connection) as many:
        assert sweep("2026-06-08") == NOTHING

    assert len(many) == len(few)
    assert len(few) <= 10  # the rules, the calendar, one query per kind of action


def test_the_command_runs_the_sweep_at_the_given_moment(make_slip, people):
    slip = make_slip("2026-06-10")
    out = io.StringIO()

    # A naive --now is Lin'an time: 23:30 on the deadline day is still the deadline day.
    call_command("sweep_deadlines", "--now", "2026-06-10T23:30", stdout=out)
    call_command("sweep_deadlines", "--now", "2026-06-11T00:30+08:00", stdout=out)
    call_command("sweep_deadlines", "--now", "2026-06-11T09:00", stdout=out)

    lines = out.getvalue().splitlines()
    assert "提醒 1 件" in lines[0]
    assert "催办 0 件" in lines[0]
    assert "催办 1 件" in lines[1]
    assert "提醒 0 件，催办 0 件" in lines[2]
    assert actions() == {
        (slip.pk, K.REMINDER, date("2026-06-10"), 0),
        (slip.pk, K.OVERDUE, date("2026-06-10"), 0),
    }


def test_the_command_refuses_a_bad_moment(db):
    with pytest.raises(CommandError):
        call_command("sweep_deadlines", "--now", "next tuesday", stdout=io.StringIO())


def test_a_failing_step_rolls_back_and_the_rest_of_the_sweep_goes_on(make_slip, monkeypatch):
    from supervision import sweep as sweep_module

    due = make_slip("2026-09-16")  # a reminder is due on 09-15
    late = make_slip("2026-09-14")  # a chase-up is due on 09-15
    real = sweep_module.notify_many

    def failing_for_chase_ups(messages):
        if any(kind == "overdue" for _people, kind, *_rest in messages):
            raise RuntimeError("mail queue on fire")
        return real(messages)

    monkeypatch.setattr(sweep_module, "notify_many", failing_for_chase_ups)
    report = deadlines_sweep(now=at("2026-09-15"))

    assert report.errors == 1 and report.reminders == 1 and report.overdue == 0
    kinds = set(DeadlineAction.objects.values_list("slip_id", "kind"))
    assert (due.pk, "reminder") in kinds and (late.pk, "overdue") not in kinds
    # The failed chase-up left nothing behind, so the next sweep does it.
    monkeypatch.setattr(sweep_module, "notify_many", real)
    assert deadlines_sweep(now=at("2026-09-15", 10)).overdue == 1


def test_everyone_the_sweep_tells_can_open_the_slip(client, make_slip, people, tiers):
    """A chase-up goes to the unit's leader and an escalation to the tier body's members: the
    link in their notice must open the slip, not a 404."""
    slip = make_slip("2026-06-01")
    sweep("2026-06-10")
    slip.refresh_from_db()
    assert slip.tier == 2
    recipients = {n.recipient for n in Notification.objects.filter(url__endswith=f"/{slip.pk}/")}
    assert {"overdue", "escalation"} <= set(Notification.objects.values_list("kind", flat=True))
    for user in recipients:
        client.force_login(user)
        assert client.get(reverse("issues:slip_detail", args=[slip.pk])).status_code == 200, user
