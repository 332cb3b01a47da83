"""The measures (``issues.measures``) against numbers counted by hand.

Eleven slips are issued through the service, then put straight into known states and facts
with ``queryset.update`` (the path to each state is tested in test_workflow.py; here only the
stored facts matter):

 #  lead  status               deadline  replied fed back rating        closed on time  met
 1  经信局 closed               future    yes     yes      satisfied     yes             problem
 2  经信局 closed               past      yes     yes      basic         no              unit
 3  经信局 reopened             future    yes     yes      dissatisfied  -               -
 4  经信局 fed_back             past      yes     yes      -             -               -
 5  经信局 replied              past      yes     -        -             -               problem
 6  经信局 in_progress          past      -       -        -             -               unit
 7  经信局 withdrawn            past      yes     yes      satisfied     yes             problem
 8  住建局 closed               future    yes     yes      satisfied     yes             problem
 9  住建局 signed               past      -       -        -             -               -
10  住建局 returned             past      yes     -        -             -               problem
11  住建局 extension_requested  past      -       -        -             -               -

Withdrawn (7) and returned (10: the wrong unit's; its problem goes back to sorting and is issued
again) are not counted at all.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import CalendarDay, CalendarYear
from issues.measures import Measures, measures_by, slip_measures
from issues.models import DeadlineRule, Slip
from issues.services import slip_issue
from issues.tests.conftest import new_problem
from issues.tests.helpers import reach

pytestmark = pytest.mark.django_db

S = Slip.Status
DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


@pytest.fixture
def slips(firm, batch, office, lead_unit, third_unit):
    now = timezone.now()
    past, future = today() - 3 * DAY, today() + 3 * DAY
    replied = {"replied_at": now, "reply_outcome": "solved", "reply_text": "已解决"}
    fed = {**replied, "fed_back_at": now, "feedback_method": "phone"}
    rows = [
        # (lead unit, problem met, fields)
        (lead_unit, True, {"status": S.CLOSED, "deadline": future, **fed,
                           "rating": "satisfied", "closed_at": now, "closed_on_time": True}),
        (lead_unit, False, {"status": S.CLOSED, "deadline": past, **fed, "contact_met": True,
                            "rating": "basic", "closed_at": now, "closed_on_time": False}),
        (lead_unit, False, {"status": S.REOPENED, "deadline": future, **fed,
                            "rating": "dissatisfied", "reopen_count": 1}),
        (lead_unit, False, {"status": S.FED_BACK, "deadline": past, **fed}),
        (lead_unit, True, {"status": S.REPLIED, "deadline": past, **replied}),
        (lead_unit, False, {"status": S.IN_PROGRESS, "deadline": past, "contact_met": True}),
        (lead_unit, True, {"status": S.WITHDRAWN, "deadline": past, **fed, "contact_met": True,
                           "rating": "satisfied", "closed_on_time": True}),
        (third_unit, True, {"status": S.CLOSED, "deadline": future, **fed,
                            "rating": "satisfied", "closed_at": now, "closed_on_time": True}),
        (third_unit, False, {"status": S.SIGNED, "deadline": past}),
        (third_unit, True, {"status": S.RETURNED, "deadline": past, **replied}),
        (third_unit, False, {"status": S.EXTENSION_REQUESTED, "deadline": past,
                             "resume_status": S.SIGNED, "requested_deadline": future}),
    ]  # fmt: skip
    made = []
    for unit, met, fields in rows:
        slip = slip_issue(
            problem=new_problem(firm, office, met_face_to_face=met),
            batch=batch,
            lead_unit=unit,
            co_units=[],
            requirement="请协调解决",
            days=5,
            actor=office,
        )
        Slip.objects.filter(pk=slip.pk).update(**fields)
        made.append(slip)
    return made


def test_slip_measures_counts_every_rate_by_hand(slips):
    m = slip_measures(Slip.objects.all())

    # issued: all but the withdrawn (7) and the returned (10) = 9
    assert m.issued == 9
    # closed: 1, 2, 8 -> closure rate 3 / 9 = 33.3 %
    assert (m.closed, m.closure_rate) == (3, 33.3)
    # closed on time: 1, 8 (2 was late; 7's stored fact does not count) -> 2 / 3 = 66.7 %
    assert (m.closed_on_time, m.on_time_rate) == (2, 66.7)
    # replied: 1, 2, 3, 4, 5, 8 = 6; fed back: 1, 2, 3, 4, 8 = 5 -> 5 / 6 = 83.3 %
    assert (m.replied, m.fed_back, m.feedback_rate) == (6, 5, 83.3)
    # met: at the visit 1, 5, 8; by the unit 2, 6 = 5 -> 5 / 9 = 55.6 %
    assert (m.met, m.meeting_rate) == (5, 55.6)
    # rated: 1 satisfied, 2 basic, 3 dissatisfied, 8 satisfied = 4; satisfied 3 -> 75 %
    assert (m.rated, m.satisfied, m.satisfaction_rate) == (4, 3, 75.0)
    # overdue: past deadline and still waiting on the unit: 6, 9, 11 (4 and 5 have replied)
    assert m.overdue == 3
    # open: 3, 4, 5, 6, 9, 11
    assert m.open == 6


def test_measures_by_lead_unit(slips, lead_unit, third_unit):
    rows = {row["lead_unit"]: row["measures"] for row in measures_by(Slip.objects, "lead_unit")}

    assert set(rows) == {lead_unit.pk, third_unit.pk}
    a = rows[lead_unit.pk]
    # 经信局: issued 1-6 = 6; closed 1, 2; on time 1; replied 1-5; fed back 1-4;
    # met 1, 2, 5, 6; rated 1, 2, 3 of which satisfied 1, 2; overdue 6; open 3, 4, 5, 6.
    assert a == Measures(
        issued=6,
        closed=2,
        closed_on_time=1,
        replied=5,
        fed_back=4,
        met=4,
        rated=3,
        unrated=0,
        satisfied=2,
        overdue=1,
        open=4,
    )
    assert (a.closure_rate, a.on_time_rate, a.feedback_rate) == (33.3, 50.0, 80.0)
    assert (a.meeting_rate, a.satisfaction_rate) == (66.7, 66.7)
    b = rows[third_unit.pk]
    # 住建局: issued 8, 9, 11 = 3 (10 returned); closed 8, on time; replied and fed back 8;
    # met 8; rated 8, satisfied; overdue 9 and 11; open 9, 11.
    assert b == Measures(
        issued=3,
        closed=1,
        closed_on_time=1,
        replied=1,
        fed_back=1,
        met=1,
        rated=1,
        unrated=0,
        satisfied=1,
        overdue=2,
        open=2,
    )
    assert (b.closure_rate, b.on_time_rate, b.feedback_rate) == (33.3, 100.0, 100.0)
    assert (b.meeting_rate, b.satisfaction_rate) == (33.3, 100.0)


def test_measures_by_unit_add_up_to_the_whole(slips):
    whole = slip_measures(Slip.objects.all())
    rows = measures_by(Slip.objects.all(), "lead_unit", "lead_unit__name")

    for field in Measures.__dataclass_fields__:
        assert sum(getattr(row["measures"], field) for row in rows) == getattr(whole, field)
    assert {row["lead_unit__name"] for row in rows} == {"经信局", "住建局"}


def test_a_withdrawn_or_returned_slip_counts_nowhere(slips):
    excluded = [slips[6].pk, slips[9].pk]

    with_them = slip_measures(Slip.objects.all())
    without = slip_measures(Slip.objects.exclude(pk__in=excluded))

    assert with_them == without
    assert slip_measures(Slip.objects.filter(pk__in=excluded)) == Measures(
        issued=0,
        closed=0,
        closed_on_time=0,
        replied=0,
        fed_back=0,
        met=0,
        rated=0,
        unrated=0,
        satisfied=0,
        overdue=0,
        open=0,
    )


def test_editing_the_calendar_or_the_deadline_rules_later_changes_no_figure(slips):
    before = slip_measures(Slip.objects.all())
    by_unit = measures_by(Slip.objects.all(), "lead_unit")

    # Every day of the slips' span becomes a holiday, the year is confirmed, deadlines shrink.
    for offset in range(-10, 11):
        CalendarDay.objects.update_or_create(
            date=today() + offset * DAY, defaults={"kind": CalendarDay.Kind.HOLIDAY}
        )
    CalendarYear.objects.get_or_create(year=today().year)
    DeadlineRule.objects.update_or_create(category="", urgency="", defaults={"days": 1})
    DeadlineRule.objects.update_or_create(
        category="energy", urgency="normal", defaults={"days": 60}
    )

    assert slip_measures(Slip.objects.all()) == before
    assert measures_by(Slip.objects.all(), "lead_unit") == by_unit


def test_overdue_is_counted_against_the_day_given(slips):
    # Eleven days ahead, the future deadlines (1, 3, 8) have passed too: only 3 is still open.
    later = slip_measures(Slip.objects.all(), today=today() + 11 * DAY)

    assert later.overdue == 4
    earlier = slip_measures(Slip.objects.all(), today=today() - 10 * DAY)
    assert earlier.overdue == 0


def test_slip_measures_is_one_query_whatever_the_number_of_slips(slips, django_assert_num_queries):
    with django_assert_num_queries(1):
        slip_measures(Slip.objects.filter(pk=slips[0].pk))
    with django_assert_num_queries(1):
        slip_measures(Slip.objects.all())
    with django_assert_num_queries(1):
        measures_by(Slip.objects.all(), "lead_unit")


def test_query_count_does_not_grow_with_more_slips(slips, firm, batch, office, lead_unit):
    with CaptureQueriesContext(connection) as few:
        slip_measures(Slip.objects.all())
    for _n in range(10):
        slip_issue(
            problem=new_problem(firm, office),
            batch=batch,
            lead_unit=lead_unit,
            co_units=[],
            requirement="请协调解决",
            days=5,
            actor=office,
        )
    with CaptureQueriesContext(connection) as many:
        m = slip_measures(Slip.objects.all())

    assert len(few) == len(many) == 1
    assert m.issued == 19


def test_no_slips_give_no_rates_rather_than_zero(db):
    m = slip_measures(Slip.objects.all())

    assert (m.issued, m.closed) == (0, 0)
    assert m.closure_rate is None and m.on_time_rate is None and m.feedback_rate is None
    assert m.meeting_rate is None and m.satisfaction_rate is None


def test_a_slip_closed_through_the_services_is_counted(slip, lead, office):
    reach(slip, S.CLOSED, lead=lead, office=office)

    m = slip_measures(Slip.objects.all())

    # The fixture problem was met at the visit; the reply came by the deadline.
    assert (m.issued, m.closed, m.closed_on_time, m.replied, m.fed_back) == (1, 1, 1, 1, 1)
    assert (m.met, m.rated, m.satisfied, m.overdue, m.open) == (1, 1, 1, 0, 0)
    assert (m.closure_rate, m.on_time_rate, m.satisfaction_rate) == (100.0, 100.0, 100.0)
