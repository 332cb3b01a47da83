"""Benchmark of the supervision dashboard at province scale, on PostgreSQL.

    DATABASE_URL=postgres://… .venv/bin/python bench/dashboard.py [--firms 100000]
        [--problems 500000] [--requests 20]

Builds (with COPY, in a throw-away test database) ``--firms`` firms and ``--problems`` problems
over three years, each issued as a slip in one of six batches a year across 48 units, with the
mix of states a real year leaves (most closed, some overdue, some escalated, rated or not), and
visit campaigns with their targets; then requests the dashboard as a leader through the test
client (the default view: this year) ``--requests`` times and prints the median time and the
number of queries. It does the same at 1/100 of the size and prints both, with the ratio. The
targets (issue 7): median under 300 ms at full scale, at most 3 × the small-scale time, and the
same number of queries at both.

The database is created and dropped by Django's test machinery, so no real data is touched.
"""

import argparse
import csv
import datetime
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linan_visits.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")

CATEGORIES = [
    "land",
    "talent",
    "finance",
    "energy",
    "transport",
    "approval",
    "policy",
    "environment",
    "market",
    "technology",
    "infrastructure",
    "other",
]


def copy_rows(model, columns: list[str], rows) -> None:
    """COPY rows (tuples in the order of ``columns``) into the model's table; every other
    column gets the field's default. Far faster than bulk_create for hundreds of thousands."""
    from django.db import connection

    fields = {f.column: f for f in model._meta.concrete_fields}
    # Every other NOT NULL column gets the field's default ("" for blank text).
    extra = [c for c, f in fields.items() if c not in columns and not f.primary_key and not f.null]
    defaults = []
    for column in extra:
        value = fields[column].get_default()
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        if isinstance(value, datetime.datetime):
            value = value.isoformat()
        defaults.append(value)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [
                ("\\N" if v is None else ("t" if v is True else "f" if v is False else v))
                for v in (*row, *defaults)
            ]
        )
    buffer.seek(0)
    names = ", ".join(connection.ops.quote_name(c) for c in [*columns, *extra])
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) "
            "FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )


