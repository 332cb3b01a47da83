"""Periodic housekeeping. Tasks are thin: they call a service and are safe to run twice."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def sessions_clear_expired_task() -> int:
    """Delete expired login sessions (the idle timeout leaves them behind). Returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,  # safe: the service sends each notice at most once
    autoretry_for=(OSError,),  # SMTP errors are OSErrors: the mail server is down or refuses
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    soft_time_limit=60,
    time_limit=90,
)
def notification_email_task(self, notification_id: int) -> bool:
    from .notifications import notification_email

    return notification_email(notification_id=notification_id)


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),  # the gateway is down or refuses: try again later
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
    soft_time_limit=30,
    time_limit=60,
)
def sms_send_task(mobile: str, text: str) -> None:
    from .sms import sms_deliver

    sms_deliver(mobile=mobile, text=text)
