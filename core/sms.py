"""Text messages to mobiles (notices to firms), through a pluggable sender.

``settings.SMS_BACKEND`` names a class with ``send(mobile, text)``; the default,
``LogSmsBackend``, only writes the message to the log (a government intranet plugs in its SMS
gateway's client here). ``sms_send`` queues the message after the transaction commits, so a
rolled-back change sends nothing and a dead gateway never holds up the caller.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .models import mobile_validator

logger = logging.getLogger("linan.sms")

# What MemorySmsBackend "sent": (mobile, text) pairs, for tests (like mail.outbox).
outbox: list[tuple[str, str]] = []


class LogSmsBackend:
    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mobile, text)


class MemorySmsBackend:
    def send(self, mobile: str, text: str) -> None:
        outbox.append((mobile, text))


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def sms_deliver(*, mobile: str, text: str) -> None:
    """Hand one message to the configured sender (called by the task)."""
    sms_backend().send(mobile, text)


def sms_send(*, mobile: str, text: str) -> bool:
    """Queue a text to a mainland mobile, on commit. Returns False (and sends nothing) when
    the number is empty or not a mobile number."""
    if not mobile:
        return False
    try:
        mobile_validator(mobile)
    except Exception:
        return False

    def queue():
        from .tasks import sms_send_task

        sms_send_task.delay(mobile, text)

    # robust: a broker that is down must not turn a committed change into an error page, nor
    # stop the other callbacks of the same commit.
    transaction.on_commit(queue, robust=True)
    return True
