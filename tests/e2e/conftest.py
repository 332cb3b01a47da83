"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against live_server.

Never `playwright install`: no browser is downloaded. Without Chromium the tests skip with a
message saying how to install it, unless REQUIRE_BROWSER is set (as CI does), when they fail.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from tools.browser import CHROMIUM, LAUNCH_FLAGS

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
# it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

INSTALL_HINT = (
    f"Chromium not found at {CHROMIUM}: install it with "
    "`apt-get install chromium fonts-noto-cjk` (or set CHROMIUM_PATH); never `playwright install`."
)


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    browser_items = [item for item in items if "e2e" in item.keywords]
    if browser_items and os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(INSTALL_HINT)
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=INSTALL_HINT))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def demo(transactional_db, settings):
    """The demo organisation and logins, as `make run` shows them."""
    settings.DEBUG = True  # seed_demo creates logins only in DEBUG
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.DEBUG = False


@pytest.fixture
def shoot(page):
    """shoot(name[, page]): a full-page PNG into $E2E_SCREENSHOTS, when that is set, for a
    human look."""
    folder = os.environ.get("E2E_SCREENSHOTS")

    def take(name: str, on=None):
        """``on``: the page of a context the test opened itself (default: the fixture's)."""
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            (on or page).screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def celery_worker_running(transactional_db):
    """With a broker configured (the PostgreSQL + Redis run), a real worker in a thread takes
    the tasks the pages queue; without one, tasks run inline and nothing is needed."""
    from django.conf import settings

    from linan_visits.celery import app

    if not settings.CELERY_BROKER_URL:
        yield None
        return
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING") as worker:
        yield worker
