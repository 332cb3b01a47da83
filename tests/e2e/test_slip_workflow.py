"""The whole 一条龙 in the browser: the office issues a slip from a visit's problem, the unit
signs, contacts the firm and replies, the office feeds back, the firm is dissatisfied, the slip
reopens, the unit replies again, the firm is satisfied, the slip closes; the PDF downloads."""

import re

import pytest
from playwright.sync_api import expect

from issues.models import Slip, SlipEvent

from .helpers import logged_in, step

pytestmark = pytest.mark.e2e


def test_from_a_visit_problem_to_a_closed_slip(browser, live_server, demo, shoot):
    office = logged_in(browser, live_server, "office")
    office.goto(f"{live_server.url}/issues/problems/?status=new&channel=visit")
    office.locator(".list-group-item").first.click()
    expect(office.get_by_role("heading", name="签发交办单")).to_be_visible()
    if office.get_by_role("button", name="签发").count() == 0:
        office.get_by_role("button", name="新建下一批次").click()
    office.get_by_label("主办单位").select_option(label="经信局")
    office.get_by_label("办理时限（工作日）").fill("5")
    office.get_by_role("button", name="签发").click()
    expect(
        office.get_by_text(re.compile(r"交办单 临访交〔\d{4}〕第\d+批-\d{3} 已签发"))
    ).to_be_visible()
    slip_url = office.url
    number = office.locator("h1").inner_text()
    shoot("slip-issued-office", office)

    unit = logged_in(browser, live_server, "unit")
    unit.get_by_role("link", name="我的交办单").first.click()
    unit.get_by_role("link", name=re.compile(re.escape(number))).click()
    step(unit, "签收").get_by_role("button", name="签收").click()
    expect(unit.get_by_text("已完成：签收")).to_be_visible()
    contact = step(unit, "记录联系企业情况")
    contact.get_by_label("当面").check()
    contact.get_by_label("沟通情况").fill("到企业现场查看，约定一周内协调。")
    contact.get_by_role("button", name="记录联系企业情况").click()
    reply = step(unit, "答复办理结果")
    reply.get_by_label("已解决").check()
    reply.get_by_label(re.compile(r"^答复")).fill("已协调相关单位，问题已解决。")
    reply.get_by_role("button", name="答复办理结果").click()
    expect(unit.locator("h1 + .badge, .badge").filter(has_text="已答复").first).to_be_visible()
    shoot("slip-replied-unit", unit)

    office.goto(slip_url)
    feedback = step(office, "登记向企业反馈")
    feedback.get_by_label("电话").check()
    feedback.get_by_role("button", name="登记向企业反馈").click()
    rating = step(office, "登记企业评价")
    rating.get_by_role("radio", name="不满意").check()
    rating.get_by_label(re.compile("企业意见")).fill("问题没有完全解决，仍需协调。")
    rating.get_by_role("button", name="登记企业评价").click()
    expect(office.locator(".badge", has_text="重办").first).to_be_visible()

    unit.reload()
    reply = step(unit, "答复办理结果")
    reply.get_by_label("已解决").check()
    reply.get_by_label(re.compile(r"^答复")).fill("再次协调，已全部解决。")
    reply.get_by_role("button", name="答复办理结果").click()
    expect(unit.get_by_text("已完成：答复办理结果")).to_be_visible()

    office.reload()
    feedback = step(office, "登记向企业反馈")
    feedback.get_by_label("当面").check()
    feedback.get_by_role("button", name="登记向企业反馈").click()
    rating = step(office, "登记企业评价")
    rating.get_by_role("radio", name="满意", exact=True).check()
    rating.get_by_role("button", name="登记企业评价").click()
    expect(office.locator(".badge", has_text="已办结").first).to_be_visible()
    expect(office.get_by_role("region", name="办理过程")).to_contain_text("评价不满意，重办")
    shoot("slip-closed-office", office)

    pdf = office.request.get(slip_url + "pdf/")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    slip = Slip.objects.get(number=number)
    assert slip.status == Slip.Status.CLOSED and slip.reopen_count == 1
    assert slip.contact_met and slip.closed_on_time
    assert list(SlipEvent.objects.filter(slip=slip).values_list("action", flat=True)) == [
        "issue",
        "sign",
        "contact",
        "reply",
        "feed_back",
        "rate_reopen",
        "reply",
        "feed_back",
        "rate_close",
    ]
