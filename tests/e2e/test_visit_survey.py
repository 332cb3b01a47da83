"""A cadre files a visit survey on a phone, as the demo shows it."""

import re

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD
from issues.models import Problem
from visits.models import Visit

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}


def log_in(page, username):
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_cadre_files_a_visit_with_two_problems_on_a_phone(page, live_server, demo, shoot):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, "cadre")
    expect(page.get_by_role("heading", name="我的挂钩企业")).to_be_visible()
    shoot("my-firms-phone")
    due = page.locator(".card", has=page.get_by_text("本轮待走访")).first
    firm_name = due.get_by_role("link").first.inner_text()
    due.get_by_role("link", name=firm_name).click()
    expect(page.get_by_role("heading", name=firm_name)).to_be_visible()
    page.get_by_role("link", name="填写走访调查表").click()
    expect(page.get_by_role("heading", name="走访调查表")).to_be_visible()

    page.get_by_role("group", name=re.compile("是否与企业主要负责人见面")).get_by_label(
        "是"
    ).check()
    page.get_by_role("group", name=re.compile("订单")).get_by_label("下降").check()
    page.get_by_label("招工缺口（人）").fill("12")
    page.get_by_label("问题描述").first.fill("新上生产线需变压器增容，申请两个月未批复。")
    page.get_by_label("问题类别").first.select_option(label="用电能源")
    page.get_by_role("button", name="添加问题").click()
    page.get_by_label("问题描述").nth(1).fill("一线操作工缺口约30人，招工难。")
    page.get_by_label("问题类别").nth(1).select_option(label="人才用工")
    page.get_by_label("紧急程度").nth(1).select_option(label="较急")
    shoot("survey-filled-phone")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交", exact=True).click()

    expect(page.get_by_text("调查表已提交")).to_be_visible()
    problems = page.get_by_role("region", name="反映的问题")
    expect(problems.get_by_role("listitem")).to_have_count(2)
    expect(problems.get_by_text("待梳理")).to_have_count(2)
    expect(problems.get_by_text("变压器增容", exact=False)).to_be_visible()
    shoot("survey-submitted-phone")

    visit = Visit.objects.get(
        enterprise__name=firm_name,
        author__username="cadre",
        status="submitted",
        problems__description__contains="变压器",
    )
    assert (
        Problem.objects.filter(visit_problem__visit=visit, status=Problem.Status.NEW).count() == 2
    )


def test_typed_survey_survives_the_session_expiring(page, live_server, demo):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    log_in(page, "cadre")
    page.get_by_role("link", name="填写走访调查表").first.click()
    form_url = page.url
    page.get_by_role("group", name=re.compile("是否与企业主要负责人见面")).get_by_label(
        "否"
    ).check()
    page.get_by_label("问题描述").first.fill("园区污水管网尚未接通。")
    page.get_by_label("问题类别").first.select_option(label="基础设施")
    page.get_by_label("意见建议").fill("希望定期组织政银企对接活动。")
    # The session ends (idle timeout) before the cadre saves.
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    log_in(page, "cadre")
    expect(page).to_have_url(form_url)
    expect(page.get_by_text("已恢复您上次在本设备上未保存的内容")).to_be_visible()
    expect(page.get_by_label("问题描述").first).to_have_value("园区污水管网尚未接通。")
    expect(page.get_by_label("问题类别").first).to_have_value("infrastructure")
    expect(
        page.get_by_role("group", name=re.compile("是否与企业主要负责人见面")).get_by_label("否")
    ).to_be_checked()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    assert Visit.objects.filter(
        author__username="cadre", status="draft", opinions="希望定期组织政银企对接活动。"
    ).exists()
