"""Reporting periods — a week, a month, a quarter, a year — written as in URLs and filters
("2026-W40", "2026-10", "2026-Q4", "2026") and read back as a date range with a Chinese label
and the period before it, for "change since the previous period"."""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    kind: str  # week, month, quarter, year
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def key(self) -> str:
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    @property
    def label(self) -> str:
        if self.kind == "week":
            return _("%(start)s to %(end)s") % {
                "start": f"{self.start:%Y-%m-%d}",
                "end": f"{self.end:%Y-%m-%d}",
            }
        if self.kind == "month":
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == "quarter":
            return _("Q%(quarter)d %(year)d") % {
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        return _("Year %(year)d") % {"year": self.start.year}

    def previous(self) -> "Period":
        return period_containing(self.kind, self.start - datetime.timedelta(days=1))

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def datetimes(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes in the local time zone, for DateTimeField ranges."""
        from django.utils import timezone

        start = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))
        end = timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time())
        )
        return start, end


def period_containing(kind: str, day: datetime.date) -> Period:
    if kind == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return Period("week", start, start + datetime.timedelta(days=6))
    if kind == "month":
        start = day.replace(day=1)
        following = (start + datetime.timedelta(days=32)).replace(day=1)
        return Period("month", start, following - datetime.timedelta(days=1))
    if kind == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = datetime.date(day.year, first_month, 1)
        following = (
            datetime.date(day.year + 1, 1, 1)
            if first_month == 10
            else datetime.date(day.year, first_month + 3, 1)
        )
        return Period("quarter", start, following - datetime.timedelta(days=1))
    if kind == "year":
        return Period("year", datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31))
    raise ValueError(kind)


_PATTERNS = [
    ("week", re.compile(r"^(\d{4})-W(\d{2})$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("year", re.compile(r"^(\d{4})$")),
]


def period_parse(text: str) -> Period | None:
    """The period a key names, or None when the text is not one (or not a real date)."""
    text = (text or "").strip()
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            return None
        try:
            if kind == "week":
                day = datetime.date.fromisocalendar(year, int(match.group(2)), 1)
            elif kind == "month":
                day = datetime.date(year, int(match.group(2)), 1)
            elif kind == "quarter":
                day = datetime.date(year, 3 * (int(match.group(2)) - 1) + 1, 1)
            else:
                day = datetime.date(year, 1, 1)
        except ValueError:
            return None
        return period_containing(kind, day)
    return None
