"""The slip pages: who sees what, the steps the page offers and takes, the office's sorting page,
the batch summary, print and PDF, and query budgets on the lists."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from core.roles import Role
from core.workdays import working_days_between
from enterprises.codes import phone_mask
from issues.models import Problem, Slip, SlipEvent
from issues.services import slip_issue
from issues.tests.conftest import new_problem
from issues.tests.helpers import reach

pytestmark = pytest.mark.django_db

S = Slip.Status
DAY = datetime.timedelta(days=1)
PHONE = "13812345678"


def today():
    return timezone.localdate()


def url(name, *args):
    return reverse(f"issues:{name}", args=args)


def as_user(client, user):
    client.force_login(user)
    return client


def issue(firm, batch, unit, office, *, co_units=(), days=5, **problem_fields):
    return slip_issue(
        problem=new_problem(firm, office, **problem_fields),
        batch=batch,
        lead_unit=unit,
        co_units=list(co_units),
        requirement="请协调解决",
        days=days,
        actor=office,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def action_urls(response, slip) -> set[str]:
    """The step keys whose forms the page shows."""
    return {item["action"].key for item in response.context["actions"]}


# --- Who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["slip_detail", "slip_print", "slip_pdf"])
def test_unit_cannot_see_other_units_slip(client, slip, other_unit_handler, name):
    response = as_user(client, other_unit_handler).get(url(name, slip.pk))

    assert response.status_code == 404


def test_unit_cannot_act_on_other_units_slip(client, slip, other_unit_handler):
    response = as_user(client, other_unit_handler).post(url("slip_action", slip.pk, "sign"))

    assert response.status_code == 404
    slip.refresh_from_db()
    assert slip.status == S.ISSUED


@pytest.mark.parametrize("who", ["lead", "co", "office"])
def test_lead_co_unit_and_office_open_the_slip(client, slip, request, who):
    response = as_user(client, request.getfixturevalue(who)).get(url("slip_detail", slip.pk))

    assert response.status_code == 200
    assert response.context["slip"] == slip
    assert slip.number in response.text


def test_slip_list_for_a_handler_holds_only_its_units_slips(
    client, slip, firm, batch, office, third_unit, lead, co, other_unit_handler
):
    elsewhere = issue(firm, batch, third_unit, office)

    def listed(user):
        response = as_user(client, user).get(url("slip_list"))
        assert response.status_code == 200
        return {s.pk for s in response.context["page"].object_list}

    assert listed(lead) == {slip.pk}
    assert listed(co) == {slip.pk}  # as co-unit
    assert listed(other_unit_handler) == set()
    assert listed(office) == {slip.pk, elsewhere.pk}


def test_the_slip_lists_measures_count_only_what_the_user_sees(
    client, slip, firm, batch, office, third_unit, lead
):
    issue(firm, batch, third_unit, office)

    response = as_user(client, lead).get(url("slip_list"))

    assert response.context["measures"].issued == 1


def test_a_cadre_may_not_open_the_slip_list(client, slip, paired_cadre):
    response = as_user(client, paired_cadre).get(url("slip_list"))

    assert response.status_code == 403


def test_a_cadre_paired_with_the_firm_opens_its_slip_and_rates_when_fed_back(
    client, slip, lead, office, paired_cadre
):
    client = as_user(client, paired_cadre)
    response = client.get(url("slip_detail", slip.pk))
    assert response.status_code == 200
    assert action_urls(response, slip) == set()  # nothing to do before the feedback

    slip = reach(slip, S.FED_BACK, lead=lead, office=office)
    response = client.get(url("slip_detail", slip.pk))
    assert action_urls(response, slip) == {"rate"}
    assert url("slip_action", slip.pk, "rate") in response.text

    response = client.post(url("slip_action", slip.pk, "rate"), {"rate-rating": "satisfied"})

    assert response.status_code == 302
    assert response["Location"] == url("slip_detail", slip.pk)
    slip.refresh_from_db()
    assert (slip.status, slip.rating, slip.rated_by) == (S.CLOSED, "satisfied", paired_cadre)


@pytest.mark.parametrize("name", ["slip_detail", "slip_print", "slip_pdf"])
def test_a_cadre_not_paired_with_the_firm_gets_404(client, slip, unpaired_cadre, name):
    response = as_user(client, unpaired_cadre).get(url(name, slip.pk))

    assert response.status_code == 404


def test_a_cadre_not_paired_cannot_rate(client, slip, lead, office, unpaired_cadre):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    response = as_user(client, unpaired_cadre).post(
        url("slip_action", slip.pk, "rate"), {"rate-rating": "satisfied"}
    )

    assert response.status_code == 404
    slip.refresh_from_db()
    assert slip.status == S.FED_BACK


@pytest.mark.parametrize("name", ["slip_detail", "slip_print"])
def test_the_contact_phone_is_full_for_those_who_call_the_firm_and_masked_for_readers(
    client, slip, firm, lead, office, make_user, name
):
    firm.contact_person = "李四"
    firm.contact_phone = PHONE
    firm.save()
    masked = phone_mask(PHONE)
    assert masked != PHONE

    leader_page = as_user(client, make_user(Role.LEADER)).get(url(name, slip.pk)).text
    assert masked in leader_page and PHONE not in leader_page

    for caller in (lead, office):  # the lead unit must phone the firm; so may the office
        assert PHONE in as_user(client, caller).get(url(name, slip.pk)).text


# --- The unit's inbox ------------------------------------------------------------------------


def test_the_unit_inbox_puts_overdue_first_and_shows_days_left(
    client, firm, batch, office, lead, lead_unit, co_unit, third_unit
):
    later = issue(firm, batch, lead_unit, office)
    overdue = issue(firm, batch, lead_unit, office)
    soon = issue(firm, batch, third_unit, office, co_units=[lead_unit])  # we are co-unit
    done = issue(firm, batch, lead_unit, office)
    reach(done, S.REPLIED, lead=lead, office=office)  # waits on the office, not on us
    issue(firm, batch, co_unit, office)  # another unit's
    deadlines = {later: today() + 20 * DAY, overdue: today() - 5 * DAY, soon: today() + 6 * DAY}
    for slip, deadline in deadlines.items():
        Slip.objects.filter(pk=slip.pk).update(deadline=deadline)

    response = as_user(client, lead).get(url("slip_inbox"))

    assert response.status_code == 200
    listed = response.context["slips"]
    assert [s.pk for s in listed] == [overdue.pk, soon.pk, later.pk]
    assert response.context["overdue"] == 1
    for slip in listed:
        days = working_days_between(today(), deadlines[slip])
        if slip == overdue:
            assert slip.days_left == min(days, -1) and slip.overdue_days == -slip.days_left
            text = ngettext(
                "%(counter)s working day overdue",
                "%(counter)s working days overdue",
                slip.overdue_days,
            ) % {"counter": slip.overdue_days}
        else:
            assert slip.days_left == days > 0
            text = ngettext(
                "%(counter)s working day left", "%(counter)s working days left", days
            ) % {"counter": days}
        assert text in response.text
    page = response.text
    assert page.index(overdue.number) < page.index(soon.number) < page.index(later.number)
    assert done.number not in page


def test_the_inbox_is_for_handlers_only(client, office, paired_cadre):
    for user in (office, paired_cadre):
        assert as_user(client, user).get(url("slip_inbox")).status_code == 403


# --- The steps the page offers ---------------------------------------------------------------


def test_the_lead_unit_sees_the_sign_form_when_issued(client, slip, lead):
    response = as_user(client, lead).get(url("slip_detail", slip.pk))

    assert action_urls(response, slip) == {"sign", "contact", "request_return"}
    assert url("slip_action", slip.pk, "sign") in response.text
    assert url("slip_action", slip.pk, "reply") not in response.text


def test_the_lead_unit_sees_the_reply_form_once_signed(client, slip, lead):
    reach(slip, S.SIGNED, lead=lead, office=None)

    response = as_user(client, lead).get(url("slip_detail", slip.pk))

    assert {"reply", "note", "request_extension", "request_escalation"} <= action_urls(
        response, slip
    )
    assert "sign" not in action_urls(response, slip)


def test_the_co_unit_sees_only_the_co_input_and_contact_forms(client, slip, co):
    response = as_user(client, co).get(url("slip_detail", slip.pk))

    assert action_urls(response, slip) == {"co_input", "contact"}
    assert url("slip_action", slip.pk, "sign") not in response.text
    assert url("slip_action", slip.pk, "co_input") in response.text


def test_the_office_sees_withdraw(client, slip, office):
    response = as_user(client, office).get(url("slip_detail", slip.pk))

    assert action_urls(response, slip) == {"withdraw"}
    assert url("slip_action", slip.pk, "withdraw") in response.text


def test_the_office_decides_a_return_request_on_the_page(client, slip, lead, office, third_unit):
    reach(slip, S.RETURN_REQUESTED, lead=lead, office=office)
    client = as_user(client, office)
    assert action_urls(client.get(url("slip_detail", slip.pk)), slip) == {
        "return_decide",
        "withdraw",
    }

    response = client.post(
        url("slip_action", slip.pk, "return_decide"),
        {
            "return_decide-decision": "reassign",
            "return_decide-reassign_to": third_unit.pk,
            "return_decide-days": "7",
            "return_decide-note": "改派住建局",
        },
    )

    assert response.status_code == 302
    slip.refresh_from_db()
    assert (slip.status, slip.lead_unit, slip.days) == (S.ISSUED, third_unit, 7)


def test_the_lead_signs_on_the_page(client, slip, lead):
    response = as_user(client, lead).post(url("slip_action", slip.pk, "sign"))

    assert response.status_code == 302
    assert response["Location"] == url("slip_detail", slip.pk)
    slip.refresh_from_db()
    assert slip.status == S.SIGNED and slip.signed_at is not None
    assert SlipEvent.objects.filter(slip=slip, action="sign", actor=lead).count() == 1


@pytest.mark.parametrize(
    ("who", "key", "data"),
    [
        ("lead", "reply", {"reply-outcome": "solved", "reply-text": "已解决"}),
        ("co", "sign", {}),
        ("office", "rate", {"rate-rating": "satisfied"}),
    ],
)
def test_posting_a_step_the_state_does_not_allow_gives_a_message_and_changes_nothing(
    client, slip, request, who, key, data
):
    count = SlipEvent.objects.filter(slip=slip).count()

    response = as_user(client, request.getfixturevalue(who)).post(
        url("slip_action", slip.pk, key), data
    )

    assert response.status_code == 302
    assert response["Location"] == url("slip_detail", slip.pk)
    assert messages_of(response) == [
        gettext("This step is not possible now: the slip is “%(status)s”. Reload the page.")
        % {"status": S.ISSUED.label}
    ]
    slip.refresh_from_db()
    assert slip.status == S.ISSUED
    assert SlipEvent.objects.filter(slip=slip).count() == count


def test_an_unknown_step_is_404(client, slip, lead):
    response = as_user(client, lead).post(url("slip_action", slip.pk, "explode"))

    assert response.status_code == 404


def test_a_reply_without_text_is_shown_again_with_400_and_changes_nothing(client, slip, lead):
    reach(slip, S.SIGNED, lead=lead, office=None)
    count = SlipEvent.objects.filter(slip=slip).count()

    response = as_user(client, lead).post(
        url("slip_action", slip.pk, "reply"), {"reply-outcome": "solved", "reply-text": "  "}
    )

    assert response.status_code == 400
    form = next(i["form"] for i in response.context["actions"] if i["action"].key == "reply")
    assert "text" in form.errors
    assert next(i["open"] for i in response.context["actions"] if i["action"].key == "reply")
    slip.refresh_from_db()
    assert (slip.status, slip.replied_at) == (S.SIGNED, None)
    assert SlipEvent.objects.filter(slip=slip).count() == count


def test_a_reply_the_service_refuses_is_shown_again_with_its_message(client, slip, lead):
    reach(slip, S.SIGNED, lead=lead, office=None)

    response = as_user(client, lead).post(
        url("slip_action", slip.pk, "reply"), {"reply-outcome": "in_hand", "reply-text": "列入计划"}
    )

    assert response.status_code == 400
    assert gettext("Give the date by which it will be solved.") in response.text
    slip.refresh_from_db()
    assert slip.status == S.SIGNED


def test_the_lead_replies_on_the_page(client, slip, lead):
    reach(slip, S.SIGNED, lead=lead, office=None)

    response = as_user(client, lead).post(
        url("slip_action", slip.pk, "reply"),
        {"reply-outcome": "solved", "reply-text": "已协调完成增容"},
    )

    assert response.status_code == 302
    slip.refresh_from_db()
    assert (slip.status, slip.reply_text, slip.replied_on_time) == (
        S.REPLIED,
        "已协调完成增容",
        True,
    )


# --- The office's sorting page ---------------------------------------------------------------


def test_the_problem_page_issues_a_slip_and_redirects_to_it(
    client, problem, batch, office, lead_unit, co_unit
):
    response = as_user(client, office).post(
        url("problem_detail", problem.pk),
        {
            "form": "issue",
            "batch": batch.pk,
            "lead_unit": lead_unit.pk,
            "co_units": [co_unit.pk],
            "requirement": "请十个工作日内解决",
            "days": "10",
        },
    )

    slip = Slip.objects.get(problem=problem)
    assert response.status_code == 302
    assert response["Location"] == url("slip_detail", slip.pk)
    assert (slip.lead_unit, slip.days, list(slip.co_units.all())) == (lead_unit, 10, [co_unit])
    problem.refresh_from_db()
    assert problem.status == Problem.Status.ASSIGNED


def test_issuing_twice_on_the_page_shows_the_message_with_400(
    client, slip, problem, batch, office, lead_unit
):
    response = as_user(client, office).post(
        url("problem_detail", problem.pk),
        {
            "form": "issue",
            "batch": batch.pk,
            "lead_unit": lead_unit.pk,
            "requirement": "再发一次",
            "days": "10",
        },
    )

    assert response.status_code == 400
    assert Slip.objects.filter(problem=problem).count() == 1


def test_the_problem_page_merges_a_duplicate(client, firm, office):
    main = new_problem(firm, office, met_face_to_face=False)
    duplicate = new_problem(firm, office, met_face_to_face=True)

    response = as_user(client, office).post(
        url("problem_detail", duplicate.pk), {"form": "merge", "into": main.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == url("problem_detail", main.pk)
    duplicate.refresh_from_db()
    main.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Problem.Status.MERGED, main)
    assert main.met_face_to_face is True


def test_the_problem_page_answers_directly(client, problem, office):
    response = as_user(client, office).post(
        url("problem_detail", problem.pk), {"form": "answer", "answer": "按现行政策解释"}
    )

    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.decision_note) == (Problem.Status.ANSWERED, "按现行政策解释")


def test_the_problem_page_declines(client, problem, office):
    response = as_user(client, office).post(
        url("problem_detail", problem.pk), {"form": "decline", "reason": "属企业内部事务"}
    )

    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.decision_note) == (Problem.Status.DECLINED, "属企业内部事务")


def test_declining_without_a_reason_is_shown_again_with_400(client, problem, office):
    response = as_user(client, office).post(
        url("problem_detail", problem.pk), {"form": "decline", "reason": ""}
    )

    assert response.status_code == 400
    problem.refresh_from_db()
    assert problem.status == Problem.Status.NEW


def test_the_problem_page_is_for_the_office(client, problem, lead):
    assert as_user(client, lead).get(url("problem_detail", problem.pk)).status_code == 403


def test_the_problem_inbox_defaults_to_problems_awaiting_sorting(client, firm, office):
    waiting = new_problem(firm, office)
    answered = new_problem(firm, office, description="已直接答复的问题")
    Problem.objects.filter(pk=answered.pk).update(status=Problem.Status.ANSWERED)
    client = as_user(client, office)

    response = client.get(url("problem_list"))

    assert response.status_code == 200
    assert response.context["status"] == Problem.Status.NEW
    assert [p.pk for p in response.context["page"].object_list] == [waiting.pk]
    everything = client.get(url("problem_list"), {"status": ""})
    assert {p.pk for p in everything.context["page"].object_list} == {waiting.pk, answered.pk}


# --- The batch summary, print and PDF --------------------------------------------------------


def test_the_batch_page_shows_its_measures(client, slip, firm, batch, office, lead, third_unit):
    reach(slip, S.CLOSED, lead=lead, office=office)
    issue(firm, batch, third_unit, office)

    response = as_user(client, office).get(url("batch_detail", batch.pk))

    assert response.status_code == 200
    m = response.context["measures"]
    assert (m.issued, m.closed, m.closure_rate, m.satisfaction_rate) == (2, 1, 50.0, 100.0)
    assert "50.0%" in response.text and "1 / 2" in response.text
    units = {row["lead_unit__name"]: row["measures"].issued for row in response.context["by_unit"]}
    assert units == {"经信局": 1, "住建局": 1}


def test_the_print_view_lays_out_the_slip(client, slip, office):
    response = as_user(client, office).get(url("slip_print", slip.pk))

    assert response.status_code == 200
    assert slip.number in response.text and slip.requirement in response.text


def test_the_pdf_view_returns_a_pdf(client, slip, lead):
    response = as_user(client, lead).get(url("slip_pdf", slip.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in response["Content-Disposition"]


# --- Query budgets ---------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx)


def _more_slips(n, firm, batch, office, lead_unit, co_unit):
    for i in range(n):
        slip = issue(firm, batch, lead_unit, office, co_units=[co_unit])
        if i % 3 == 0:
            Slip.objects.filter(pk=slip.pk).update(deadline=today() - (i + 1) * DAY)


@pytest.mark.parametrize("page", ["slip_inbox", "slip_list"])
def test_the_slip_lists_do_not_grow_queries_with_the_number_of_slips(
    client, firm, batch, office, lead, lead_unit, co_unit, page
):
    client = as_user(client, lead)
    _more_slips(3, firm, batch, office, lead_unit, co_unit)
    few = _queries(client, url(page))

    _more_slips(17, firm, batch, office, lead_unit, co_unit)
    many = _queries(client, url(page))

    assert Slip.objects.count() == 20
    assert many == few


def test_the_office_slip_list_does_not_grow_queries_either(
    client, firm, batch, office, lead_unit, co_unit
):
    client = as_user(client, office)
    _more_slips(3, firm, batch, office, lead_unit, co_unit)
    few = _queries(client, url("slip_list"))

    _more_slips(17, firm, batch, office, lead_unit, co_unit)

    assert _queries(client, url("slip_list")) == few


def test_the_slip_list_and_batch_page_show_how_overdue_each_slip_is(client, office, slip):
    from django.utils.translation import ngettext

    Slip.objects.filter(pk=slip.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=10)
    )
    client.force_login(office)
    for url in (reverse("issues:slip_list"), reverse("issues:batch_detail", args=[slip.batch_id])):
        page = client.get(url).content.decode()
        overdue = next(s for s in client.get(url).context["page"] if s.pk == slip.pk)
        assert overdue.overdue_days > 0
        text = ngettext(
            "%(counter)s working day overdue",
            "%(counter)s working days overdue",
            overdue.overdue_days,
        ) % {"counter": overdue.overdue_days}
        assert text in page
