"""Thin Celery tasks: the sweep owns all timing (no long ETAs), each task calls a service and is
safe to run twice, so a worker lost mid-task may hand it back to the queue."""

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def deadlines_sweep_task() -> dict:
    """Every 15 minutes (the beat schedule, editable in the admin)."""
    from .sweep import deadlines_sweep

    return deadlines_sweep().as_dict()


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def deadlines_morning_task() -> dict:
    """The morning run: on working days, the sweep (so the day's reminders go out first thing)."""
    from django.utils import timezone

    from core.workdays import is_working_day

    from .sweep import deadlines_sweep

    if not is_working_day(timezone.localdate()):
        return {"skipped": "not a working day"}
    return deadlines_sweep().as_dict()
