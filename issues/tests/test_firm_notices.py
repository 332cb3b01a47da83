"""What a firm's own users are told, in the notification centre and by text message: received,
assigned, answered or declined, replied (rate it), reopened or closed after the rating."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from core.models import Notification
from issues.models import Problem, Slip
from issues.services import (
    problem_answer,
    problem_decline,
    problem_submit,
    slip_feed_back,
    slip_issue,
    slip_rate,
)
from issues.services.slips import slip_close_unrated
from issues.tests.conftest import make_firm_user, new_problem
from issues.tests.files import PDF, TEXT, upload
from issues.tests.helpers import reach

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

S = Slip.Status
MOBILE_A = "13900000001"
MOBILE_A2 = "13900000003"


@pytest.fixture
def colleague(make_user, firm):
    return make_firm_user(make_user, firm, "firm_a2", mobile=MOBILE_A2)


@pytest.fixture
def former(make_user, firm):
    """An account of the firm that was switched off: told nothing."""
    return make_firm_user(make_user, firm, "firm_a_old", mobile="13900000009", is_active=False)


def notices(kind=None):
    rows = Notification.objects.order_by("recipient_id", "pk")
    return list(rows.filter(kind=kind) if kind else rows.filter(kind__startswith="firm_"))


def portal_url(problem):
    return reverse("portal:problem_detail", args=[problem.pk])


def test_a_problem_received_is_acknowledged_with_its_reference(
    firm,
    firm_user,
    colleague,
    former,
    other_firm_user,
    office,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        problem = new_problem(firm, office, channel=Problem.Channel.HOTLINE)

    rows = notices("firm_received")
    assert [n.recipient for n in rows] == [firm_user, colleague]
    assert all(problem.reference in n.title for n in rows)
    assert all(n.url == portal_url(problem) for n in rows)
    assert sorted(mobile for mobile, _text in sms_outbox) == [MOBILE_A, MOBILE_A2]
    assert all(problem.reference in text for _mobile, text in sms_outbox)


def test_an_online_submission_is_acknowledged(
    firm_user, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        problem = problem_submit(
            user=firm_user,
            category="land",
            description="用地指标",
            uploads=[upload("a.pdf", PDF)],
        )

    [row] = notices("firm_received")
    assert row.recipient == firm_user and problem.reference in row.title
    assert sms_outbox == [(MOBILE_A, sms_outbox[0][1])]
    assert problem.reference in sms_outbox[0][1]


def test_a_refused_submission_tells_nobody(
    firm_user, sms_outbox, django_capture_on_commit_callbacks
):
    from django.core.exceptions import ValidationError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        problem_submit(
            user=firm_user,
            category="land",
            description="用地指标",
            uploads=[upload("a.pdf", TEXT)],
        )

    assert notices() == []
    assert sms_outbox == []


def test_no_firm_users_means_no_notices(
    firm, office, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new_problem(firm, office)

    assert notices() == []
    assert sms_outbox == []


def test_an_assignment_names_the_unit_and_the_deadline(
    firm_user, problem, batch, lead_unit, office, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        slip = slip_issue(
            problem=problem,
            batch=batch,
            lead_unit=lead_unit,
            co_units=[],
            requirement="内部要求：请三日内联系企业",
            days=5,
            actor=office,
        )

    [row] = notices("firm_assigned")
    assert lead_unit.name in row.title and slip.deadline.isoformat() in row.title
    assert "内部要求" not in row.title + row.body
    assert row.url == portal_url(problem)
    [(mobile, text)] = sms_outbox
    assert mobile == MOBILE_A
    assert lead_unit.name in text and slip.deadline.isoformat() in text


def test_a_transfer_names_the_new_unit(firm_user, slip, lead, office, third_unit):
    from issues.services import slip_request_return, slip_return_decide

    slip = slip_request_return(slip=slip, actor=lead, reason="不是本单位的")
    Notification.objects.all().delete()

    slip_return_decide(slip=slip, actor=office, approve=True, reassign_to=third_unit)

    [row] = notices("firm_assigned")
    assert third_unit.name in row.title


@pytest.mark.parametrize("decide", ["answer", "decline"])
def test_a_direct_answer_or_a_refusal_is_told_with_its_text(
    decide, firm_user, problem, office, sms_outbox, django_capture_on_commit_callbacks
):
    text = "请按技改补助办法申报。" if decide == "answer" else "属违法建筑，不予支持。"
    with django_capture_on_commit_callbacks(execute=True):
        if decide == "answer":
            problem_answer(problem=problem, actor=office, answer=text)
        else:
            problem_decline(problem=problem, actor=office, reason=text)

    [row] = notices("firm_decided")
    assert row.body == text
    assert problem.reference in row.title
    expected = (
        gettext("The activity office has answered your problem, reference %(ref)s")
        if decide == "answer"
        else gettext("Your problem is not accepted, reference %(ref)s")
    ) % {"ref": problem.reference}
    assert row.title == expected
    assert len(sms_outbox) == 1


def test_the_reply_fed_back_asks_for_the_rating(
    firm_user, slip, lead, office, sms_outbox, django_capture_on_commit_callbacks
):
    slip = reach(slip, S.REPLIED, lead=lead, office=office)
    assert notices("firm_replied") == []  # the unit's reply alone is not told

    with django_capture_on_commit_callbacks(execute=True):
        slip_feed_back(slip=slip, actor=office, method="phone", note="内部：电话已告知")

    [row] = notices("firm_replied")
    assert row.title == gettext(
        "Your problem has been answered: please rate the result, reference %(ref)s"
    ) % {"ref": slip.problem.reference}
    assert slip.reply_text in row.body
    assert "内部" not in row.body
    assert row.url == portal_url(slip.problem)
    [(mobile, text)] = sms_outbox
    assert mobile == MOBILE_A and row.title in text


@pytest.mark.parametrize(
    "rating, comment, status",
    [("satisfied", "", S.CLOSED), ("dissatisfied", "仍未通电", S.REOPENED)],
)
def test_the_rating_is_told_to_the_other_users_of_the_firm(
    rating,
    comment,
    status,
    firm_user,
    colleague,
    slip,
    lead,
    office,
    lead_unit,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    with django_capture_on_commit_callbacks(execute=True):
        slip = slip_rate(slip=slip, actor=firm_user, rating=rating, comment=comment, by_firm=True)

    assert slip.status == status
    [row] = notices("firm_rated")
    assert row.recipient == colleague  # the one who rated knows
    if status == S.REOPENED:
        assert lead_unit.name in row.title and slip.deadline.isoformat() in row.title
        assert comment in row.body
    else:
        assert row.title == gettext("Your problem is closed, reference %(ref)s") % {
            "ref": slip.problem.reference
        }
    assert [mobile for mobile, _text in sms_outbox] == [MOBILE_A2]


def test_a_rating_recorded_by_the_office_is_told_to_the_firm(firm_user, slip, lead, office):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    slip_rate(slip=slip, actor=office, rating="basic")

    [row] = notices("firm_rated")
    assert row.recipient == firm_user


def test_closing_without_a_rating_is_told(firm_user, slip, lead, office):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    slip_close_unrated(slip=slip, days=5)

    [row] = notices("firm_closed")
    assert row.recipient == firm_user and slip.problem.reference in row.title


def test_a_user_without_a_mobile_gets_the_notice_only(
    make_user, firm, office, sms_outbox, django_capture_on_commit_callbacks
):
    user = make_firm_user(make_user, firm, "firm_nomobile")

    with django_capture_on_commit_callbacks(execute=True):
        new_problem(firm, office)

    assert [n.recipient for n in notices()] == [user]
    assert sms_outbox == []


def test_other_firms_users_are_told_nothing(
    other_firm_user, slip, lead, office, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reach(slip, S.CLOSED, lead=lead, office=office)

    assert notices() == []
    assert sms_outbox == []


# --- A problem merged into another firm's ----------------------------------------------------


@pytest.fixture
def duplicate(other_firm, other_firm_user, office):
    """Firm B's problem, the same as firm A's (the slip's): merged into it."""
    return new_problem(other_firm, office, description="乙方：同样需要变压器增容，内部勿外传")


def merge(duplicate, into, office):
    from issues.services import problem_merge

    return problem_merge(problem=duplicate, into=into, actor=office)


def notices_of(user, kind=None):
    return [n for n in notices(kind) if n.recipient == user]


def test_a_merge_tells_the_duplicates_firm_who_handles_it(
    firm_user,
    other_firm_user,
    duplicate,
    slip,
    lead_unit,
    office,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        merge(duplicate, slip.problem, office)

    [row] = notices("firm_merged")
    assert row.recipient == other_firm_user
    assert row.title == gettext(
        "Your problem is handled together with the same problem raised by others, reference %(ref)s"
    ) % {"ref": duplicate.reference}
    assert lead_unit.name in row.body and slip.deadline.isoformat() in row.body
    assert slip.problem.description[:10] not in row.body  # firm A's words are not told to B
    assert row.url == portal_url(duplicate)
    assert [mobile for mobile, _text in sms_outbox] == ["13900000002"]


def test_a_merge_before_the_assignment_says_the_unit_will_follow(
    other_firm_user, duplicate, problem, office
):
    merge(duplicate, problem, office)

    [row] = notices("firm_merged")
    assert gettext("You will be told which unit handles it.") in row.body


def test_the_duplicates_firm_is_told_of_the_handling_as_its_own(
    firm_user,
    other_firm_user,
    duplicate,
    problem,
    batch,
    lead_unit,
    lead,
    office,
    third_unit,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    from issues.services import slip_request_return, slip_return_decide

    merge(duplicate, problem, office)
    with django_capture_on_commit_callbacks(execute=True):
        slip = slip_issue(
            problem=problem,
            batch=batch,
            lead_unit=lead_unit,
            co_units=[],
            requirement="请办理",
            days=5,
            actor=office,
        )

    [mine] = notices_of(firm_user, "firm_assigned")
    [theirs] = notices_of(other_firm_user, "firm_assigned")
    assert theirs.title == mine.title  # the unit and the deadline
    assert duplicate.reference in theirs.body and problem.reference not in theirs.body
    assert "乙方" in theirs.body and "乙方" not in mine.body  # each its own words
    assert theirs.url == portal_url(duplicate)
    assert sorted(mobile for mobile, _text in sms_outbox) == ["13900000001", "13900000002"]

    slip = slip_request_return(slip=slip, actor=lead, reason="不是本单位的")
    slip_return_decide(slip=slip, actor=office, approve=True, reassign_to=third_unit)
    reassigned = notices_of(other_firm_user, "firm_assigned")
    assert len(reassigned) == 2 and third_unit.name in reassigned[-1].title


def test_a_problem_merged_into_one_merged_later_follows_it(
    firm, other_firm_user, duplicate, problem, batch, lead_unit, office
):
    """B into A, then A into C: B follows to C, so B's firm hears of C's slip."""
    middle = new_problem(firm, office, description="甲方：变压器增容")
    merge(duplicate, middle, office)
    merge(middle, problem, office)
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == problem

    slip_issue(
        problem=problem,
        batch=batch,
        lead_unit=lead_unit,
        co_units=[],
        requirement="请办理",
        days=5,
        actor=office,
    )

    [theirs] = notices_of(other_firm_user, "firm_assigned")
    assert lead_unit.name in theirs.title


def test_the_duplicates_firm_reads_the_reply_but_is_not_asked_to_rate(
    firm_user, other_firm_user, duplicate, slip, lead, office
):
    merge(duplicate, slip.problem, office)
    slip = reach(slip, S.REPLIED, lead=lead, office=office)

    slip_feed_back(slip=slip, actor=office, method="phone", note="内部：电话已告知")

    [theirs] = notices_of(other_firm_user, "firm_replied")
    assert theirs.title == gettext("Your problem has been answered, reference %(ref)s") % {
        "ref": duplicate.reference
    }
    assert slip.reply_text in theirs.body and "内部" not in theirs.body
    [mine] = notices_of(firm_user, "firm_replied")
    assert mine.title == gettext(
        "Your problem has been answered: please rate the result, reference %(ref)s"
    ) % {"ref": slip.problem.reference}


@pytest.mark.parametrize(
    "rating, comment, status",
    [("satisfied", "", S.CLOSED), ("dissatisfied", "甲方：仍未通电", S.REOPENED)],
)
def test_the_duplicates_firm_is_told_the_outcome_of_the_rating_without_its_words(
    rating, comment, status, firm_user, other_firm_user, duplicate, slip, lead, office, lead_unit
):
    merge(duplicate, slip.problem, office)
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    slip = slip_rate(slip=slip, actor=firm_user, rating=rating, comment=comment, by_firm=True)

    assert notices_of(firm_user, "firm_rated") == []  # the one who rated knows
    [theirs] = notices_of(other_firm_user, "firm_rated")
    assert duplicate.reference in theirs.title
    if status == S.REOPENED:
        assert lead_unit.name in theirs.title
    assert theirs.body == ""


def test_the_duplicates_firm_is_told_of_a_close_without_rating(
    other_firm_user, duplicate, slip, lead, office
):
    merge(duplicate, slip.problem, office)
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    slip_close_unrated(slip=slip, days=5)

    [row] = notices_of(other_firm_user, "firm_closed")
    assert row.title == gettext("Your problem is closed, reference %(ref)s") % {
        "ref": duplicate.reference
    }


def test_a_direct_answer_is_told_to_the_duplicates_firm(
    other_firm_user, duplicate, problem, office
):
    merge(duplicate, problem, office)

    problem_answer(problem=problem, actor=office, answer="请按技改补助办法申报。")

    [row] = notices_of(other_firm_user, "firm_decided")
    assert duplicate.reference in row.title and row.body == "请按技改补助办法申报。"


def test_a_firm_whose_own_problems_were_merged_is_told_once(
    firm,
    firm_user,
    problem,
    batch,
    lead_unit,
    office,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    merge(new_problem(firm, office, description="又报了一次"), problem, office)

    with django_capture_on_commit_callbacks(execute=True):
        slip_issue(
            problem=problem,
            batch=batch,
            lead_unit=lead_unit,
            co_units=[],
            requirement="请办理",
            days=5,
            actor=office,
        )

    assert len(notices_of(firm_user, "firm_assigned")) == 1
    assert sms_outbox == [(MOBILE_A, sms_outbox[0][1])]
