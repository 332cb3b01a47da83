"""Celery: eager on the SQLite default; a real worker on Redis when CELERY_BROKER_URL is set."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.tasks import sessions_clear_expired_task
from linan_visits.celery import app


def make_sessions():
    live = SessionStore()
    live["k"] = 1
    live.create()
    gone = SessionStore()
    gone["k"] = 2
    gone.create()
    Session.objects.filter(session_key=gone.session_key).update(
        expire_date=timezone.now() - timedelta(minutes=1)
    )
    return live.session_key, gone.session_key


@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL), reason="eager only without a broker")
def test_task_runs_inline_without_a_broker(db):
    assert app.conf.task_always_eager
    live, _gone = make_sessions()
    assert sessions_clear_expired_task.delay().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert sessions_clear_expired_task.delay().get() == 0  # safe to run twice


@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)")
def test_task_runs_on_a_real_worker(transactional_db):
    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager
    live, gone = make_sessions()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        result = sessions_clear_expired_task.delay()
        assert result.get(timeout=30) == 1
    deadline = time.monotonic() + 5
    while Session.objects.filter(session_key=gone).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]


def test_beat_schedules_the_session_cleanup():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "core.tasks.sessions_clear_expired_task" in tasks
    assert "core.tasks.sessions_clear_expired_task" in app.tasks