def build(firms: int, problems: int, seed: int = 7) -> None:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from core.demo import DEPARTMENTS, TOWNS
    from core.models import Unit, User
    from core.roles import Role
    from enterprises.codes import credit_check_char
    from enterprises.models import Enterprise
    from issues.models import Batch, Problem, Slip
    from visits.models import Campaign, CampaignTarget

    rng = random.Random(seed)  # noqa: S311 (benchmark data, deterministic on purpose)
    now = timezone.now()
    today = timezone.localdate()
    towns = [
        Unit.objects.create(name=n, kind=Unit.Kind.TOWN, sort_order=i) for i, n in enumerate(TOWNS)
    ]
    departments = [
        Unit.objects.create(name=n, kind=Unit.Kind.DEPARTMENT, sort_order=i)
        for i, n in enumerate(DEPARTMENTS)
    ]
    units = towns + departments
    Unit.objects.create(name="领导小组", kind=Unit.Kind.LEADING_GROUP)
    leaders_unit = Unit.objects.create(name="市领导", kind=Unit.Kind.CITY_LEADERS)
    leader = User.objects.create(username="leader", name="领导", unit=leaders_unit)
    leader.groups.add(Group.objects.get(name=Role.LEADER.value))

    stamp = now.isoformat()
    copy_rows(
        Enterprise,
        ["credit_code", "name", "town_id", "size_class", "created_at", "updated_at"],
        (
            (
                (head := f"91330185M{n:08d}") + credit_check_char(head),
                f"企业{n}",
                towns[n % len(towns)].pk,
                "above" if n % 4 == 0 else "below",
                stamp,
                stamp,
            )
            for n in range(firms)
        ),
    )
    firm_ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True))

    start = today - datetime.timedelta(days=3 * 365)
    batches = {}
    for year in range(start.year, today.year + 1):
        for number in range(1, 7):
            batches[(year, number)] = Batch.objects.create(year=year, number=number).pk

    # Problems and their slips, in raised order, spread over three years.
    span = (today - start).days
    problem_rows, slip_plans = [], []
    for i in range(problems):
        day = start + datetime.timedelta(days=rng.randrange(span))
        raised = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
        problem_rows.append(
            (
                firm_ids[rng.randrange(len(firm_ids))],
                "visit",
                f"问题{i}",
                CATEGORIES[rng.randrange(len(CATEGORIES))],
                "normal",
                raised.isoformat(),
                rng.random() < 0.7,
                "assigned",
                "individual",
                stamp,
                stamp,
            )
        )
        slip_plans.append(day)
    copy_rows(
        Problem,
        [
            "enterprise_id",
            "channel",
            "description",
            "category",
            "urgency",
            "raised_at",
            "met_face_to_face",
            "status",
            "kind",
            "created_at",
            "updated_at",
        ],
        problem_rows,
    )
    problem_ids = list(Problem.objects.order_by("pk").values_list("pk", flat=True))

    def slip_row(i, problem_id, day):
        issued_day = day + datetime.timedelta(days=5)
        issued = timezone.make_aware(datetime.datetime.combine(issued_day, datetime.time(10)))
        deadline = issued_day + datetime.timedelta(days=14)
        batch = batches.get((issued_day.year, min(6, (issued_day.month + 1) // 2)))
        if batch is None:
            batch = batches[(today.year, 6)]
        roll = rng.random()
        closed_at = replied_at = fed_back_at = rated_at = None
        rating, on_time, replied_on_time, contact_met, tier = "", None, None, rng.random() < 0.5, 1
        # Recent slips are being worked; of the older ones a few stay open and late (the
        # demo's 31 overdue of 676 is a young year's share; three years in, ~1 % is the backlog).
        if issued_day > today - datetime.timedelta(days=20) or roll < 0.008:
            status = "in_progress" if roll < 0.006 or issued_day > today else "signed"
        elif roll < 0.01:
            status, tier = "escalated", 2
        elif roll < 0.05:
            status = "replied"
            replied_at = issued + datetime.timedelta(days=10)
            replied_on_time = True
        else:
            status = "closed"
            replied_at = issued + datetime.timedelta(days=rng.randrange(5, 20))
            replied_on_time = replied_at.date() <= deadline
            fed_back_at = replied_at + datetime.timedelta(days=1)
            closed_at = fed_back_at + datetime.timedelta(days=2)
            rated_at = closed_at
            on_time = replied_on_time
            rating = (
                "satisfied" if rng.random() < 0.9 else "basic" if rng.random() < 0.8 else "unrated"
            )
        if issued_day > today:
            issued = now
            deadline = today + datetime.timedelta(days=14)
        return (
            f"B-{i:07d}",
            batch,
            i + 1,
            problem_id,
            units[rng.randrange(len(units))].pk,
            "请办理",
            10,
            issued.isoformat(),
            deadline.isoformat(),
            deadline.isoformat(),
            status,
            tier,
            contact_met,
            replied_at.isoformat() if replied_at else None,
            replied_on_time,
            fed_back_at.isoformat() if fed_back_at else None,
            rating,
            rated_at.isoformat() if rated_at else None,
            closed_at.isoformat() if closed_at else None,
            on_time,
            stamp,
            stamp,
        )

    copy_rows(
        Slip,
        [
            "number",
            "batch_id",
            "seq",
            "problem_id",
            "lead_unit_id",
            "requirement",
            "days",
            "issued_at",
            "deadline",
            "original_deadline",
            "status",
            "tier",
            "contact_met",
            "replied_at",
            "replied_on_time",
            "fed_back_at",
            "rating",
            "rated_at",
            "closed_at",
            "closed_on_time",
            "created_at",
            "updated_at",
        ],
        (
            slip_row(i, pid, day)
            for i, (pid, day) in enumerate(zip(problem_ids, slip_plans, strict=True))
        ),
    )

    # A visit campaign a quarter, each targeting a tenth of the firms.
    quarter_start = datetime.date(start.year, 1, 1)
    n = 0
    while quarter_start <= today:
        end = (quarter_start + datetime.timedelta(days=95)).replace(day=1) - datetime.timedelta(
            days=1
        )
        campaign = Campaign.objects.create(name=f"走访{n}", start_date=quarter_start, end_date=end)
        chosen = rng.sample(firm_ids, max(1, len(firm_ids) // 10))
        copy_rows(
            CampaignTarget,
            ["campaign_id", "enterprise_id", "unit_id", "tier", "visited_on"],
            (
                (
                    campaign.pk,
                    firm,
                    units[firm % len(units)].pk,
                    "town",
                    (quarter_start + datetime.timedelta(days=20)).isoformat()
                    if rng.random() < 0.8 and quarter_start + datetime.timedelta(days=20) <= today
                    else None,
                )
                for firm in chosen
            ),
        )
        quarter_start = end + datetime.timedelta(days=1)
        n += 1


def measure(requests: int) -> tuple[float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.models import User

    client = Client()
    client.force_login(User.objects.get(username="leader"))
    client.get("/supervision/dashboard/")  # warm caches (templates, translations, plans)
    times = []
    for _i in range(requests):
        started = time.perf_counter()
        response = client.get("/supervision/dashboard/")
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"the dashboard answered {response.status_code}")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/supervision/dashboard/")
    if os.environ.get("BENCH_SLOWEST"):
        slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
        for query in slowest[: int(os.environ["BENCH_SLOWEST"])]:
            print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    return statistics.median(times), len(ctx.captured_queries)


def run(firms: int, problems: int, requests: int) -> tuple[float, int]:
    from django.db import connection

    from issues.models import Problem, Slip

    started = time.perf_counter()
    build(firms, problems)
    # What autovacuum does on a live database: the triggers' updates of the monthly tables
    # leave old row versions behind, which a scan would otherwise wade through.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"built {firms:,} firms, {Problem.objects.count():,} problems, "
        f"{Slip.objects.count():,} slips in {time.perf_counter() - started:.0f} s"
    )
    return measure(requests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--problems", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # The test client without the test environment: no template instrumentation (which
    # copies every template's context for the test's assertions), as a real request runs.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if connection.vendor != "postgresql":
        sys.exit("bench/dashboard.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    results = {}
    for label, scale in [("1/100", 100), ("full", 1)]:
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        try:
            results[label] = run(args.firms // scale, args.problems // scale, args.requests)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        median, queries = results[label]
        print(
            f"{label:>5} scale: median {median * 1000:.0f} ms over {args.requests} requests, {queries} queries"
        )
    small, full = results["1/100"], results["full"]
    ratio = full[0] / small[0]
    print(f"full / small = {ratio:.1f} ×; queries {small[1]} vs {full[1]}")
    print(
        f"targets: median < 300 ms: {'met' if full[0] < 0.3 else 'MISSED'}; "
        f"≤ 3 × small: {'met' if ratio <= 3 else 'MISSED'}; "
        f"same query count: {'met' if small[1] == full[1] else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
