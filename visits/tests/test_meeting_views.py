"""The office's meeting pages: the list and its counts, recording a meeting and its problems,
issuing them as one document (all or nothing), the document printed and as a PDF, and who may
reach any of it. The article's case: 13 firms raised 22 problems at the July symposium, sent to
the units as one document."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core.models import AuditEvent, Unit
from core.tests.factories import UnitFactory
from issues.models import Batch, Category, Problem, Slip, Urgency
from issues.services import batch_open, slip_issue, slip_withdraw
from visits.models import Meeting, MeetingProblem
from visits.tests.factories import days_ago, meeting_make, meeting_problem_make

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"visits:{name}", args=args)


def as_user(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def meeting_post(firms_text, **overrides):
    data = {
        "kind": Meeting.Kind.SYMPOSIUM,
        "title": "7月企业家座谈会",
        "held_on": days_ago(7).isoformat(),
        "place": "市政府3号会议室",
        "hosts": "市长 张某；经信局、金融办",
        "notes": "",
        "firms_text": firms_text,
    }
    data.update(overrides)
    return data


def problem_post(firm, n=1, **overrides):
    data = {
        "enterprise": firm.pk,
        "description": f"{firm.name}反映的第{n}个问题：用电增容审批慢。",
        "category": Category.ENERGY,
        "urgency": Urgency.NORMAL,
        "client_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def issue_post(response, lead_unit, *, batch="", change=None):
    """The issue form as shown, every row given the lead unit (``change``: row -> fields)."""
    formset = response.context["formset"]
    management = formset.management_form
    data = {
        f"rows-{key}": management[key].value()
        for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
    }
    data["batch"] = batch
    for i, form in enumerate(formset.forms):
        row = {
            "include": "on",
            "problem": form.initial["problem"],
            "lead_unit": lead_unit.pk,
            "days": form.initial["days"],
            "requirement": form.initial["requirement"],
        }
        row.update((change or {}).get(i, {}))
        data.update({f"rows-{i}-{k}": v for k, v in row.items() if v is not None})
    return data


# --- The article's case ------------------------------------------------------------------------


def test_july_symposium_13_firms_22_problems_issued_as_one_document(
    client, office, meeting_firms, lead_unit
):
    client = as_user(client, office)
    # The sign-in sheet pasted as it came: numbered names.
    sheet = "\n".join(f"{n}. {firm.name}" for n, firm in enumerate(meeting_firms, start=1))
    response = client.post(url("meeting_create"), meeting_post(sheet))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("meeting_detail", meeting.pk)
    assert meeting.firms.count() == 13

    # 22 problems: nine firms raise two, four raise one.
    raised = [*meeting_firms, *meeting_firms[:9]]
    for n, firm in enumerate(raised, start=1):
        response = client.post(url("meeting_problem_create", meeting.pk), problem_post(firm, n))
        assert response.status_code == 302
        # The page comes back with the firm preselected, ready for the next one.
        assert response["Location"].endswith(f"?firm={firm.pk}#record")
    assert MeetingProblem.objects.filter(meeting=meeting).count() == 22
    assert (
        Problem.objects.filter(
            channel=Problem.Channel.SYMPOSIUM, status=Problem.Status.NEW, met_face_to_face=True
        ).count()
        == 22
    )

    response = client.get(url("meeting_issue", meeting.pk))
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 22
    response = client.post(url("meeting_issue", meeting.pk), issue_post(response, lead_unit))
    assert response.status_code == 302

    slips = list(Slip.objects.filter(problem__meeting_link__meeting=meeting).order_by("seq"))
    assert len(slips) == 22
    assert Batch.objects.count() == 1
    assert {s.batch_id for s in slips} == {Batch.objects.get().pk}
    assert [s.seq for s in slips] == list(range(1, 23))
    assert not Problem.objects.filter(status=Problem.Status.NEW).exists()

    with CaptureQueriesContext(connection) as printing:
        page = client.get(url("meeting_print", meeting.pk))
    assert page.status_code == 200
    # One query per slip at most (the firms it was merged with); no navigation per slip.
    assert len(printing.captured_queries) <= 22 + 12
    html = page.content.decode()
    first_slip_page = html.index('class="slip-page"')
    for slip in slips:
        # Listed on the cover, then laid out on its own page.
        assert html.index(slip.number) < first_slip_page
        assert html.count(slip.number) >= 2
    assert html.count('class="slip-page"') == 22
    assert html.count(gettext("Work task assignment slip")) == 22
    for firm in meeting_firms:
        assert firm.name in html[:first_slip_page]

    pdf = client.get(url("meeting_pdf", meeting.pk))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert len(pdf.content) > 30_000


# --- The meeting -------------------------------------------------------------------------------


def test_a_meeting_page_lists_each_firm_with_its_problems_and_their_status(
    client, office, meeting, meeting_firms, lead_unit
):
    first = meeting_problem_make(meeting, meeting_firms[0], office, description="融资难，续贷到期")
    meeting_problem_make(meeting, meeting_firms[0], office, description="用工缺口五十人")
    slip = slip_issue(
        problem=first,
        batch=batch_open(actor=office),
        lead_unit=lead_unit,
        co_units=[],
        requirement="请协调解决",
        days=5,
        actor=office,
    )

    response = as_user(client, office).get(url("meeting_detail", meeting.pk))

    assert response.status_code == 200
    firms = response.context["firms"]
    assert [f.pk for f in firms] == [f.pk for f in meeting_firms[:3]]  # by name
    raised = next(f for f in firms if f.pk == meeting_firms[0].pk).raised
    assert [p.description for p in raised] == ["融资难，续贷到期", "用工缺口五十人"]
    assert raised[0].slip == slip and raised[1].slip is None
    content = response.content.decode()
    assert slip.number in content
    assert str(Problem.Status.NEW.label) in content
    assert response.context["awaiting_count"] == 1


def test_the_firm_picker_reports_names_it_cannot_place(client, office, meeting_firms):
    response = as_user(client, office).post(
        url("meeting_create"), meeting_post(f"{meeting_firms[0].name}\n不存在的公司")
    )

    assert response.status_code == 400
    assert "不存在的公司" in response.content.decode()
    # What was typed is kept.
    assert response.context["form"]["firms_text"].value().endswith("不存在的公司")
    assert not Meeting.objects.exists()


def test_editing_shows_the_firms_present_and_saves_a_change(client, office, meeting, meeting_firms):
    client = as_user(client, office)
    form = client.get(url("meeting_edit", meeting.pk)).context["form"]
    text = form["firms_text"].value()
    assert all(f.credit_code in text for f in meeting_firms[:3])

    response = client.post(
        url("meeting_edit", meeting.pk),
        meeting_post(text + "\n" + meeting_firms[3].name, place="市民中心"),
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "市民中心"
    assert meeting.firms.count() == 4
    assert AuditEvent.objects.filter(action="meeting.update", object_id=str(meeting.pk)).exists()


def test_a_firm_with_problems_cannot_be_dropped_from_the_page(
    client, office, meeting, meeting_firms
):
    meeting_problem_make(meeting, meeting_firms[0], office)

    response = as_user(client, office).post(
        url("meeting_edit", meeting.pk), meeting_post(meeting_firms[1].name)
    )

    assert response.status_code == 400
    assert response.context["form"].errors["firms_text"]
    assert meeting.firms.count() == 3


# --- Recording problems ------------------------------------------------------------------------


def test_a_problem_recorded_on_the_page_waits_in_the_sorting_inbox(
    client, office, meeting, meeting_firms
):
    client = as_user(client, office)
    response = client.post(
        url("meeting_problem_create", meeting.pk), problem_post(meeting_firms[2])
    )
    problem = Problem.objects.get()

    assert response.status_code == 302
    assert problem.meeting_link.meeting == meeting
    assert problem.channel == Problem.Channel.SYMPOSIUM
    inbox = client.get(reverse("issues:problem_list"))
    assert problem in list(inbox.context["page"])
    # The next form has the firm chosen and a fresh token.
    page = client.get(response["Location"])
    form = page.context["form"]
    assert form.initial["enterprise"] == meeting_firms[2].pk
    assert str(form.initial["client_token"]) != problem_post(meeting_firms[2])["client_token"]


def test_a_firm_not_present_cannot_be_chosen(client, office, meeting, meeting_firms):
    response = as_user(client, office).post(
        url("meeting_problem_create", meeting.pk), problem_post(meeting_firms[8])
    )

    assert response.status_code == 400
    assert response.context["form"].errors["enterprise"]
    assert not Problem.objects.exists()


def test_a_double_click_records_one_problem(client, office, meeting, meeting_firms):
    client = as_user(client, office)
    data = problem_post(meeting_firms[0])

    client.post(url("meeting_problem_create", meeting.pk), data)
    client.post(url("meeting_problem_create", meeting.pk), data)

    assert Problem.objects.count() == 1


def test_a_problem_without_a_description_comes_back_with_the_firm_kept(
    client, office, meeting, meeting_firms
):
    response = as_user(client, office).post(
        url("meeting_problem_create", meeting.pk), problem_post(meeting_firms[1], description="")
    )

    assert response.status_code == 400
    assert response.context["form"]["enterprise"].value() == str(meeting_firms[1].pk)
    assert not Problem.objects.exists()


# --- Issuing as one document -------------------------------------------------------------------


def test_one_bad_row_issues_nothing_and_the_form_keeps_every_value(
    client, office, meeting, meeting_firms, lead_unit, co_unit
):
    problems = [meeting_problem_make(meeting, f, office) for f in meeting_firms[:3]]
    client = as_user(client, office)
    shown = client.get(url("meeting_issue", meeting.pk))
    # Meanwhile a colleague issues the third problem from its own page.
    slip_issue(
        problem=problems[2],
        batch=batch_open(actor=office),
        lead_unit=lead_unit,
        co_units=[],
        requirement="请协调解决",
        days=5,
        actor=office,
    )
    batches = Batch.objects.count()
    data = issue_post(
        shown,
        lead_unit,
        change={0: {"requirement": "请务必于月底前上门对接", "co_units": co_unit.pk, "days": 7}},
    )

    response = client.post(url("meeting_issue", meeting.pk), data)

    assert response.status_code == 400
    assert Slip.objects.count() == 1  # only the colleague's
    assert Batch.objects.count() == batches
    assert set(
        Problem.objects.filter(pk__in=[p.pk for p in problems[:2]]).values_list("status", flat=True)
    ) == {Problem.Status.NEW}
    rows = response.context["rows"]
    assert [bool(form.non_field_errors()) for form, _problem in rows] == [False, False, True]
    expected = gettext(
        "This problem is already “%(status)s”; someone may have issued it a moment ago."
    ) % {"status": Problem.Status.ASSIGNED.label}
    assert expected in rows[2][0].non_field_errors()
    assert gettext("Nothing was issued; see the marked rows.") in messages_of(response)
    first = rows[0][0]
    assert first["requirement"].value() == "请务必于月底前上门对接"
    assert first["days"].value() == "7"
    assert first["co_units"].value() == [str(co_unit.pk)]
    assert "请务必于月底前上门对接" in response.content.decode()


def test_the_document_sent_twice_issues_it_once(client, office, meeting, meeting_firms, lead_unit):
    for firm in meeting_firms[:2]:
        meeting_problem_make(meeting, firm, office)
    client = as_user(client, office)
    data = issue_post(client.get(url("meeting_issue", meeting.pk)), lead_unit)

    first = client.post(url("meeting_issue", meeting.pk), data)
    again = client.post(url("meeting_issue", meeting.pk), data)

    assert first.status_code == again.status_code == 302
    assert Slip.objects.count() == 2
    assert Batch.objects.count() == 1
    assert gettext("These problems have already been issued.") in messages_of(again)


def test_a_row_without_a_lead_unit_is_marked_and_nothing_is_issued(
    client, office, meeting, meeting_firms, lead_unit
):
    for firm in meeting_firms[:2]:
        meeting_problem_make(meeting, firm, office)
    client = as_user(client, office)
    shown = client.get(url("meeting_issue", meeting.pk))

    response = client.post(
        url("meeting_issue", meeting.pk),
        issue_post(shown, lead_unit, change={1: {"lead_unit": ""}}),
    )

    assert response.status_code == 400
    assert response.context["rows"][1][0].errors["lead_unit"]
    assert not Slip.objects.exists()
    assert not Batch.objects.exists()


def test_an_unticked_problem_stays_in_the_inbox(client, office, meeting, meeting_firms, lead_unit):
    kept, sent = (meeting_problem_make(meeting, f, office) for f in meeting_firms[:2])
    client = as_user(client, office)
    shown = client.get(url("meeting_issue", meeting.pk))
    index = next(
        i for i, f in enumerate(shown.context["formset"].forms) if f.initial["problem"] == kept.pk
    )
    batch = batch_open(actor=office)

    response = client.post(
        url("meeting_issue", meeting.pk),
        issue_post(shown, lead_unit, batch=batch.pk, change={index: {"include": None}}),
    )

    assert response.status_code == 302
    kept.refresh_from_db()
    sent.refresh_from_db()
    assert kept.status == Problem.Status.NEW
    assert sent.status == Problem.Status.ASSIGNED
    assert sent.slips.get().batch == batch


def test_the_default_deadline_follows_the_deadline_table(client, office, meeting, meeting_firms):
    from issues.services import deadline_days_default

    meeting_problem_make(
        meeting, meeting_firms[0], office, category=Category.LAND, urgency=Urgency.URGENT
    )

    shown = as_user(client, office).get(url("meeting_issue", meeting.pk))

    (form,) = shown.context["formset"].forms
    assert form.initial["days"] == deadline_days_default(
        category=Category.LAND, urgency=Urgency.URGENT
    )
    assert meeting.title in form.initial["requirement"]


def test_nothing_awaiting_sorting_sends_the_office_back(client, office, meeting):
    response = as_user(client, office).get(url("meeting_issue", meeting.pk))

    assert response.status_code == 302
    assert response["Location"] == url("meeting_detail", meeting.pk)


# --- The slip's page names the meeting ---------------------------------------------------------


def test_the_slip_page_says_at_which_meeting_the_problem_was_raised(
    client, office, handler, meeting, meeting_firms, lead_unit
):
    problem = meeting_problem_make(meeting, meeting_firms[0], office)
    (slip,) = meeting_issue_rows(meeting, [problem], lead_unit, office)

    page = as_user(client, handler).get(reverse("issues:slip_detail", args=[slip.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert meeting.title in content
    assert url("meeting_detail", meeting.pk) not in content  # the unit cannot open it
    page = as_user(client, office).get(reverse("issues:slip_detail", args=[slip.pk]))
    assert url("meeting_detail", meeting.pk) in page.content.decode()


def meeting_issue_rows(meeting, problems, lead_unit, office):
    from visits.services_meetings import IssueRow, meeting_issue

    return meeting_issue(
        meeting=meeting,
        rows=[
            IssueRow(problem=p, lead_unit=lead_unit, days=5, requirement="请协调解决")
            for p in problems
        ],
        batch=None,
        actor=office,
    )


# --- Who may reach the meetings ----------------------------------------------------------------

PAGES = [
    ("meeting_list", False),
    ("meeting_create", False),
    ("meeting_detail", True),
    ("meeting_edit", True),
    ("meeting_issue", True),
    ("meeting_print", True),
    ("meeting_pdf", True),
]


@pytest.mark.parametrize("who", ["cadre", "handler", "firm_user"])
def test_nobody_but_the_office_reaches_a_meeting_page(
    client, request, who, meeting, meeting_firms, office, lead_unit
):
    problem = meeting_problem_make(meeting, meeting_firms[0], office)
    meeting_issue_rows(meeting, [problem], lead_unit, office)
    client = as_user(client, request.getfixturevalue(who))

    for name, takes_pk in PAGES:
        response = client.get(url(name, meeting.pk) if takes_pk else url(name))
        assert response.status_code in {403, 404}, name
        assert meeting.title not in response.content.decode(errors="ignore"), name
    posts = [
        (url("meeting_create"), meeting_post(meeting_firms[0].name, title="另一个会")),
        (url("meeting_edit", meeting.pk), meeting_post(meeting_firms[0].name, title="改名")),
        (url("meeting_problem_create", meeting.pk), problem_post(meeting_firms[0])),
        (url("meeting_issue", meeting.pk), {"rows-TOTAL_FORMS": "0", "rows-INITIAL_FORMS": "0"}),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code in {403, 404}, target
    assert Meeting.objects.count() == 1
    assert Meeting.objects.get().title == "7月企业家座谈会"
    assert Problem.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(client, meeting):
    response = client.get(url("meeting_detail", meeting.pk))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_meeting_pages_belong_to_the_sorting_section(client, office):
    response = as_user(client, office).get(url("meeting_list"))

    active = [item for item in response.context["nav_sections"] if item["active"]]
    assert [item["url"] for item in active] == [reverse("issues:problem_list")]


# --- The list ----------------------------------------------------------------------------------


def _meeting_with_slips(office, firms, lead_unit, title):
    """A meeting whose firms raised a problem each, all issued, and one more awaiting sorting."""
    meeting = meeting_make(actor=office, firms=firms, title=title)
    problems = [meeting_problem_make(meeting, f, office) for f in firms]
    meeting_problem_make(meeting, firms[0], office, description="尚待梳理的问题")
    return meeting, meeting_issue_rows(meeting, problems, lead_unit, office)


def _close(slip):
    # Straight to closed: the path there is the workflow's tests' business.
    Slip.objects.filter(pk=slip.pk).update(status=Slip.Status.CLOSED, closed_at=timezone.now())


def test_the_list_counts_firms_problems_and_slips(client, office, meeting_firms, lead_unit):
    old = meeting_make(
        actor=office, firms=meeting_firms[:1], title="4月座谈会", held_on=days_ago(90)
    )
    new, slips = _meeting_with_slips(office, meeting_firms[:4], lead_unit, "政银企对接会")
    _close(slips[0])
    # A withdrawn slip is not counted as issued; its problem goes back to sorting.
    slip_withdraw(slip=slips[1], actor=office, reason="交办单位有误")

    response = as_user(client, office).get(url("meeting_list"))

    listed = list(response.context["page"])
    assert [m.pk for m in listed] == [new.pk, old.pk]  # newest first
    counts = [
        (m.firm_count, m.problem_count, m.awaiting_count, m.issued_count, m.closed_count)
        for m in listed
    ]
    assert counts == [(4, 5, 2, 3, 1), (1, 0, 0, 0, 0)]
    content = response.content.decode()
    assert "政银企对接会" in content and "4月座谈会" in content


def test_the_list_takes_the_same_queries_however_many_meetings(
    client, office, meeting_firms, lead_unit, django_assert_max_num_queries
):
    client = as_user(client, office)
    _meeting_with_slips(office, meeting_firms[:2], lead_unit, "第一次座谈会")
    with CaptureQueriesContext(connection) as one:
        client.get(url("meeting_list"))
    for n in range(2, 7):
        _, slips = _meeting_with_slips(
            office, meeting_firms[n : n + 3], lead_unit, f"第{n}次座谈会"
        )
        _close(slips[0])

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url("meeting_list"))

    assert len(response.context["page"]) == 6
    assert len(one.captured_queries) <= 12


def test_an_inactive_unit_is_not_offered_as_lead_unit(client, office, meeting, meeting_firms):
    meeting_problem_make(meeting, meeting_firms[0], office)
    UnitFactory(name="已撤并单位", kind=Unit.Kind.DEPARTMENT, is_active=False)

    response = as_user(client, office).get(url("meeting_issue", meeting.pk))

    assert "已撤并单位" not in response.content.decode()


def test_the_meeting_page_takes_the_same_queries_however_many_problems(
    client, office, meeting, meeting_firms, lead_unit, django_assert_max_num_queries
):
    client = as_user(client, office)
    first = meeting_problem_make(meeting, meeting_firms[0], office)
    meeting_issue_rows(meeting, [first], lead_unit, office)
    with CaptureQueriesContext(connection) as one:
        client.get(url("meeting_detail", meeting.pk))
    more = [meeting_problem_make(meeting, f, office) for f in meeting_firms[:3] * 3]
    meeting_issue_rows(meeting, more[:5], lead_unit, office)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url("meeting_detail", meeting.pk))

    assert response.context["problem_count"] == 10


@pytest.mark.parametrize("odd", ["²", "9" * 25, "-3"])
def test_odd_ids_in_the_address_or_the_form_are_ignored_not_a_crash(client, office, meeting, odd):
    client = as_user(client, office)
    assert client.get(url("meeting_detail", meeting.pk), {"firm": odd}).status_code == 200
    response = client.post(
        url("meeting_issue", meeting.pk),
        {"rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "0", "rows-0-problem": odd},
    )
    assert response.status_code in {200, 302, 400}
