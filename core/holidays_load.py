"""Fill a year of the official calendar from the maintained ``holidays`` package."""

import datetime
from importlib.metadata import version

from django.db import transaction
from django.utils.translation import gettext as _


class ScheduleUnknown(Exception):
    """The package has no official schedule for that year (the State Council has not published
    it, or the package predates it): enter the year in the admin instead."""


def china_schedule(year: int) -> tuple[dict[datetime.date, str], dict[datetime.date, str]]:
    """({day off: name}, {make-up working day: name}) for a year of the official schedule."""
    import holidays
    from holidays.countries.china import ChinaStaticHolidays

    swaps = ChinaStaticHolidays.special_public_holidays.get(year)
    if not swaps:
        raise ScheduleUnknown(
            _(
                "The holidays package (version %(version)s) has no official schedule for "
                "%(year)d. Enter that year's holidays and make-up working days in the admin."
            )
            % {"version": version("holidays"), "year": year}
        )
    days_off = {
        day: str(name).split(";")[0]
        for day, name in holidays.China(years=year, language="zh_CN").items()
    }
    workdays = {}
    for swap in swaps:
        if len(swap) == 4:  # (day off month, day, make-up working month, day)
            off = datetime.date(year, swap[0], swap[1])
            workday = datetime.date(year, swap[2], swap[3])
            workdays[workday] = _("Make-up working day for %(day)s") % {"day": off.isoformat()}
    return days_off, workdays


@transaction.atomic
def calendar_year_load(*, year: int, actor=None) -> dict:
    """Write a year's days off and make-up working days and mark the year confirmed. Running it
    again changes nothing; a day already in the table (entered or corrected by hand) is kept
    as it is, never overwritten by the package."""
    from . import audit
    from .models import CalendarDay, CalendarYear
    from .services import audit_record

    days_off, workdays = china_schedule(year)
    created = updated = 0
    for kinds, kind in ((days_off, CalendarDay.Kind.HOLIDAY), (workdays, CalendarDay.Kind.WORKDAY)):
        for day, name in kinds.items():
            row, was_created = CalendarDay.objects.get_or_create(
                date=day, defaults={"kind": kind, "name": name[:60]}
            )
            if was_created:
                created += 1
            elif row.kind != kind:
                updated += 1  # the office's entry differs from the package's: theirs stands
    source = f"holidays {version('holidays')}"
    CalendarYear.objects.update_or_create(
        year=year, defaults={"source": source, "confirmed_by": actor}
    )
    audit_record(
        actor=actor,
        action=audit.CALENDAR_LOADED,
        object_type="core.calendaryear",
        object_id=str(year),
        object_repr=str(year),
        after={"created": created, "updated": updated, "source": source},
    )
    return {
        "days_off": len(days_off),
        "workdays": len(workdays),
        "created": created,
        "updated": updated,
    }
