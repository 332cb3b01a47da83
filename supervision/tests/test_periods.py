"""Reporting periods (supervision.periods): a key in a URL ("2026", "2026-Q4", "2026-10",
"2026-W40") read back as a date range, its Chinese label and the period before it — across year
boundaries and ISO weeks that straddle two calendar years; anything else is not a period."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from supervision.periods import Period, period_containing, period_parse

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def zh():
    with translation.override("zh-hans"):
        yield


# --- Parsing: key -> range ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind", "start", "end"),
    [
        ("2026", "year", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-Q1", "quarter", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-Q2", "quarter", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026-Q3", "quarter", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026-Q4", "quarter", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026-01", "month", D(2026, 1, 1), D(2026, 1, 31)),
        ("2026-02", "month", D(2026, 2, 1), D(2026, 2, 28)),
        ("2028-02", "month", D(2028, 2, 1), D(2028, 2, 29)),  # a leap year
        ("2026-10", "month", D(2026, 10, 1), D(2026, 10, 31)),
        ("2026-12", "month", D(2026, 12, 1), D(2026, 12, 31)),
        # 2026-01-01 is a Thursday: ISO week 1 of 2026 starts on Monday 2025-12-29.
        ("2026-W01", "week", D(2025, 12, 29), D(2026, 1, 4)),
        ("2026-W40", "week", D(2026, 9, 28), D(2026, 10, 4)),
        # ...and so 2026 has 53 ISO weeks; the last one ends in 2027.
        ("2026-W53", "week", D(2026, 12, 28), D(2027, 1, 3)),
    ],
)
def test_parse_gives_the_range(key, kind, start, end):
    period = period_parse(key)

    assert period == Period(kind, start, end)
    assert period.key == key  # and reads back as the same key


def test_parse_trims_spaces():
    assert period_parse("  2026-Q4 ") == Period("quarter", D(2026, 10, 1), D(2026, 12, 31))


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",  # no thirteenth month
        "2026-00",
        "2026-Q0",
        "2026-Q5",
        "2026-W00",
        "2026-W54",
        "2025-W53",  # 2025 has 52 ISO weeks
        "abc",
        "",
        None,
        "26",
        "2026-1",
        "2026-q4",  # the key is written with a capital Q
        "2026-10-01",
        "1999",  # outside the years the product knows
        "2101",
    ],
)
def test_what_is_not_a_period_gives_none(text):
    assert period_parse(text) is None


# --- The period before ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "previous"),
    [
        ("2026", "2025"),
        ("2026-Q4", "2026-Q3"),
        ("2026-Q2", "2026-Q1"),
        ("2026-Q1", "2025-Q4"),  # across the year
        ("2026-10", "2026-09"),
        ("2026-03", "2026-02"),
        ("2026-01", "2025-12"),  # across the year
        ("2026-W40", "2026-W39"),
        ("2026-W01", "2025-W52"),  # across the ISO year
        ("2027-W01", "2026-W53"),  # after a 53-week year
    ],
)
def test_previous(key, previous):
    assert period_parse(key).previous() == period_parse(previous)
    assert period_parse(key).previous().key == previous


def test_previous_quarter_and_month_have_their_own_lengths():
    q1 = period_parse("2026-Q1").previous()
    assert (q1.start, q1.end) == (D(2025, 10, 1), D(2025, 12, 31))
    march = period_parse("2026-03").previous()
    assert (march.start, march.end) == (D(2026, 2, 1), D(2026, 2, 28))
    march_leap = period_parse("2028-03").previous()
    assert march_leap.end == D(2028, 2, 29)


# --- Labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("2026", "2026年"),
        ("2026-Q4", "2026年第4季度"),
        ("2026-Q1", "2026年第1季度"),
        ("2026-10", "2026年10月"),
        ("2026-01", "2026年1月"),
        ("2026-W01", "2025-12-29 至 2026-01-04"),
        ("2026-W40", "2026-09-28 至 2026-10-04"),
    ],
)
def test_chinese_label(key, label):
    assert period_parse(key).label == label


# --- The period containing a day ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "day", "key"),
    [
        ("year", D(2026, 12, 31), "2026"),
        ("quarter", D(2026, 3, 31), "2026-Q1"),
        ("quarter", D(2026, 4, 1), "2026-Q2"),
        ("quarter", D(2026, 12, 31), "2026-Q4"),
        ("month", D(2026, 2, 28), "2026-02"),
        ("month", D(2026, 12, 31), "2026-12"),
        ("week", D(2026, 1, 1), "2026-W01"),  # a Thursday: ISO week 1 of 2026
        ("week", D(2025, 12, 29), "2026-W01"),  # a Monday of 2025 in ISO week 1 of 2026
        ("week", D(2027, 1, 1), "2026-W53"),  # a Friday of 2027 in the last week of 2026
        ("week", D(2026, 10, 4), "2026-W40"),  # a Sunday ends its week
    ],
)
def test_period_containing(kind, day, key):
    period = period_containing(kind, day)

    assert period.key == key
    assert period.contains(day)
    assert not period.contains(period.start - datetime.timedelta(days=1))
    assert not period.contains(period.end + datetime.timedelta(days=1))


def test_period_containing_an_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        period_containing("decade", D(2026, 1, 1))


def test_datetimes_are_local_and_half_open(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    start, end = period_parse("2026-Q1").datetimes()

    assert start == datetime.datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert end == datetime.datetime(2026, 4, 1, tzinfo=SHANGHAI)
    # Midnight in Lin'an is 16:00 UTC the day before.
    assert start.astimezone(datetime.UTC) == datetime.datetime(
        2025, 12, 31, 16, tzinfo=datetime.UTC
    )


def test_every_key_round_trips_through_a_year():
    """Each week, month and quarter of 2026 reads back as itself, and the periods of one kind
    tile the year: each starts the day after the one before ends."""
    for kind in ["week", "month", "quarter"]:
        period = period_containing(kind, D(2026, 12, 31))
        seen = 0
        while period.end >= D(2026, 1, 1):
            assert period_parse(period.key) == period
            before = period.previous()
            assert before.end + datetime.timedelta(days=1) == period.start
            period, seen = before, seen + 1
        assert seen == {"week": 53, "month": 12, "quarter": 4}[kind]
