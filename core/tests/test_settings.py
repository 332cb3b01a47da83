"""The production settings, checked in a child process as a deployment would load them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "p7Xk2-Qm9vL4tR8sW1zN6cB3fH5jD0gA-Ye7uI2oP9aS4dF6gH8jK1lZ3xC5vB7nM"


def manage(*args, env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "SESSION_", "AXES_"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "linan_visits.settings.production",
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "qiye.linan.gov.cn",
    "DATABASE_URL": "postgres://linan:linan@127.0.0.1:5432/linan",
}


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_sqlite():
    env = {**PRODUCTION, "DATABASE_URL": "sqlite:////tmp/linan.sqlite3"}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "refuses SQLite" in result.stderr


def test_idle_timeout_and_lockout_are_configurable_from_the_environment():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.seconds)",
        env_overrides={
            "DJANGO_SETTINGS_MODULE": "linan_visits.settings.local",
            "SESSION_IDLE_MINUTES": "10",
            "AXES_FAILURE_LIMIT": "3",
            "AXES_COOLOFF_MINUTES": "60",
        },
    )
    assert result.stdout.split() == ["600", "3", "3600"], result.stderr


def test_defaults_follow_the_brief():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
