"""The official calendar, checked against the State Council's 2026 schedule."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from core.holidays_load import calendar_year_load
from core.models import CalendarDay, CalendarYear
from core.workdays import (
    add_working_days,
    deadline_compute,
    is_working_day,
    working_days_between,
    years_unconfirmed,
)

D = datetime.date


@pytest.fixture
def year_2026(db):
    calendar_year_load(year=2026)


def test_2026_make_up_weekends_are_working_days_and_golden_week_is_off(year_2026):
    assert is_working_day(D(2026, 9, 20))  # Sunday, worked for National Day
    assert is_working_day(D(2026, 10, 10))  # Saturday, worked for National Day
    assert is_working_day(D(2026, 1, 4))  # Sunday, worked for New Year
    for day in range(1, 8):
        assert not is_working_day(D(2026, 10, day))
    assert not is_working_day(D(2026, 2, 17))  # Spring Festival
    assert not is_working_day(D(2026, 9, 19))  # an ordinary Saturday
    assert is_working_day(D(2026, 9, 29))  # an ordinary Tuesday


def test_one_working_day_from_30_september_is_8_october(year_2026):
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)  # the make-up Saturday
    assert add_working_days(D(2026, 9, 30), 0) == D(2026, 9, 30)


def test_between_inverts_add(year_2026):
    for start in [D(2026, 1, 1), D(2026, 2, 13), D(2026, 9, 18), D(2026, 9, 30), D(2026, 12, 20)]:
        for days in [0, 1, 2, 5, 10, 13, 20]:
            assert working_days_between(start, add_working_days(start, days)) == days
    assert working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1


def test_between_counts_as_walking_the_days_would(year_2026):
    """between() counts by arithmetic; walking day by day gives the same for every span of
    2026 from every weekday, across the holidays and the make-up weekends."""
    from core.workdays import WorkCalendar

    calendar = WorkCalendar(D(2025, 12, 1), D(2027, 1, 31))

    def walked(a, b):
        return sum(
            calendar.is_working_day(a + datetime.timedelta(days=i))
            for i in range(1, (b - a).days + 1)
        )

    for start in [D(2025, 12, 29) + datetime.timedelta(days=i) for i in range(0, 380, 3)]:
        for length in [0, 1, 2, 5, 6, 7, 8, 13, 30, 45, 200]:
            end = start + datetime.timedelta(days=length)
            assert calendar.between(start, end) == walked(start, end), (start, end)
            assert calendar.between(end, start) == -walked(start, end)


def test_a_deadline_into_an_unconfirmed_year_is_provisional(year_2026):
    inside = deadline_compute(D(2026, 9, 30), 1)
    assert inside.date == D(2026, 10, 8) and not inside.provisional
    crossing = deadline_compute(D(2026, 12, 28), 10)
    assert crossing.provisional and crossing.unknown_years == (2027,)
    assert years_unconfirmed(2026, 2027) == [2027]


def test_the_office_corrects_the_calendar_by_hand(year_2026):
    CalendarDay.objects.create(date=D(2026, 9, 29), kind=CalendarDay.Kind.HOLIDAY, name="台风停工")
    assert not is_working_day(D(2026, 9, 29))
    assert add_working_days(D(2026, 9, 28), 1) == D(2026, 9, 30)


def test_loading_twice_changes_nothing_and_keeps_hand_entries(year_2026):
    CalendarDay.objects.create(date=D(2026, 3, 3), kind=CalendarDay.Kind.HOLIDAY, name="本地停工")
    count = CalendarDay.objects.count()
    result = calendar_year_load(year=2026)
    assert result["created"] == 0 and CalendarDay.objects.count() == count
    assert CalendarYear.objects.filter(year=2026).count() == 1


def test_load_holidays_refuses_a_year_the_package_does_not_know(db):
    with pytest.raises(CommandError):
        call_command("load_holidays", "2099")
    assert not CalendarYear.objects.filter(year=2099).exists()
