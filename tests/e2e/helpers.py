"""Steps the browser tests share: a demo login in a context of its own, and a slip's action
panel."""

from core.demo import DEMO_PASSWORD


def logged_in(browser, live_server, username):
    """A new browser context (its own cookies) logged in as the demo user; its page."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    return page


def step(page, title):
    """Open the step's panel on the slip's page and return it."""
    panel = page.locator("details", has=page.locator("summary", has_text=title))
    if panel.get_attribute("open") is None:  # a lone step comes open already
        panel.locator("summary").click()
    return panel
