import re

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

# username, name, role, a section of the role, the heading of the role's start page
DEMO_ROLES = [
    ("office", "陈静", "活动办工作人员", "问题梳理交办", "待梳理问题"),
    ("cadre", "王建国", "走访干部", "我的挂钩企业", "我的挂钩企业"),
    ("unit", "李明", "承办单位经办人", "我的交办单", "我的挂钩企业"),
    ("unitlead", "周海", "单位负责人", "本单位走访记录", "本单位走访记录"),
    # A city leader sits on a coordinating body: the slips escalated to it come first.
    ("leader", "赵志强", "领导", "督查看板", "上交协调"),
    ("group", "钱晓东", "协调机构成员", "上交协调", "上交协调"),
    ("enterprise", "孙丽", "企业用户", "企业服务", "我的诉求"),
    ("admin", "系统管理员", "系统管理员", "审计日志", "企业档案"),
]


def log_in(page, base_url, username, password):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


@pytest.mark.parametrize(("username", "name", "role", "section", "start"), DEMO_ROLES)
def test_each_demo_role_logs_in_to_its_own_start_page(
    page, live_server, demo, shoot, username, name, role, section, start
):
    log_in(page, live_server.url, username, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name=start, exact=True)).to_be_visible()
    shoot(f"start-{username}-desktop")
    page.get_by_role("link", name="首页", exact=True).click()
    expect(page.get_by_role("heading", name=f"{name}，您好")).to_be_visible()
    expect(page).to_have_title(re.compile("临安访企解难"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_text(role, exact=True).first).to_be_visible()
    expect(page.get_by_text(section, exact=True).first).to_be_visible()
    shoot(f"home-{username}-desktop")
    page.set_viewport_size({"width": 375, "height": 800})
    shoot(f"home-{username}-phone")
    # The menu folds away on a phone and opens with its button.
    page.get_by_role("button", name="菜单").click()
    # Wait for the menu's unfolding to finish before using what is inside it.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.get_by_role("button", name=re.compile(name)).click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()


def test_five_wrong_passwords_lock_the_account(page, live_server, demo, shoot):
    for attempt in range(1, 5):
        log_in(page, live_server.url, "cadre", f"wrong-password-{attempt}")
        expect(page.get_by_text("用户名或密码错误")).to_be_visible()
    log_in(page, live_server.url, "cadre", "wrong-password-5")
    expect(page.get_by_text("该账户已被锁定 15 分钟")).to_be_visible()
    log_in(page, live_server.url, "cadre", DEMO_PASSWORD)
    expect(page.get_by_text("该账户已被锁定 15 分钟")).to_be_visible()
    shoot("login-locked")
    expect(page.get_by_role("heading", name="王建国，您好")).to_have_count(0)


def test_a_cadre_is_refused_the_audit_log(page, live_server, demo):
    log_in(page, live_server.url, "cadre", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    expect(page.get_by_role("heading", name="您的角色无权使用此页面")).to_be_visible()
