"""Symposiums and matchmaking meetings through their services: the meeting and its firms present,
the problems they raise (recorded through the issues services, into the sorting inbox), and
issuing them together in one batch, all or nothing."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import AuditEvent, Unit
from core.tests.factories import UnitFactory
from enterprises.tests.factories import EnterpriseFactory
from issues.models import Batch, Category, Problem, Slip, Urgency
from issues.services import batch_open, slip_issue
from visits.forms_meetings import firms_from_text
from visits.models import Meeting, MeetingProblem
from visits.services_meetings import (
    IssueRow,
    MeetingIssueRefused,
    meeting_issue,
    meeting_problem_record,
    meeting_raised_at,
    meeting_update,
)
from visits.tests.factories import days_ago, meeting_make, meeting_problem_make

pytestmark = pytest.mark.django_db


def update(meeting, actor, **changes):
    values = {
        "kind": meeting.kind,
        "title": meeting.title,
        "held_on": meeting.held_on,
        "place": meeting.place,
        "hosts": meeting.hosts,
        "notes": meeting.notes,
        "firms": list(meeting.firms.all()),
    }
    values.update(changes)
    return meeting_update(meeting=meeting, actor=actor, **values)


def rows_for(problems, lead_unit, *, co_units=(), days=5):
    return [
        IssueRow(
            problem=p,
            lead_unit=lead_unit,
            co_units=list(co_units),
            days=days,
            requirement="请于规定时限内协调解决并答复活动办。",
        )
        for p in problems
    ]


# --- The meeting -------------------------------------------------------------------------------


def test_a_meeting_records_the_firms_present_and_an_audit_row(office, meeting_firms):
    meeting = meeting_make(actor=office, firms=meeting_firms)

    assert meeting.kind == Meeting.Kind.SYMPOSIUM
    assert set(meeting.firms.all()) == set(meeting_firms)
    row = AuditEvent.objects.get(action="meeting.create", object_id=str(meeting.pk))
    assert row.actor == office
    assert row.after["title"] == "7月企业家座谈会"
    assert len(row.after["firms"]) == 13


def test_a_meeting_needs_a_firm_and_a_day_not_in_the_future(office, firm):
    with pytest.raises(ValidationError) as exc:
        meeting_make(actor=office, firms=[])
    assert "firms" in exc.value.message_dict

    with pytest.raises(ValidationError) as exc:
        meeting_make(
            actor=office, firms=[firm], held_on=timezone.localdate() + datetime.timedelta(1)
        )
    assert "held_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        meeting_make(actor=office, firms=[firm], held_on=datetime.date(26, 11, 27))  # year 0026
    assert "held_on" in exc.value.message_dict
    assert not Meeting.objects.exists()


def test_the_same_meeting_saved_twice_is_refused_clearly(office, firm):
    meeting_make(actor=office, firms=[firm])

    with pytest.raises(ValidationError) as exc:
        meeting_make(actor=office, firms=[firm])

    assert "title" in exc.value.message_dict
    assert Meeting.objects.count() == 1


def test_a_matchmaking_meeting_is_a_kind_of_its_own(office, firm):
    meeting = meeting_make(
        actor=office, firms=[firm], kind=Meeting.Kind.MATCHMAKING, title="政银企对接会"
    )

    assert meeting.get_kind_display() == Meeting.Kind.MATCHMAKING.label


def test_changing_a_meeting_records_what_changed(office, meeting, meeting_firms):
    update(meeting, office, title="7月民营企业家座谈会", firms=meeting_firms[:4])

    meeting.refresh_from_db()
    assert meeting.title == "7月民营企业家座谈会"
    assert meeting.firms.count() == 4
    row = AuditEvent.objects.get(action="meeting.update")
    assert row.before["title"] == "7月企业家座谈会"
    assert row.after["title"] == "7月民营企业家座谈会"
    assert "place" not in row.after


def test_saving_a_meeting_unchanged_writes_no_audit_row(office, meeting):
    update(meeting, office)

    assert not AuditEvent.objects.filter(action="meeting.update").exists()


def test_a_firm_that_raised_a_problem_stays_among_the_firms_present(office, meeting, meeting_firms):
    meeting_problem_make(meeting, meeting_firms[0], office)

    with pytest.raises(ValidationError) as exc:
        update(meeting, office, firms=meeting_firms[1:3])

    assert meeting_firms[0].name in exc.value.message_dict["firms"][0]
    assert meeting.firms.filter(pk=meeting_firms[0].pk).exists()


def test_the_date_stays_once_problems_are_dated_by_it(office, meeting, meeting_firms):
    meeting_problem_make(meeting, meeting_firms[0], office)

    with pytest.raises(ValidationError) as exc:
        update(meeting, office, held_on=days_ago(8))

    assert "held_on" in exc.value.message_dict
    meeting.refresh_from_db()
    assert meeting.held_on == days_ago(7)


# --- Recording the problems --------------------------------------------------------------------


def test_a_problem_raised_at_the_meeting_enters_the_sorting_inbox(office, meeting, meeting_firms):
    problem = meeting_problem_make(
        meeting, meeting_firms[1], office, category=Category.FINANCING, urgency=Urgency.URGENT
    )

    problem.refresh_from_db()
    assert problem.status == Problem.Status.NEW
    assert problem.channel == Problem.Channel.SYMPOSIUM
    assert problem.enterprise == meeting_firms[1]
    assert problem.category == Category.FINANCING
    assert problem.urgency == Urgency.URGENT
    assert problem.raised_by == office
    # The firm was at the table: met face to face, on the day of the meeting.
    assert problem.met_face_to_face is True
    assert timezone.localtime(problem.raised_at).date() == meeting.held_on
    assert timezone.localtime(problem.raised_at).hour == 9
    assert problem.meeting_link.meeting == meeting
    assert AuditEvent.objects.filter(action="problem.create", object_id=str(problem.pk)).exists()
    row = AuditEvent.objects.get(action="meeting.problem")
    assert row.object_id == str(meeting.pk)
    assert row.after["problem"] == problem.reference


def test_only_a_firm_present_can_raise_a_problem_at_the_meeting(office, meeting, meeting_firms):
    absent = meeting_firms[5]

    with pytest.raises(ValidationError) as exc:
        meeting_problem_make(meeting, absent, office)

    assert "enterprise" in exc.value.message_dict
    assert not Problem.objects.exists()
    assert not MeetingProblem.objects.exists()


def test_the_same_form_posted_twice_records_one_problem(office, meeting, meeting_firms):
    token = uuid.uuid4()
    first = meeting_problem_make(meeting, meeting_firms[0], office, client_token=token)
    again = meeting_problem_make(meeting, meeting_firms[0], office, client_token=token)

    assert again.pk == first.pk
    assert Problem.objects.count() == 1


def test_a_problem_belongs_to_at_most_one_meeting(office, meeting, meeting_firms):
    problem = meeting_problem_make(meeting, meeting_firms[0], office)
    other = meeting_make(actor=office, firms=meeting_firms[:1], title="政银企对接会")

    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingProblem.objects.create(meeting=other, problem=problem, enterprise=meeting_firms[0])


def test_a_meeting_this_morning_is_not_dated_in_the_future():
    assert meeting_raised_at(timezone.localdate() + datetime.timedelta(1)) <= timezone.now()


# --- Issuing as one document -------------------------------------------------------------------


def test_the_meetings_problems_go_into_one_new_batch(
    office, meeting, meeting_firms, lead_unit, co_unit
):
    problems = [meeting_problem_make(meeting, f, office) for f in meeting_firms[:3]]

    slips = meeting_issue(
        meeting=meeting,
        rows=rows_for(problems, lead_unit, co_units=[co_unit]),
        batch=None,
        actor=office,
    )

    assert len(slips) == 3
    batch = Batch.objects.get()
    assert batch.title == meeting.title
    assert [s.seq for s in slips] == [1, 2, 3]
    assert {s.batch_id for s in slips} == {batch.pk}
    assert all(list(s.co_units.all()) == [co_unit] for s in slips)
    assert set(Problem.objects.values_list("status", flat=True)) == {Problem.Status.ASSIGNED}
    row = AuditEvent.objects.get(action="meeting.issue")
    assert row.after["slips"] == [s.number for s in slips]


def test_the_office_may_put_them_into_a_batch_already_open(
    office, meeting, meeting_firms, lead_unit
):
    batch = batch_open(actor=office)
    problem = meeting_problem_make(meeting, meeting_firms[0], office)

    (slip,) = meeting_issue(
        meeting=meeting, rows=rows_for([problem], lead_unit), batch=batch, actor=office
    )

    assert slip.batch == batch
    assert Batch.objects.count() == 1


def test_one_bad_row_issues_nothing_and_says_which(office, meeting, meeting_firms, lead_unit):
    problems = [meeting_problem_make(meeting, f, office) for f in meeting_firms[:3]]
    closed_unit = UnitFactory(name="已撤并单位", kind=Unit.Kind.DEPARTMENT, is_active=False)
    rows = rows_for(problems, lead_unit)
    rows[2].lead_unit = closed_unit

    with pytest.raises(MeetingIssueRefused) as exc:
        meeting_issue(meeting=meeting, rows=rows, batch=None, actor=office)

    assert set(exc.value.row_errors) == {2}
    assert not Slip.objects.exists()
    assert not Batch.objects.exists()  # the batch opened for it is gone too
    assert set(Problem.objects.values_list("status", flat=True)) == {Problem.Status.NEW}
    assert not AuditEvent.objects.filter(
        action__in=["slip.issue", "meeting.issue", "batch.open"]
    ).exists()


def test_every_bad_row_is_named_at_once(office, meeting, meeting_firms, lead_unit):
    problems = [meeting_problem_make(meeting, f, office) for f in meeting_firms[:3]]
    # Issued from its own page meanwhile.
    slip_issue(
        problem=problems[0],
        batch=batch_open(actor=office),
        lead_unit=lead_unit,
        co_units=[],
        requirement="请协调解决",
        days=5,
        actor=office,
    )
    rows = rows_for(problems, lead_unit)
    rows[1].days = 0

    with pytest.raises(MeetingIssueRefused) as exc:
        meeting_issue(meeting=meeting, rows=rows, batch=None, actor=office)

    assert set(exc.value.row_errors) == {0, 1}
    assert Slip.objects.count() == 1


def test_a_problem_from_elsewhere_cannot_ride_along(office, meeting, meeting_firms, lead_unit):
    from issues.services import problem_create

    stranger = problem_create(
        enterprise=EnterpriseFactory(),
        channel=Problem.Channel.HOTLINE,
        description="热线反映的问题",
        category=Category.OTHER,
        urgency=Urgency.NORMAL,
        raised_by=office,
    )
    problem = meeting_problem_make(meeting, meeting_firms[0], office)

    with pytest.raises(MeetingIssueRefused) as exc:
        meeting_issue(
            meeting=meeting, rows=rows_for([problem, stranger], lead_unit), batch=None, actor=office
        )

    assert set(exc.value.row_errors) == {1}
    assert not Slip.objects.exists()


def test_nothing_chosen_is_refused(office, meeting):
    with pytest.raises(MeetingIssueRefused):
        meeting_issue(meeting=meeting, rows=[], batch=None, actor=office)


# --- The pasted list of firms present --------------------------------------------------------


def test_a_pasted_sign_in_sheet_names_the_firms(meeting_firms):
    a, b, c, d = meeting_firms[:4]
    text = f"1. {a.name}\n2、{b.credit_code}\n{c.credit_code} {c.name}，{d.name}\n\n{a.name}"

    firms, errors = firms_from_text(text)

    assert errors == []
    assert firms == [a, b, c, d]  # in the sheet's order, each once


def test_a_name_beginning_with_digits_keeps_them(db):
    three_m = EnterpriseFactory(name="3M中国有限公司")
    qihoo = EnterpriseFactory(name="360安全科技有限公司")
    EnterpriseFactory(name="M中国有限公司")
    EnterpriseFactory(name="安全科技有限公司")

    firms, errors = firms_from_text("1. 3M中国有限公司\n360安全科技有限公司")

    assert errors == []
    assert firms == [three_m, qihoo]


def test_a_part_of_a_name_is_enough_when_only_one_firm_has_it(meeting_firms):
    firms, errors = firms_from_text("第07企业")

    assert errors == []
    assert firms == [meeting_firms[6]]


def test_entries_naming_no_firm_or_several_are_reported(meeting_firms):
    firms, errors = firms_from_text("临安座谈\n不存在的公司\n" + meeting_firms[0].name)

    assert firms == [meeting_firms[0]]
    assert len(errors) == 2
    assert "临安座谈" in errors[0] and meeting_firms[0].name in errors[0]
    assert "不存在的公司" in errors[1]


def test_a_form_sent_again_for_another_firm_is_refused_not_dropped(meeting, office):
    firms = list(meeting.firms.order_by("pk")[:2])
    token = uuid.uuid4()
    first = meeting_problem_record(
        meeting=meeting, enterprise=firms[0], description="用电增容", category=Category.ENERGY,
        urgency=Urgency.NORMAL, actor=office, client_token=token,
    )  # fmt: skip
    again = meeting_problem_record(
        meeting=meeting, enterprise=firms[0], description="用电增容", category=Category.ENERGY,
        urgency=Urgency.NORMAL, actor=office, client_token=token,
    )  # fmt: skip
    assert again == first  # the same form twice: recorded once
    with pytest.raises(ValidationError, match=first.reference):
        meeting_problem_record(
            meeting=meeting, enterprise=firms[1], description="用电增容", category=Category.ENERGY,
            urgency=Urgency.NORMAL, actor=office, client_token=token,
        )  # fmt: skip
    assert MeetingProblem.objects.filter(meeting=meeting).count() == 1
