"""Working days on the Chinese official calendar (法定工作日).

Weekends are off except the make-up working days (调休上班); statutory holidays and the days off
around them are off. The exceptions to the ordinary week are data (``CalendarDay``), which
``manage.py load_holidays YEAR`` fills from the maintained ``holidays`` package and the office
corrects in the admin. A year is *known* once its schedule is confirmed (``CalendarYear``);
counting into a year that is not known still gives an answer (Monday to Friday), but
``deadline_compute`` marks it provisional, and the slip says so, so nobody mistakes a guess for
the calendar.

Conventions (as the office counts): the start day is never counted. A slip issued on Wednesday
2026-09-30 with 1 working day is due on 2026-10-08 (the National Day week and the weekend in
between are off). ``working_days_between(a, b)`` counts the working days d with a < d <= b, so
``working_days_between(a, add_working_days(a, n)) == n``.
"""

import datetime
from dataclasses import dataclass

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    date: datetime.date
    # The count crossed a year whose official schedule is not confirmed.
    provisional: bool
    unknown_years: tuple[int, ...] = ()


class WorkCalendar:
    """The calendar's exceptions for a span of dates, read once: use one for a whole list so
    counting days for every row costs one query, not one per row."""

    def __init__(self, start: datetime.date, end: datetime.date):
        from .models import CalendarDay, CalendarYear

        self.start, self.end = min(start, end), max(start, end)
        self.kinds = dict(
            CalendarDay.objects.filter(date__gte=self.start, date__lte=self.end).values_list(
                "date", "kind"
            )
        )
        self.known_years = set(
            CalendarYear.objects.filter(
                year__gte=self.start.year, year__lte=self.end.year
            ).values_list("year", flat=True)
        )

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.kinds.get(day)
        if kind == "holiday":
            return False
        if kind == "workday":
            return True
        return day.weekday() < 5

    def year_known(self, year: int) -> bool:
        return year in self.known_years

    def add(self, start: datetime.date, days: int) -> datetime.date:
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += ONE_DAY
            if self.is_working_day(day):
                days -= 1
        return day

    def between(self, a: datetime.date, b: datetime.date) -> int:
        """Working days d with a < d <= b (negative when b is before a)."""
        if b < a:
            return -self.between(b, a)
        # Monday to Friday by arithmetic, then the exceptions in the span: a list of slips
        # overdue for years costs the same as one overdue for a day.
        days = (b - a).days
        weeks, rest = divmod(days, 7)
        first = (a.weekday() + 1) % 7  # the weekday of a + 1 day
        count = 5 * weeks + sum(1 for i in range(rest) if (first + i) % 7 < 5)
        for day, kind in self.kinds.items():
            if a < day <= b:
                if kind == "holiday" and day.weekday() < 5:
                    count -= 1
                elif kind == "workday" and day.weekday() >= 5:
                    count += 1
        return count


def _span_for(start: datetime.date, days: int) -> datetime.date:
    # Long holidays never take more than two weeks off a month: three calendar days per working
    # day plus a month is always enough.
    return start + datetime.timedelta(days=3 * days + 31)


def is_working_day(day: datetime.date) -> bool:
    return WorkCalendar(day, day).is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The day that is ``days`` working days after ``start`` (start not counted)."""
    return WorkCalendar(start, _span_for(start, days)).add(start, days)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    return WorkCalendar(a, b).between(a, b)


def deadline_compute(start: datetime.date, days: int) -> Deadline:
    """``add_working_days`` that says whether the answer rests on a year not yet confirmed."""
    calendar = WorkCalendar(start, _span_for(start, days))
    due = calendar.add(start, days)
    unknown = tuple(
        year for year in range(start.year, due.year + 1) if not calendar.year_known(year)
    )
    return Deadline(date=due, provisional=bool(unknown), unknown_years=unknown)


def years_unconfirmed(*years: int) -> list[int]:
    from .models import CalendarYear

    known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    return [year for year in years if year not in known]
