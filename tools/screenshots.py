"""Screenshots of pages as a role sees them, at desktop and phone width, for a human look.

    .venv/bin/python -m tools.screenshots --base http://127.0.0.1:8000 --user admin \
        --out screenshots /audit/ /accounts/password/ /admin/

Runs Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH) through Playwright against a
running server (`make run`); logs in with the demo password unless --password is given.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

from tools.browser import CHROMIUM, LAUNCH_FLAGS

WIDTHS = {"desktop": (1280, 800), "phone": (375, 800)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="Linan-demo-2026")
    parser.add_argument("--out", default="screenshots")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_FLAGS)
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.goto(f"{args.base}/accounts/login/")
        page.get_by_label("用户名").fill(args.user)
        page.get_by_label("密码").fill(args.password)
        page.get_by_role("button", name="登录").click()
        for path in args.paths:
            for label, (width, height) in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                page.goto(f"{args.base}{path}")
                name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
                target = out / f"{args.user}-{name}-{label}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
        browser.close()


if __name__ == "__main__":
    main()
