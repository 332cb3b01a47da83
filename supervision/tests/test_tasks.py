"""The sweep's Celery tasks: the morning run skips days off, beat schedules both, and a real
worker on Redis (CI sets CELERY_BROKER_URL) runs the sweep task end to end."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from linan_visits.celery import app
from supervision.models import DeadlineAction
from supervision.tasks import deadlines_morning_task, deadlines_sweep_task

from .helpers import actions

DAY = datetime.timedelta(days=1)
K = DeadlineAction.Kind


def due_slips(make_slip):
    """One slip due today (a reminder) and one due yesterday (a chase-up), today being now."""
    today = timezone.localdate()
    return make_slip(today.isoformat()), make_slip((today - DAY).isoformat())


@pytest.mark.django_db
def test_the_morning_run_skips_a_day_off(make_slip, people, monkeypatch):
    due_slips(make_slip)
    monkeypatch.setattr("core.workdays.is_working_day", lambda day: False)

    assert deadlines_morning_task() == {"skipped": "not a working day"}
    assert actions() == set()


@pytest.mark.django_db
def test_the_morning_run_sweeps_on_a_working_day(make_slip, people, monkeypatch):
    due, late = due_slips(make_slip)
    monkeypatch.setattr("core.workdays.is_working_day", lambda day: True)

    report = deadlines_morning_task()

    assert (report["reminders"], report["overdue"]) == (1, 1)
    assert actions() == {
        (due.pk, K.REMINDER, due.deadline, 0),
        (late.pk, K.OVERDUE, late.deadline, 0),
    }


def test_beat_runs_the_sweep_every_15_minutes_and_each_morning():
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["supervision.tasks.deadlines_sweep_task"] == datetime.timedelta(minutes=15)
    assert "supervision.tasks.deadlines_morning_task" in schedule
    for task in (deadlines_sweep_task, deadlines_morning_task):
        assert task.name in app.tasks
        # Safe to hand back to the queue when a worker dies: the sweep is idempotent.
        assert task.acks_late and task.reject_on_worker_lost
        assert task.time_limit and task.soft_time_limit


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL,
    reason="no CELERY_BROKER_URL: a real worker needs Redis (CI sets it); "
    "without a broker tasks run inline, as the tests above do",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_task_end_to_end(make_slip, people):
    from celery.contrib.testing.worker import start_worker

    assert not app.conf.task_always_eager
    due, late = due_slips(make_slip)

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        report = deadlines_sweep_task.delay().get(timeout=30)

    assert (report["reminders"], report["overdue"]) == (1, 1)
    assert actions() == {
        (due.pk, K.REMINDER, due.deadline, 0),
        (late.pk, K.OVERDUE, late.deadline, 0),
    }
