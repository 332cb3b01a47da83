"""Benchmark of the deadline sweep, on the configured database (PostgreSQL is the target).

    DATABASE_URL=postgres://… .venv/bin/python bench/sweep.py [--slips 100000] [--due 0.02]

Builds (with bulk inserts) a throw-away test database holding ``--slips`` open slips of which a
share ``--due`` needs an action now (half a reminder, the rest a chase-up, some of those also an
escalation), then times:
  - a bare ``SELECT count(*)`` of the open slips (the yardstick),
  - one sweep doing every due action,
  - the same sweep again, when nothing is left to do,
and prints both times and their ratios to the count. The targets (issue 6): under 5 s for the
first sweep and under 0.5 s for the second at 100,000 slips and 2 %.

The database is created and dropped by Django's test machinery, so no real data is touched.
"""

import argparse
import contextlib
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linan_visits.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")


def build(slips: int, due: float) -> None:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from core.holidays_load import ScheduleUnknown, calendar_year_load
    from core.models import Unit, User
    from core.roles import Role
    from enterprises.codes import credit_check_char
    from enterprises.models import Enterprise
    from issues.models import Batch, Problem, Slip

    today = timezone.localdate()
    for year in (today.year - 1, today.year, today.year + 1):
        with contextlib.suppress(ScheduleUnknown):
            calendar_year_load(year=year)
    town = Unit.objects.create(name="锦城街道", kind=Unit.Kind.TOWN)
    lead = Unit.objects.create(name="经信局", kind=Unit.Kind.DEPARTMENT)
    office_unit = Unit.objects.create(name="活动办", kind=Unit.Kind.OFFICE)
    Unit.objects.create(name="领导小组", kind=Unit.Kind.LEADING_GROUP)
    handler = User.objects.create(username="handler", name="经办人", unit=lead)
    handler.groups.add(Group.objects.get(name=Role.HANDLER.value))
    office = User.objects.create(username="office", name="活动办", unit=office_unit)
    office.groups.add(Group.objects.get(name=Role.OFFICE.value))

    firms = []
    for n in range(1000):
        head = f"91330185MA{n:07d}"
        firms.append(
            Enterprise(
                credit_code=head + credit_check_char(head),
                name=f"企业{n}",
                town=town,
                size_class="above",
            )
        )
    firms = Enterprise.objects.bulk_create(firms)
    problems = Problem.objects.bulk_create(
        [
            Problem(
                enterprise=firms[i % len(firms)],
                channel="visit",
                description=f"问题{i}",
                category="energy",
                status="assigned",
            )
            for i in range(slips)
        ],
        batch_size=5000,
    )
    batch = Batch.objects.create(year=today.year, number=1, last_seq=slips)
    needing = int(slips * due)
    rows = []
    for i, problem in enumerate(problems):
        if i < needing // 2:
            deadline = today + datetime.timedelta(days=1)  # a reminder is due
        elif i < needing * 8 // 10:
            deadline = today - datetime.timedelta(days=3)  # a chase-up is due
        elif i < needing:
            deadline = today - datetime.timedelta(days=12)  # chase-up and escalation
        else:
            deadline = today + datetime.timedelta(days=60)  # nothing to do
        rows.append(
            Slip(
                number=f"B-{i:07d}",
                batch=batch,
                seq=i + 1,
                problem=problem,
                lead_unit=lead,
                requirement="请办理",
                days=10,
                deadline=deadline,
                original_deadline=deadline,
                status="in_progress",
            )
        )
    Slip.objects.bulk_create(rows, batch_size=5000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slips", type=int, default=100_000)
    parser.add_argument("--due", type=float, default=0.02)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if connection.vendor != "postgresql":
        print("note: the targets are for PostgreSQL; this is", connection.vendor)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        from issues.models import Slip
        from supervision.sweep import deadlines_sweep

        started = time.perf_counter()
        build(args.slips, args.due)
        print(f"built {args.slips} open slips in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None

        open_states = ["issued", "signed", "in_progress", "reopened"]
        started = time.perf_counter()
        count = Slip.objects.filter(status__in=open_states).count()
        t_count = time.perf_counter() - started

        started = time.perf_counter()
        first = deadlines_sweep()
        t_first = time.perf_counter() - started

        started = time.perf_counter()
        second = deadlines_sweep()
        t_second = time.perf_counter() - started

        print(f"open slips counted: {count} in {t_count * 1000:.1f} ms (the yardstick)")
        print(
            f"first sweep:  {t_first:.2f} s  = {t_first / t_count:.0f} × the count   {first.as_dict()}"
        )
        print(
            f"second sweep: {t_second:.3f} s = {t_second / t_count:.1f} × the count  {second.as_dict()}"
        )
        print(
            f"targets: first < 5 s: {'met' if t_first < 5 else 'MISSED'}; "
            f"second < 0.5 s: {'met' if t_second < 0.5 else 'MISSED'}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
