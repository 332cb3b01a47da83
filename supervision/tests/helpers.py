"""Moments and dates for the sweep tests, on the real 2026 official calendar."""

import datetime
from zoneinfo import ZoneInfo

from core.models import Notification
from issues.models import SlipEvent
from supervision.models import DeadlineAction

TZ = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 9) -> datetime.datetime:
    """An aware moment in Lin'an on that day (09:00 unless told)."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TZ)


def date(day: str) -> datetime.date:
    return datetime.date.fromisoformat(day)


def label(user) -> str:
    """How the slip's history names a person a notice went to."""
    return f"{user.name}（{user.unit.name}）"


def actions() -> set[tuple]:
    """Every action the sweep recorded: (slip id, kind, date, tier)."""
    return set(DeadlineAction.objects.values_list("slip_id", "kind", "deadline", "tier"))


def tally() -> tuple[int, int, int]:
    """(actions, notifications, notice events): a sweep that does nothing changes none."""
    return (
        DeadlineAction.objects.count(),
        Notification.objects.count(),
        SlipEvent.objects.filter(action="notice").count(),
    )


def told(kind: str) -> set[str]:
    """The usernames that received a notice of this kind."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))
