"""An administrator imports a list, fixes an error from the message alone, and confirms."""

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD
from enterprises.tests.factories import firm_row, xlsx

pytestmark = pytest.mark.e2e


def test_admin_fixes_a_list_from_the_messages_and_imports_it(
    page, live_server, demo, shoot, tmp_path, celery_worker_running
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="导入企业名单").click()

    bad = tmp_path / "名单.xlsx"
    bad.write_bytes(xlsx([firm_row(1), firm_row(2, 所属镇街="新登镇")]))
    page.get_by_label("企业名单（.xlsx 或 .csv）").set_input_files(str(bad))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_text("没有导入任何数据")).to_be_visible()
    expect(page.get_by_text("无法识别的镇街“新登镇”")).to_be_visible()
    shoot("import-errors")

    page.get_by_role("link", name="上传修改后的文件").click()
    good = tmp_path / "名单-修改.xlsx"
    good.write_bytes(xlsx([firm_row(1), firm_row(2, 所属镇街="锦南街道")]))
    page.get_by_label("企业名单（.xlsx 或 .csv）").set_input_files(str(good))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_text("家企业将新增")).to_be_visible()
    shoot("import-preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("家企业已新增")).to_be_visible()
    page.get_by_role("link", name="查看企业名单").click()
    page.get_by_label("企业名称或信用代码").fill("临安测试2")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="临安测试2有限公司").click()
    expect(page.get_by_text("锦南街道").first).to_be_visible()
    shoot("firm-file")
