"""The enterprise portal, problem side: only a firm's own users, only their firm's problems;
raising one online with files (all or nothing); the status and history a firm reads; the
rating."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, pgettext

from core.models import AuditEvent
from core.roles import Role
from issues import audit
from issues.models import Attachment, Problem, Slip, SlipEvent
from issues.services import (
    problem_answer,
    problem_decline,
    slip_contact,
    slip_feed_back,
    slip_issue,
    slip_note,
    slip_reject_reply,
    slip_reply,
    slip_request_escalation,
    slip_request_extension,
)
from issues.tests.conftest import make_firm_user, new_problem
from issues.tests.files import JPEG, PDF, PNG, TEXT, upload
from issues.tests.helpers import DAY, TEXTS, reach, take
from issues.workflow import TransitionRefused, actions_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

S = Slip.Status


def url(name, *args):
    return reverse(f"portal:{name}", args=args)


def as_user(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def fed_back(slip, lead, office):
    return reach(slip, S.FED_BACK, lead=lead, office=office)


@pytest.fixture
def other_problem(other_firm, office):
    return new_problem(other_firm, office, description="乙方企业的厂房审批问题，内部备注勿外传。")


# --- Who may use the portal ------------------------------------------------------------------


@pytest.fixture
def outsiders(make_user, office, lead, cadre, firm):
    """Everyone but a firm's own user: staff of every kind, an enterprise account not linked to
    a firm, and an account linked to a firm without the enterprise role."""
    from enterprises.models import FirmUser

    unlinked = make_user(Role.ENTERPRISE, username="firm_unlinked")
    linked_staff = make_user(Role.CADRE, username="cadre_linked")
    FirmUser.objects.create(user=linked_staff, enterprise=firm)
    return {
        "office": office,
        "handler": lead,
        "cadre": cadre,
        "leader": make_user(Role.LEADER, username="leader1"),
        "unlinked": unlinked,
        "linked_without_role": linked_staff,
    }


@pytest.mark.parametrize(
    "who", ["office", "handler", "cadre", "leader", "unlinked", "linked_without_role"]
)
def test_portal_pages_refuse_everyone_but_firm_users(client, outsiders, who, problem, slip):
    user = outsiders[who]
    as_user(client, user)

    assert client.get(url("home")).status_code == 403
    assert client.get(url("problem_create")).status_code == 403
    assert client.post(url("problem_create"), {"category": "energy"}).status_code == 403
    assert client.get(url("problem_detail", problem.pk)).status_code == 403
    assert client.post(url("problem_rate", problem.pk), {"rating": "satisfied"}).status_code == 403
    assert Problem.objects.count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, problem):
    for target in [url("home"), url("problem_create"), url("problem_detail", problem.pk)]:
        response = client.get(target)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_a_firm_user_does_not_see_another_firms_problems(client, firm_user, problem, other_problem):
    response = as_user(client, firm_user).get(url("home"))

    assert response.status_code == 200
    assert [p.pk for p, _progress in response.context["rows"]] == [problem.pk]
    assert other_problem.description not in response.text


def test_another_firms_problem_page_is_404(client, firm_user, other_problem):
    response = as_user(client, firm_user).get(url("problem_detail", other_problem.pk))

    assert response.status_code == 404


def test_another_firm_cannot_rate_the_slip(client, other_firm_user, firm_user, slip, lead, office):
    slip = fed_back(slip, lead, office)

    response = as_user(client, other_firm_user).post(
        url("problem_rate", slip.problem_id), {"rating": "satisfied"}
    )

    assert response.status_code == 404
    slip.refresh_from_db()
    assert slip.status == S.FED_BACK and slip.rating == ""


def test_another_firm_cannot_download_the_files(client, firm_user, other_firm_user):
    response = as_user(client, firm_user).post(
        url("problem_create"),
        {"category": "land", "description": "厂房扩建用地", "attachments": [upload("图.png", PNG)]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()

    download = reverse("issues:attachment_download", args=[attachment.pk])
    assert as_user(client, other_firm_user).get(download).status_code == 404
    assert as_user(client, firm_user).get(download).status_code == 200


def test_a_firm_user_reaches_none_of_the_staff_pages(client, firm_user, slip, lead, office):
    slip = fed_back(slip, lead, office)
    as_user(client, firm_user)

    assert client.get(reverse("issues:problem_list")).status_code == 403
    assert client.get(reverse("issues:problem_detail", args=[slip.problem_id])).status_code == 403
    assert client.get(reverse("issues:slip_detail", args=[slip.pk])).status_code == 404
    response = client.post(
        reverse("issues:slip_action", args=[slip.pk, "rate"]), {"rating": "satisfied"}
    )
    assert response.status_code == 404
    slip.refresh_from_db()
    assert slip.status == S.FED_BACK


def test_the_portal_is_in_the_firm_users_navigation(client, firm_user):
    response = as_user(client, firm_user).get(url("home"))

    assert url("home") in [item["url"] for item in response.context["nav_sections"]]


# --- The firm rates its slips, and does nothing else ------------------------------------------


def test_a_firm_user_may_only_rate_its_own_firms_fed_back_slip(
    firm_user, other_firm_user, slip, lead, office
):
    assert actions_for(firm_user, slip) == []
    slip = reach(slip, S.REPLIED, lead=lead, office=office)
    assert actions_for(firm_user, slip) == []

    slip = take(slip, "feed_back", office)

    assert actions_for(firm_user, slip) == ["rate_close", "rate_reopen"]
    assert actions_for(other_firm_user, slip) == []


def test_a_firm_user_cannot_take_a_units_step(firm_user, slip):
    from issues.services import slip_sign

    with pytest.raises(TransitionRefused):
        slip_sign(slip=slip, actor=firm_user)


# --- The list --------------------------------------------------------------------------------


def _statuses(response) -> dict[int, object]:
    return {problem.pk: progress for problem, progress in response.context["rows"]}


def test_the_list_shows_every_channel_newest_first_with_plain_status(
    client, firm, firm_user, office, batch, lead_unit, lead
):
    from django.utils import timezone

    now = timezone.now()
    visit = new_problem(firm, office, raised_at=now - 5 * DAY)
    hotline = new_problem(
        firm, office, channel=Problem.Channel.HOTLINE, raised_at=now - 4 * DAY, description="热线"
    )
    symposium = new_problem(
        firm,
        office,
        channel=Problem.Channel.SYMPOSIUM,
        raised_at=now - 3 * DAY,
        description="座谈会反映",
    )
    answered = new_problem(firm, office, raised_at=now - 2 * DAY, description="政策咨询")
    problem_answer(problem=answered, actor=office, answer="已按政策解释")
    declined = new_problem(firm, office, raised_at=now - DAY, description="违建")
    problem_decline(problem=declined, actor=office, reason="属违法建筑")
    web = new_problem(firm, firm_user, channel=Problem.Channel.WEB, description="网上诉求")
    issued = slip_issue(
        problem=hotline,
        batch=batch,
        lead_unit=lead_unit,
        co_units=[],
        requirement="请办理",
        days=5,
        actor=office,
    )
    replied = slip_issue(
        problem=symposium,
        batch=batch,
        lead_unit=lead_unit,
        co_units=[],
        requirement="请办理",
        days=5,
        actor=office,
    )
    fed_back(replied, lead, office)

    response = as_user(client, firm_user).get(url("home"))

    rows = response.context["rows"]
    assert [p.pk for p, _ in rows] == [
        web.pk,
        declined.pk,
        answered.pk,
        symposium.pk,
        hotline.pk,
        visit.pk,
    ]
    status = _statuses(response)
    assert status[web.pk].label == gettext("Received, awaiting sorting")
    assert status[visit.pk].label == gettext("Received, awaiting sorting")
    assert status[answered.pk].label == gettext("Answered directly")
    assert status[declined.pk].label == gettext("Not accepted")
    assert status[hotline.pk].label == gettext("Assigned")
    assert status[hotline.pk].unit == lead_unit.name
    assert status[hotline.pk].deadline == issued.deadline
    assert status[symposium.pk].label == gettext("Replied, please rate")
    assert status[symposium.pk].rating_due
    assert issued.deadline.isoformat() in response.text
    assert escape(gettext("Replied, please rate")) in response.text
    assert response.context["rating_due"] == 1


def test_the_list_reads_a_fixed_number_of_queries(
    client, firm, firm_user, office, batch, lead_unit, django_assert_max_num_queries
):
    for n in range(6):
        problem = new_problem(firm, office, description=f"问题{n}")
        if n % 2:
            slip_issue(
                problem=problem,
                batch=batch,
                lead_unit=lead_unit,
                co_units=[],
                requirement="请办理",
                days=5,
                actor=office,
            )
    as_user(client, firm_user)

    with django_assert_max_num_queries(14):
        response = client.get(url("home"))

    assert len(response.context["rows"]) == 6


def test_a_merged_problem_reads_as_handled_together(client, firm, other_firm, firm_user, office):
    from issues.services import problem_merge

    target = new_problem(other_firm, office, description="乙方的同类问题")
    mine = new_problem(firm, office)
    problem_merge(problem=mine, into=target, actor=office)

    response = as_user(client, firm_user).get(url("problem_detail", mine.pk))

    assert response.context["progress"].label == gettext(
        "Handled together with the same problem raised by others"
    )
    assert "乙方" not in response.text


@pytest.fixture
def merged(other_firm, office, slip):
    """Firm B's problem merged into firm A's, which has the slip."""
    from issues.services import problem_merge

    duplicate = new_problem(other_firm, office, description="乙方：同样需要变压器增容")
    return problem_merge(problem=duplicate, into=slip.problem, actor=office)


def test_a_merged_problem_shows_the_unit_and_deadline_of_the_one_it_joined(
    client, other_firm_user, merged, slip, lead, office, lead_unit
):
    reach(slip, S.SIGNED, lead=lead, office=office)

    response = as_user(client, other_firm_user).get(url("problem_detail", merged.pk))

    progress = response.context["progress"]
    assert (progress.unit, progress.deadline) == (lead_unit.name, slip.deadline)
    assert progress.merged and not progress.rating_due
    titles = [step.title for step in response.context["history"]]
    assert gettext("%(unit)s signed for it and is handling it") % {"unit": lead_unit.name} in titles
    assert slip.problem.description not in response.text  # firm A's words stay with firm A
    assert slip.requirement not in response.text
    assert (
        escape(
            gettext(
                "Your problem is handled together with the same problem raised by another firm: its "
                "handling is shown here, and that firm rates the result."
            )
        )
        in response.text
    )


def test_a_merged_problem_shows_the_reply_once_fed_back_without_a_rating_form(
    client, other_firm_user, merged, slip, lead, office
):
    slip = reach(slip, S.REPLIED, lead=lead, office=office)
    before = as_user(client, other_firm_user).get(url("problem_detail", merged.pk))
    assert TEXTS["reply"] not in before.text

    slip_feed_back(slip=slip, actor=office, method="phone", note="电话告知企业")
    response = client.get(url("problem_detail", merged.pk))

    assert response.context["progress"].reply_shown
    assert TEXTS["reply"] in response.text
    assert response.context["rate_form"] is None
    assert url("problem_rate", merged.pk) not in response.text
    assert response.context["history"][-1].text == TEXTS["reply"]
    home = client.get(url("home"))
    assert [progress.rating_due for _problem, progress in home.context["rows"]] == [False]


def test_a_merged_firm_cannot_rate(client, other_firm_user, merged, slip, lead, office):
    slip = fed_back(slip, lead, office)
    as_user(client, other_firm_user)

    own = client.post(url("problem_rate", merged.pk), {"rating": "satisfied"})
    theirs = client.post(url("problem_rate", slip.problem_id), {"rating": "satisfied"})

    assert own.status_code == 302
    assert gettext("This problem is not waiting for your rating now.") in messages_of(own)
    assert theirs.status_code == 404
    slip.refresh_from_db()
    assert slip.status == S.FED_BACK and not slip.rating


def test_a_merged_problem_shows_the_outcome_but_not_the_other_firms_rating(
    client, firm_user, other_firm_user, merged, slip, lead, office
):
    from issues.services import slip_rate

    slip = fed_back(slip, lead, office)
    slip_rate(
        slip=slip, actor=firm_user, rating="dissatisfied", comment="甲方：仍未通电", by_firm=True
    )

    response = as_user(client, other_firm_user).get(url("problem_detail", merged.pk))

    assert "甲方：仍未通电" not in response.text
    assert response.context["progress"].deadline is not None  # handled again, by a new date
    assert response.context["history"][-1].title == gettext(
        "Rated dissatisfied by the other firm: reopened, %(unit)s handles it again"
    ) % {"unit": slip.lead_unit.name}


def test_a_problem_merged_into_one_answered_directly_shows_the_answer(
    client, firm, other_firm, other_firm_user, office
):
    from issues.services import problem_merge

    canonical = new_problem(firm, office, description="政策咨询")
    duplicate = problem_merge(
        problem=new_problem(other_firm, office, description="同样的政策咨询"),
        into=canonical,
        actor=office,
    )
    problem_answer(problem=canonical, actor=office, answer="请按技改补助办法第五条申报。")

    response = as_user(client, other_firm_user).get(url("problem_detail", duplicate.pk))

    assert "请按技改补助办法第五条申报。" in response.text
    assert response.context["progress"].decided == canonical


# --- Raising a problem online ----------------------------------------------------------------


def test_a_firm_user_raises_a_problem_with_files(client, firm, firm_user, office, private_media):
    response = as_user(client, firm_user).post(
        url("problem_create"),
        {
            "category": "energy",
            "description": "新厂区需要双回路供电。",
            "attachments": [
                upload("C:\\资料\\供电申请.pdf", PDF, "application/octet-stream"),
                upload("现场照片.jpg", JPEG, "image/jpeg"),
            ],
        },
    )

    problem = Problem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("problem_detail", problem.pk)
    assert problem.enterprise == firm
    assert problem.channel == Problem.Channel.WEB
    assert problem.raised_by == firm_user
    assert problem.status == Problem.Status.NEW
    assert problem.category == "energy"
    files = list(problem.attachments.order_by("name"))
    assert [(f.name, f.content_type) for f in files] == [
        ("供电申请.pdf", "application/pdf"),
        ("现场照片.jpg", "image/jpeg"),
    ]
    assert all(f.uploaded_by == firm_user for f in files)
    assert AuditEvent.objects.filter(action=audit.ATTACHMENT_ADDED).count() == 2
    assert AuditEvent.objects.filter(action=audit.PROBLEM_CREATED, actor=firm_user).exists()
    assert problem.reference in " ".join(messages_of(response))
    # It waits in the office's sorting inbox like any problem.
    inbox = as_user(client, office).get(reverse("issues:problem_list"))
    assert problem in list(inbox.context["page"].object_list)


def test_a_problem_without_files_is_fine(client, firm_user):
    response = as_user(client, firm_user).post(
        url("problem_create"), {"category": "policy", "description": "想了解技改补助政策。"}
    )

    assert response.status_code == 302
    assert Problem.objects.get().attachments.count() == 0


def test_the_form_page_offers_several_files(client, firm_user):
    response = as_user(client, firm_user).get(url("problem_create"))

    assert response.status_code == 200
    assert 'type="file"' in response.text and "multiple" in response.text
    assert 'enctype="multipart/form-data"' in response.text


def form_token(client) -> str:
    """The one-time value the form page carries, as a browser would send it back."""
    import re

    response = client.get(url("problem_create"))
    return re.search(r'name="client_token" value="([0-9a-f-]{36})"', response.text).group(1)


def test_the_form_sent_twice_records_one_problem(
    client, firm_user, private_media, sms_outbox, django_capture_on_commit_callbacks
):
    from core.models import Notification

    as_user(client, firm_user)
    token = form_token(client)
    assert form_token(client) != token  # a new one each time the form is shown

    def send():
        return client.post(
            url("problem_create"),
            {
                "category": "energy",
                "description": "新厂区需要双回路供电。",
                "attachments": [upload("供电申请.pdf", PDF)],
                "client_token": token,
            },
        )

    with django_capture_on_commit_callbacks(execute=True):
        first = send()
    with django_capture_on_commit_callbacks(execute=True):
        second = send()  # a double click on 提交

    problem = Problem.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == url("problem_detail", problem.pk)
    assert problem.attachments.count() == 1
    assert len(_stored_files(private_media)) == 1
    assert AuditEvent.objects.filter(action=audit.PROBLEM_CREATED).count() == 1
    assert Notification.objects.filter(kind="firm_received").count() == 1
    assert len(sms_outbox) == 1


def test_a_form_sent_again_after_editing_is_not_silently_dropped(client, firm_user):
    """Back button, a changed text, 提交 again: the same token, another problem. It is refused
    with where the first one went, not swallowed."""
    as_user(client, firm_user)
    token = form_token(client)
    client.post(
        url("problem_create"),
        {"category": "policy", "description": "第一次", "client_token": token},
    )
    first = Problem.objects.get()

    again = client.post(
        url("problem_create"),
        {"category": "policy", "description": "改过的", "client_token": token},
    )

    assert again.status_code == 400
    assert Problem.objects.get() == first
    assert first.reference in again.text


def test_two_forms_record_two_problems(client, firm_user):
    as_user(client, firm_user)
    for _n in range(2):
        client.post(
            url("problem_create"),
            {"category": "policy", "description": "政策咨询", "client_token": form_token(client)},
        )

    assert Problem.objects.count() == 2


def test_another_firms_form_token_is_refused(client, firm_user, other_firm_user):
    as_user(client, other_firm_user)
    token = form_token(client)
    client.post(
        url("problem_create"), {"category": "policy", "description": "乙方", "client_token": token}
    )
    theirs = Problem.objects.get()

    response = as_user(client, firm_user).post(
        url("problem_create"), {"category": "policy", "description": "甲方", "client_token": token}
    )

    assert response.status_code == 400
    assert Problem.objects.get() == theirs
    assert gettext("This form has expired; open it again.") in response.text


def test_the_form_sent_twice_at_once_records_one_problem(firm_user, private_media, monkeypatch):
    """The second request looked before the first had saved: the database refuses the second
    problem, and the first is returned with its files; nothing of the second is kept."""
    import uuid

    from issues.services import attachments as service
    from issues.services import problem_submit

    token = uuid.uuid4()
    first = problem_submit(
        user=firm_user,
        category="land",
        description="用地",
        uploads=[upload("a.pdf", PDF)],
        client_token=token,
    )
    real = service._by_token
    looked = []

    def by_token_after_the_insert(value):
        looked.append(value)
        return real(value) if len(looked) > 1 else None

    monkeypatch.setattr(service, "_by_token", by_token_after_the_insert)

    again = problem_submit(
        user=firm_user,
        category="land",
        description="用地",
        uploads=[upload("a.pdf", PDF)],
        client_token=token,
    )

    assert again == first
    assert Problem.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert len(_stored_files(private_media)) == 1


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_one_bad_file_saves_nothing_and_keeps_the_text(client, firm_user, private_media):
    response = as_user(client, firm_user).post(
        url("problem_create"),
        {
            "category": "land",
            "description": "厂房扩建缺少用地指标。",
            "attachments": [upload("规划图.pdf", PDF), upload("伪装.pdf", TEXT, "application/pdf")],
        },
    )

    assert response.status_code == 400
    assert Problem.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _stored_files(private_media) == []
    assert "厂房扩建缺少用地指标。" in response.text
    errors = response.context["form"].errors["attachments"]
    assert len(errors) == 1 and "伪装.pdf" in errors[0]
    assert escape("伪装.pdf") in response.text


def test_too_many_files_save_nothing(client, firm_user, settings):
    settings.ATTACHMENT_MAX_FILES = 2

    response = as_user(client, firm_user).post(
        url("problem_create"),
        {
            "category": "land",
            "description": "用地问题",
            "attachments": [upload(f"{n}.pdf", PDF) for n in range(3)],
        },
    )

    assert response.status_code == 400
    assert Problem.objects.count() == 0
    assert response.context["form"].errors["attachments"]


def test_a_too_big_file_saves_nothing(client, firm_user, settings):
    settings.ATTACHMENT_MAX_BYTES = 50

    response = as_user(client, firm_user).post(
        url("problem_create"),
        {
            "category": "land",
            "description": "用地问题",
            "attachments": [upload("大文件.pdf", PDF + b"0" * 60)],
        },
    )

    assert response.status_code == 400
    assert Problem.objects.count() == 0
    assert "大文件.pdf" in response.context["form"].errors["attachments"][0]


def test_a_failure_while_storing_leaves_no_problem_and_no_file(
    client, firm_user, private_media, monkeypatch
):
    from issues.services import attachments as service

    real = service.attachment_store
    calls = []

    def fail_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(service, "attachment_store", fail_on_second)
    as_user(client, firm_user)
    client.raise_request_exception = True

    with pytest.raises(OSError):
        client.post(
            url("problem_create"),
            {
                "category": "land",
                "description": "用地问题",
                "attachments": [upload("1.pdf", PDF), upload("2.pdf", PDF)],
            },
        )

    assert Problem.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert _stored_files(private_media) == []


def test_a_missing_description_is_asked_for(client, firm_user):
    response = as_user(client, firm_user).post(url("problem_create"), {"category": "land"})

    assert response.status_code == 400
    assert "description" in response.context["form"].errors
    assert Problem.objects.count() == 0


def test_the_office_may_search_by_the_reference(client, firm_user, office):
    as_user(client, firm_user).post(
        url("problem_create"), {"category": "policy", "description": "政策咨询"}
    )
    problem = Problem.objects.get()

    response = as_user(client, office).get(
        reverse("issues:problem_list"), {"q": problem.reference, "status": ""}
    )

    assert list(response.context["page"].object_list) == [problem]


# --- One problem: status, files, history ------------------------------------------------------


def test_the_problem_page_shows_the_files(client, firm_user):
    as_user(client, firm_user).post(
        url("problem_create"),
        {"category": "land", "description": "用地", "attachments": [upload("图纸.pdf", PDF)]},
    )
    problem = Problem.objects.get()

    response = client.get(url("problem_detail", problem.pk))

    attachment = problem.attachments.get()
    assert "图纸.pdf" in response.text
    assert reverse("issues:attachment_download", args=[attachment.pk]) in response.text


def test_the_history_shows_only_steps_meant_for_the_firm(
    client, firm_user, slip, lead, co, office, lead_unit
):
    secret = {
        "requirement": slip.requirement,
        "note": "内部进度：领导尚未批示",
        "contact": "电话联系企业，内部记录",
        "co_input": "协办单位内部意见",
        "extension": "延期理由：内部协调",
        "escalation": "提级理由：内部",
        "rejected_reply": "第一次答复不完整",
        "reject_reason": "退回答复：缺少时间",
        "feedback_note": "电话告知企业负责人",
    }
    from issues.services import slip_co_input, slip_sign

    slip = slip_sign(slip=slip, actor=lead)
    slip = slip_note(slip=slip, actor=lead, text=secret["note"])
    slip = slip_contact(slip=slip, actor=lead, met=False, text=secret["contact"])
    slip = slip_co_input(slip=slip, actor=co, text=secret["co_input"])
    slip.refresh_from_db()
    slip = slip_request_extension(
        slip=slip, actor=lead, reason=secret["extension"], new_deadline=slip.deadline + 9 * DAY
    )
    from issues.services import slip_escalation_decide, slip_extension_decide

    slip = slip_extension_decide(slip=slip, actor=office, approve=False)
    slip = slip_request_escalation(slip=slip, actor=lead, reason=secret["escalation"])
    slip = slip_escalation_decide(slip=slip, actor=office, approve=False)
    slip = slip_reply(slip=slip, actor=lead, outcome="solved", text=secret["rejected_reply"])
    slip = slip_reject_reply(slip=slip, actor=office, reason=secret["reject_reason"])
    slip = slip_reply(slip=slip, actor=lead, outcome="solved", text="已完成增容，已通电。")
    slip = slip_feed_back(slip=slip, actor=office, method="phone", note=secret["feedback_note"])

    response = as_user(client, firm_user).get(url("problem_detail", slip.problem_id))

    text = response.text
    for key, value in secret.items():
        assert value not in text, key
    assert "已完成增容，已通电。" in text
    assert lead_unit.name in text
    titles = [step.title for step in response.context["history"]]
    issue_event = SlipEvent.objects.get(slip=slip, action="issue")
    assert titles == [
        gettext("Received through %(channel)s; reference %(ref)s")
        % {"channel": gettext("Visit"), "ref": slip.problem.reference},
        gettext("Assigned to %(unit)s, to be handled by %(deadline)s")
        % {"unit": lead_unit.name, "deadline": issue_event.data["deadline"]},
        gettext("%(unit)s signed for it and is handling it") % {"unit": lead_unit.name},
        gettext("Reply from %(unit)s, told to you by the activity office")
        % {"unit": lead_unit.name},
    ]
    assert response.context["history"][-1].text == "已完成增容，已通电。"


def test_a_reply_not_yet_fed_back_is_not_shown(client, firm_user, slip, lead, office):
    slip = reach(slip, S.REPLIED, lead=lead, office=office)

    response = as_user(client, firm_user).get(url("problem_detail", slip.problem_id))

    assert TEXTS["reply"] not in response.text
    assert response.context["progress"].label == gettext("Being handled")
    assert response.context["rate_form"] is None


def test_an_answer_or_a_refusal_is_shown_with_its_text(client, firm, firm_user, office):
    answered = new_problem(firm, office, description="政策咨询")
    problem_answer(problem=answered, actor=office, answer="请按技改补助办法第五条申报。")
    declined = new_problem(firm, office, description="违建")
    problem_decline(problem=declined, actor=office, reason="属三改一拆范围，不予支持。")
    as_user(client, firm_user)

    first = client.get(url("problem_detail", answered.pk))
    second = client.get(url("problem_detail", declined.pk))

    assert "请按技改补助办法第五条申报。" in first.text
    assert first.context["history"][-1].title == gettext("Answered directly by the activity office")
    assert "属三改一拆范围，不予支持。" in second.text
    assert second.context["progress"].label == gettext("Not accepted")


def test_a_transfer_to_another_unit_is_shown(client, firm_user, slip, lead, office, third_unit):
    from issues.services import slip_request_return, slip_return_decide

    slip = slip_request_return(slip=slip, actor=lead, reason="非本单位职责，内部意见")
    slip = slip_return_decide(slip=slip, actor=office, approve=True, reassign_to=third_unit)

    response = as_user(client, firm_user).get(url("problem_detail", slip.problem_id))

    assert response.context["history"][-1].title == gettext("Transferred to %(unit)s") % {
        "unit": third_unit.name
    }
    assert response.context["progress"].unit == third_unit.name
    assert "非本单位职责，内部意见" not in response.text


# --- The rating ------------------------------------------------------------------------------


def test_the_rating_form_shows_when_the_reply_is_fed_back(client, firm_user, slip, lead, office):
    slip = fed_back(slip, lead, office)

    response = as_user(client, firm_user).get(url("problem_detail", slip.problem_id))

    assert response.context["rate_form"] is not None
    assert TEXTS["reply"] in response.text
    assert url("problem_rate", slip.problem_id) in response.text


def test_satisfied_closes_the_slip_as_rated_by_the_firm(client, firm_user, slip, lead, office):
    slip = fed_back(slip, lead, office)

    response = as_user(client, firm_user).post(
        url("problem_rate", slip.problem_id), {"rating": "satisfied", "comment": "很及时"}
    )

    assert response.status_code == 302
    slip.refresh_from_db()
    assert slip.status == S.CLOSED
    assert slip.rating == Slip.Rating.SATISFIED
    assert slip.rated_by_firm is True
    assert slip.rated_by == firm_user
    assert slip.rating_comment == "很及时"
    event = SlipEvent.objects.filter(slip=slip).latest("pk")
    assert (event.action, event.actor, event.data["by_firm"]) == ("rate_close", firm_user, True)
    page = client.get(url("problem_detail", slip.problem_id))
    assert page.context["progress"].label == pgettext("slip status", "Closed")
    assert page.context["rate_form"] is None
    assert page.context["history"][-1].title == gettext("Rated, and closed")


def test_dissatisfied_reopens_the_slip(client, firm_user, slip, lead, office, lead_unit):
    slip = fed_back(slip, lead, office)

    response = as_user(client, firm_user).post(
        url("problem_rate", slip.problem_id),
        {"rating": "dissatisfied", "comment": "仍未通电"},
    )

    assert response.status_code == 302
    slip.refresh_from_db()
    assert slip.status == S.REOPENED
    assert slip.rated_by_firm is True
    assert slip.reopen_count == 1
    page = client.get(url("problem_detail", slip.problem_id))
    assert page.context["progress"].label == gettext("Reopened, being handled again")
    assert page.context["progress"].unit == lead_unit.name
    assert escape(gettext("Reopened, being handled again")) in page.text
    assert page.context["history"][-1].title == gettext(
        "Rated dissatisfied: reopened, %(unit)s handles it again"
    ) % {"unit": lead_unit.name}
    assert "仍未通电" in page.text


def test_dissatisfied_needs_a_comment(client, firm_user, slip, lead, office):
    slip = fed_back(slip, lead, office)

    response = as_user(client, firm_user).post(
        url("problem_rate", slip.problem_id), {"rating": "dissatisfied", "comment": " "}
    )

    assert response.status_code == 400
    assert "comment" in response.context["rate_form"].errors
    slip.refresh_from_db()
    assert slip.status == S.FED_BACK


def test_not_rated_is_not_a_choice(client, firm_user, slip, lead, office):
    slip = fed_back(slip, lead, office)

    response = as_user(client, firm_user).post(
        url("problem_rate", slip.problem_id), {"rating": "unrated"}
    )

    assert response.status_code == 400
    slip.refresh_from_db()
    assert slip.status == S.FED_BACK


def test_rating_when_no_rating_is_due_changes_nothing(client, firm_user, slip, lead, office):
    slip = reach(slip, S.REPLIED, lead=lead, office=office)

    response = as_user(client, firm_user).post(
        url("problem_rate", slip.problem_id), {"rating": "satisfied"}
    )

    assert response.status_code == 302
    assert messages_of(response) == [gettext("This problem is not waiting for your rating now.")]
    slip.refresh_from_db()
    assert slip.status == S.REPLIED


def test_a_second_user_of_the_firm_may_rate_too(client, make_user, firm, slip, lead, office):
    colleague = make_firm_user(make_user, firm, "firm_a2")
    slip = fed_back(slip, lead, office)

    as_user(client, colleague).post(url("problem_rate", slip.problem_id), {"rating": "basic"})

    slip.refresh_from_db()
    assert (slip.status, slip.rating, slip.rated_by) == (S.CLOSED, Slip.Rating.BASIC, colleague)


def test_a_withdrawn_slip_reads_as_taken_back_without_its_reason(client, firm_user, slip, office):
    from issues.services import slip_withdraw

    slip_withdraw(slip=slip, actor=office, reason="重复交办，内部撤回")

    response = as_user(client, firm_user).get(url("problem_detail", slip.problem_id))

    assert response.context["history"][-1].title == gettext(
        "Taken back by the activity office to assign again"
    )
    assert response.context["progress"].label == gettext("Received, awaiting sorting")
    assert "重复交办，内部撤回" not in response.text


def test_the_list_shows_the_firms_own_words(client, firm, firm_user, office):
    from issues.services import problem_update

    problem = new_problem(firm, office, description="我们的原话：变压器不够用")
    problem_update(
        problem=problem,
        actor=office,
        description="企业变压器容量不足，需增容",
        category="energy",
        urgency="normal",
        kind="individual",
        special_action=None,
    )

    response = as_user(client, firm_user).get(url("home"))

    assert "我们的原话：变压器不够用" in response.text


@pytest.mark.parametrize("who", ["handler", "cadre", "unlinked", "linked_without_role"])
def test_only_the_firms_users_and_readers_of_the_problem_download_its_files(
    client, outsiders, who, firm_user
):
    as_user(client, firm_user).post(
        url("problem_create"),
        {"category": "land", "description": "用地", "attachments": [upload("图.png", PNG)]},
    )
    download = reverse("issues:attachment_download", args=[Attachment.objects.get().pk])

    assert as_user(client, outsiders[who]).get(download).status_code == 404
    assert as_user(client, outsiders["office"]).get(download).status_code == 200


def test_an_enterprise_account_without_a_firm_is_told_why(client, outsiders):
    response = as_user(client, outsiders["unlinked"]).get(url("home"))

    assert response.status_code == 403
    assert response.templates[0].name == "portal/unlinked.html"
