"""Periodic housekeeping. Tasks are thin: they call a service and are safe to run twice."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def sessions_clear_expired_task() -> int:
    """Delete expired login sessions (the idle timeout leaves them behind). Returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
