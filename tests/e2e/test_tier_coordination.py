"""The leadership group's page in the browser: a slip the unit could not solve is escalated to
tier 2; a member of the group finds it under 上交协调, assigns a coordinator, records the
coordination meeting and sends the slip back down with instructions and a new deadline; the
unit finds it back in its list, told by a notice."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.models import Notification, Unit, User
from core.workdays import deadline_compute
from issues.models import Problem, Slip, SlipEvent
from issues.services import (
    batch_open,
    slip_escalation_decide,
    slip_issue,
    slip_request_escalation,
    slip_sign,
)
from supervision.models import Coordination, CoordinationMeeting

from .test_slip_workflow import logged_in, step

pytestmark = pytest.mark.e2e


def escalated_to_the_group() -> Slip:
    """A new slip for 经信局 from a visit's problem, signed, escalated at the unit's request
    and approved by the office."""
    unit, office = User.objects.get(username="unit"), User.objects.get(username="office")
    problem = Problem.objects.filter(status=Problem.Status.NEW).order_by("pk").first()
    slip = slip_issue(
        problem=problem,
        batch=batch_open(actor=office),
        lead_unit=Unit.objects.get(name="经信局"),
        co_units=[],
        requirement="请协调解决企业扩产用地问题。",
        days=5,
        actor=office,
    )
    slip = slip_sign(slip=slip, actor=unit)
    slip = slip_request_escalation(
        slip=slip, actor=unit, reason="涉及跨部门用地指标，本单位无法协调。"
    )
    return slip_escalation_decide(slip=slip, actor=office, approve=True, note="同意提级。")


def test_the_leadership_group_coordinates_and_sends_a_slip_back_down(
    browser, live_server, demo, shoot
):
    slip = escalated_to_the_group()
    assert slip.tier == 2 and slip.tier_unit.name == "访企解难工作领导小组"

    group = logged_in(browser, live_server, "group")
    group.get_by_role("link", name="上交协调").first.click()
    expect(group.get_by_role("heading", name="上交协调")).to_be_visible()
    row = group.locator(".list-group-item", has_text=slip.number)
    expect(row).to_contain_text("未指定")
    shoot("tier2-list-group", group)
    row.click()
    expect(group.locator("h1")).to_have_text(slip.number)

    coordinator = step(group, "指定协调人")
    coordinator.get_by_label("协调人").select_option(label="钱晓东")
    coordinator.get_by_role("button", name="指定协调人").click()
    expect(group.get_by_text("已完成：指定协调人")).to_be_visible()

    meeting = step(group, "记录协调会")
    expect(meeting.get_by_label("参会单位")).to_have_values([str(slip.lead_unit_id)])
    meeting.get_by_label("参会单位").select_option(label=["经信局", "自然资源和规划局"])
    meeting.get_by_label("议定事项").fill(
        "由经信局牵头，自然资源和规划局配合，十个工作日内解决用地指标。"
    )
    meeting.get_by_role("button", name="记录协调会").click()
    expect(group.get_by_text("已完成：记录协调会")).to_be_visible()
    section = group.get_by_role("region", name="协调督办")
    expect(section).to_contain_text("钱晓东")
    expect(section).to_contain_text("经信局、自然资源和规划局")
    expect(section).to_contain_text("十个工作日内解决用地指标")
    shoot("tier2-slip-coordinated", group)

    down = step(group, "批示后交回承办单位")
    down.get_by_label("批示意见").fill("请按协调会议定事项落实，结果报领导小组办公室。")
    down.get_by_label("办理时限（工作日）").fill("10")
    down.get_by_role("button", name="批示后交回承办单位").click()
    expect(group.get_by_text("已完成：批示后交回承办单位")).to_be_visible()
    expect(group.locator(".badge", has_text="办理中").first).to_be_visible()
    new_deadline = deadline_compute(timezone.localdate(), 10).date
    expect(group.locator("dd", has_text="原定期限")).to_contain_text(f"{new_deadline:%Y-%m-%d}")

    group.goto(f"{live_server.url}/supervision/escalated/")
    group.get_by_role("link", name="已交回办理").click()
    row = group.locator(".list-group-item", has_text=slip.number)
    expect(row).to_contain_text("协调人：钱晓东")
    expect(row).to_contain_text("1 次协调会")
    shoot("tier2-sent-down-list", group)

    unit = logged_in(browser, live_server, "unit")
    unit.get_by_role("link", name=re.compile("通知")).first.click()
    expect(unit.get_by_text(re.compile(f"交回办理：{re.escape(slip.number)}"))).to_be_visible()

    slip.refresh_from_db()
    assert slip.status == Slip.Status.IN_PROGRESS
    assert slip.deadline == new_deadline
    assert Coordination.objects.get(slip=slip, tier=2).coordinator.username == "group"
    meeting_row = CoordinationMeeting.objects.get(slip=slip)
    assert sorted(u.name for u in meeting_row.units_present.all()) == sorted(
        ["经信局", "自然资源和规划局"]
    )
    steps = list(
        SlipEvent.objects.filter(slip=slip)
        .exclude(action="notice")
        .order_by("pk")
        .values_list("action", "actor__username")
    )[-5:]
    assert steps == [
        ("request_escalation", "unit"),
        ("approve_escalation", "office"),
        ("assign_coordinator", "group"),
        ("coordination_meeting", "group"),
        ("send_down", "group"),
    ]
    assert Notification.objects.filter(
        recipient__username="unit", kind="sent_down", url__endswith=f"/{slip.pk}/"
    ).exists()
