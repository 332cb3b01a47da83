"""The enterprise portal in the browser, as the issue tells it: the demo `enterprise` login
sends a request with a PDF; the office issues it as a slip; the unit replies and the office
feeds back; the firm rates it 不满意 and sees it reopened; the unit replies again; the firm
rates it 满意 and sees it closed. The firm never sees the unit's internal note."""

import re

import pytest
from playwright.sync_api import expect

from issues.models import Problem, Slip, SlipEvent

from .helpers import logged_in, step

pytestmark = pytest.mark.e2e

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
REQUEST = "新厂房用电增容申请已提交两个月仍未批复，影响设备调试，请协调供电部门加快办理。"
INTERNAL = "内部备注：与供电公司电话沟通，待其排期。"


def unit_replies(unit, text):
    reply = step(unit, "答复办理结果")
    reply.get_by_label("已解决").check()
    reply.get_by_label(re.compile(r"^答复")).fill(text)
    reply.get_by_role("button", name="答复办理结果").click()
    expect(unit.get_by_text("已完成：答复办理结果")).to_be_visible()


def office_feeds_back(office, slip_url):
    office.goto(slip_url)
    feedback = step(office, "登记向企业反馈")
    feedback.get_by_label("电话").check()
    feedback.get_by_role("button", name="登记向企业反馈").click()
    expect(office.get_by_text("已完成：登记向企业反馈")).to_be_visible()


def test_a_firm_sends_a_request_follows_it_and_rates_it(browser, live_server, demo, shoot):
    firm = logged_in(browser, live_server, "enterprise")
    expect(firm.get_by_role("heading", name="我的诉求")).to_be_visible()
    firm.get_by_role("link", name="反映诉求").click()
    firm.get_by_label("问题类别").select_option(label="用电能源")
    firm.get_by_label("问题描述").fill(REQUEST)
    firm.get_by_label("附件（选填）").set_input_files(
        [{"name": "用电增容申请.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    shoot("portal-request-firm", firm)
    firm.get_by_role("button", name="提交").click()
    received = firm.get_by_text(re.compile(r"您反映的问题已收到，编号 P\d+"))
    expect(received).to_be_visible()
    reference = re.search(r"P\d+", received.inner_text()).group(0)
    problem = Problem.objects.get(description=REQUEST)
    assert problem.channel == Problem.Channel.WEB and problem.status == Problem.Status.NEW
    expect(firm.get_by_role("link", name="用电增容申请.pdf")).to_be_visible()

    office = logged_in(browser, live_server, "office")
    office.goto(f"{live_server.url}/issues/problems/?status=new&channel=web")
    office.get_by_role("link", name=re.compile("新厂房用电增容")).first.click()
    expect(office.get_by_role("link", name="用电增容申请.pdf")).to_be_visible()
    if office.get_by_role("button", name="签发").count() == 0:
        office.get_by_role("button", name="新建下一批次").click()
    office.get_by_label("主办单位").select_option(label="经信局")
    office.get_by_label("办理时限（工作日）").fill("5")
    office.get_by_role("button", name="签发").click()
    expect(office.get_by_text(re.compile(r"交办单 .+ 已签发"))).to_be_visible()
    slip_url = office.url
    number = office.locator("h1").inner_text()

    firm.goto(f"{live_server.url}/portal/problems/{problem.pk}/")
    expect(firm.get_by_text(re.compile("已交办经信局"))).to_be_visible()

    unit = logged_in(browser, live_server, "unit")
    unit.get_by_role("link", name="我的交办单").first.click()
    unit.get_by_role("link", name=re.compile(re.escape(number))).click()
    step(unit, "签收").get_by_role("button", name="签收").click()
    expect(unit.get_by_text("已完成：签收")).to_be_visible()
    note = step(unit, "记录办理进展")
    note.locator("textarea").fill(INTERNAL)
    note.get_by_role("button", name="记录办理进展").click()
    expect(unit.get_by_text("已完成：记录办理进展")).to_be_visible()
    unit_replies(unit, "已协调供电公司，增容方案本周内批复。")
    office_feeds_back(office, slip_url)

    firm.reload()
    expect(firm.get_by_text("已答复，请评价").first).to_be_visible()
    assert INTERNAL not in firm.content()
    firm.get_by_role("radio", name="不满意").check()
    firm.get_by_label("意见").fill("批复仍未下达，设备调试继续延误。")
    shoot("portal-rating-firm", firm)
    firm.get_by_role("button", name="提交评价").click()
    expect(firm.get_by_text(re.compile("问题已重办"))).to_be_visible()
    expect(firm.get_by_text("已重办，正在重新办理").first).to_be_visible()

    unit.reload()
    unit_replies(unit, "增容批复已下达，供电公司已完成接电。")
    office_feeds_back(office, slip_url)

    firm.reload()
    firm.get_by_role("radio", name="满意", exact=True).check()
    firm.get_by_role("button", name="提交评价").click()
    expect(firm.get_by_text("感谢您的评价，问题已办结。")).to_be_visible()
    firm.goto(f"{live_server.url}/portal/")
    expect(
        firm.locator(".list-group-item", has_text=reference).get_by_text("已办结")
    ).to_be_visible()
    shoot("portal-closed-firm", firm)

    slip = Slip.objects.get(number=number)
    assert slip.status == Slip.Status.CLOSED and slip.reopen_count == 1 and slip.rated_by_firm
    actions = list(SlipEvent.objects.filter(slip=slip).values_list("action", flat=True))
    assert actions.count("rate_reopen") == 1 and actions[-1] == "rate_close"
