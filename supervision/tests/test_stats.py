"""The monthly figures the database keeps (supervision.models_stats, kept by the triggers of
supervision.stats_sql) against the same counts made over the slips and problems themselves.

1. ``raw_slip_stats`` / ``raw_problem_stats`` count with the ORM, from the definitions the rest
   of the product uses (``issues.measures.measure_filters``; a problem is met when it was met
   at the visit or any of its slips recorded a face-to-face contact); ``table_*`` read the
   tables. After every move of every path a slip can take, and after the writes that bypass the
   services (queryset ``update()``, ``bulk_create``, ``delete()``, a firm moving town), both
   must be equal.
2. ``stats_rebuild`` recounts exactly what the triggers kept.
3. The dashboard read from the tables equals the dashboard read from the rows, for every
   figure and chart, for a year, quarters and months and each filter the tables carry.

Months are local (Asia/Shanghai, UTC+8): 2026-03-31 20:00 UTC is April.
"""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.roles import Role
from enterprises.models import Enterprise
from enterprises.tests.factories import EnterpriseFactory, TownFactory
from issues.measures import measure_filters
from issues.models import Category, Problem, Slip
from issues.services import batch_open, slip_contact, slip_issue, slip_rate
from issues.services.slips import slip_close_unrated
from issues.tests.conftest import new_problem
from issues.tests.helpers import ALL_STATES, BY_LEAD, PATHS, take
from supervision.dashboard import Filters, board_build
from supervision.models_stats import ProblemMonthStat, SlipMonthStat
from supervision.periods import period_parse
from supervision.stats_sql import stats_rebuild

pytestmark = pytest.mark.django_db

S = Slip.Status
TZ = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
NOT_CLOSED = datetime.date(1900, 1, 1)
# The measures that do not depend on today, then every slip of the key.
SLIP_COUNTS = [*SlipMonthStat.COUNTS, "slips"]
PROBLEM_COUNTS = ["raised", "met"]


# --- The two ways of counting -------------------------------------------------------------------


def _first_of_month(bucket) -> datetime.date:
    """A TruncMonth bucket (aware datetime, or None when the slip is not closed) as the local
    first day of its month, the way the tables key it."""
    if bucket is None:
        return NOT_CLOSED
    if isinstance(bucket, datetime.datetime):
        bucket = bucket.astimezone(TZ).date()
    return bucket.replace(day=1)


def stats_measures() -> dict:
    """measure_filters() minus the two the tables do not keep: overdue depends on today, and
    the per-slip "met" is replaced by the per-problem count."""
    filters = measure_filters()
    return {name: q for name, q in filters.items() if name not in {"overdue", "met"}}


def raw_slip_stats() -> dict:
    """(local issue month, local closed month or 1900-01-01, lead unit, batch, tier) -> counts,
    counted with the ORM over the slips."""
    counts = {name: Count("id", filter=q) for name, q in stats_measures().items()}
    rows = (
        Slip.objects.order_by()
        .annotate(
            issued_month=TruncMonth("issued_at", tzinfo=TZ),
            closed_month=TruncMonth("closed_at", tzinfo=TZ),
        )
        .values("issued_month", "closed_month", "lead_unit_id", "batch_id", "tier")
        .annotate(**counts, slips=Count("id"))
    )
    made = {}
    for r in rows:
        key = (
            _first_of_month(r["issued_month"]),
            _first_of_month(r["closed_month"]),
            r["lead_unit_id"],
            r["batch_id"],
            r["tier"],
        )
        assert key not in made
        made[key] = tuple(r[name] for name in SLIP_COUNTS)
    return made


def table_slip_stats() -> dict:
    """The SlipMonthStat rows with any count other than 0 (an emptied row may stay)."""
    return {
        (r.month, r.closed_month, r.lead_unit_id, r.batch_id, r.tier): counts
        for r in SlipMonthStat.objects.all()
        if any(counts := tuple(getattr(r, name) for name in SLIP_COUNTS))
    }


def raw_problem_met() -> Q:
    """Met face to face at the visit, or by a unit on any of the problem's slips."""
    return Q(met_face_to_face=True) | Q(
        Exists(Slip.objects.filter(problem=OuterRef("pk"), contact_met=True))
    )


def raw_problem_stats() -> dict:
    """(local raised month, the firm's town, category) -> (raised, met), over the problems."""
    rows = (
        Problem.objects.order_by()
        .annotate(raised_month=TruncMonth("raised_at", tzinfo=TZ))
        .values("raised_month", "enterprise__town", "category")
        .annotate(raised=Count("id"), met=Count("id", filter=raw_problem_met()))
    )
    made = {}
    for r in rows:
        key = (_first_of_month(r["raised_month"]), r["enterprise__town"], r["category"])
        assert key not in made
        made[key] = (r["raised"], r["met"])
    return made


def table_problem_stats() -> dict:
    return {
        (r.month, r.town_id, r.category): counts
        for r in ProblemMonthStat.objects.all()
        if any(counts := (r.raised, r.met))
    }


def assert_exact():
    """The tables hold exactly the counts of the rows, and no count below zero."""
    assert table_slip_stats() == raw_slip_stats()
    assert table_problem_stats() == raw_problem_stats()
    assert not SlipMonthStat.objects.filter(
        Q(*[Q(**{f"{name}__lt": 0}) for name in SLIP_COUNTS], _connector=Q.OR)
    ).exists()
    assert not ProblemMonthStat.objects.filter(Q(raised__lt=0) | Q(met__lt=0)).exists()


def met_by_units() -> dict:
    return dict(Problem.objects.values_list("pk", "met_by_unit"))


# --- A small world --------------------------------------------------------------------------


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A local moment in Lin'an."""
    return datetime.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=TZ)


@pytest.fixture
def w(make_user, office, lead, co, lead_unit, co_unit, third_unit, town, firm, batch):
    t2 = TownFactory(name="青山湖街道", sort_order=2)
    t3 = TownFactory(name="玲珑街道", sort_order=3)
    world = SimpleNamespace(
        office=office,
        unit_a=lead_unit,
        unit_b=co_unit,
        unit_c=third_unit,
        t1=town,
        t2=t2,
        t3=t3,
        f1=firm,
        f2=EnterpriseFactory(name="青山湖塑业有限公司", town=t2),
        f3=EnterpriseFactory(name="玲珑机械有限公司", town=t3),
        b1=batch,
        co=co,
    )
    world.b2 = batch_open(actor=office)
    world.handlers = {
        lead_unit.pk: lead,
        co_unit.pk: make_user(Role.HANDLER, username="gd_lead", name="刘电", unit=co_unit),
        third_unit.pk: make_user(Role.HANDLER, username="zj_lead", name="孙建", unit=third_unit),
    }
    return world


def issue(w, *, unit=None, firm=None, category=Category.ENERGY, batch=None, when=None, met=False):
    """A problem raised ``when`` (default now) and its slip issued then, through the services
    (the service stamps now: the row is moved to ``when`` after, by a queryset update)."""
    problem = new_problem(
        firm or w.f1, w.office, category=category, met_face_to_face=met, raised_at=when
    )
    unit = unit or w.unit_a
    slip = slip_issue(
        problem=problem,
        batch=batch or w.b1,
        lead_unit=unit,
        co_units=[w.unit_b] if unit != w.unit_b else [w.unit_a],
        requirement="请于规定时限内协调解决。",
        days=5,
        actor=w.office,
    )
    if when is not None:
        Slip.objects.filter(pk=slip.pk).update(issued_at=when)
    slip.refresh_from_db()
    return slip


def act(w, slip: Slip, action: str) -> Slip:
    """One move through the services, by whoever takes it (the current lead unit's handler,
    the co-unit's handler, the office or the system)."""
    slip.refresh_from_db()
    lead = w.handlers[slip.lead_unit_id]
    if action == "late":  # the deadline passed: a reply now comes late
        past = timezone.localdate() - 3 * DAY
        Slip.objects.filter(pk=slip.pk).update(deadline=past, original_deadline=past)
    elif action == "rate_basic":
        slip_rate(slip=slip, actor=w.office, rating=Slip.Rating.BASIC, comment="基本满意")
    elif action == "close_unrated":
        slip_close_unrated(slip=slip, days=5)
    elif action == "approve_return":
        take(slip, action, w.office, reassign_to=w.unit_c)
    elif action == "co_input":
        take(slip, action, w.co)
    elif action in BY_LEAD or action == "contact":
        take(slip, action, lead)
    else:
        take(slip, action, w.office)
    slip.refresh_from_db()
    return slip


def walk(w, slip: Slip, actions) -> Slip:
    for action in actions:
        slip = act(w, slip, action)
        assert_exact()
    return slip


# --- 1. Every state a slip can reach ------------------------------------------------------------

CASES = {
    **{f"state_{state}": PATHS[state] for state in ALL_STATES},
    "closed_basic": ["sign", "reply", "feed_back", "rate_basic"],
    "closed_unrated": ["sign", "reply", "feed_back", "close_unrated"],
    "closed_late": ["sign", "late", "reply", "feed_back", "rate_close"],
    "reopened_then_closed": [
        *PATHS[S.REOPENED],
        "sign",
        "reply",
        "feed_back",
        "rate_close",
    ],
    "reopened_then_unrated": [*PATHS[S.REOPENED], "reply", "feed_back", "close_unrated"],
    "return_refused": ["request_return", "refuse_return"],
    "reassigned_to_another_unit": ["sign", "request_return", "approve_return", "sign", "reply"],
    "extension_refused": ["sign", "request_extension", "refuse_extension", "reply"],
    "extension_approved": ["sign", "request_extension", "approve_extension"],
    "escalation_refused": ["sign", "request_escalation", "refuse_escalation"],
    "escalated_sent_down_closed": [
        *PATHS[S.ESCALATED],
        "send_down",
        "reply",
        "feed_back",
        "rate_close",
    ],
    "reply_rejected": ["sign", "reply", "reject_reply", "note", "reply", "feed_back"],
    "contact_and_input": ["sign", "contact", "co_input", "note"],
    "withdrawn_after_signing": ["sign", "note", "withdraw"],
}


def test_the_cases_reach_every_state():
    assert set(Slip.Status.values) == set(ALL_STATES)
    assert {f"state_{state}" for state in Slip.Status.values} <= set(CASES)


@pytest.mark.parametrize("actions", list(CASES.values()), ids=list(CASES))
def test_every_move_keeps_the_figures_exact(w, actions):
    assert_exact()  # nothing yet: both empty
    assert not table_slip_stats()
    slip = issue(w, when=at("2026-05-12"))
    assert_exact()
    slip = walk(w, slip, actions)

    # The slip is in its own row, keyed as it stands now.
    closed_month = (
        timezone.localdate(slip.closed_at).replace(day=1) if slip.closed_at else NOT_CLOSED
    )
    key = (datetime.date(2026, 5, 1), closed_month, slip.lead_unit_id, slip.batch_id, slip.tier)
    assert table_slip_stats()[key][-1] == 1
    if actions == PATHS[S.ESCALATED]:
        assert slip.tier == 2 and key[-1] == 2
    if "late" in actions:
        assert slip.closed_on_time is False
    if "approve_return" in actions:
        assert slip.lead_unit_id == key[2] == w.unit_c.pk
    if "close_unrated" in actions:
        assert slip.rating == Slip.Rating.UNRATED and slip.status == S.CLOSED


def test_the_counts_of_a_closed_slip_by_hand(w):
    """Pinned by hand, apart from measure_filters: issued, closed on time, replied, fed back,
    rated and satisfied; not unrated, not open."""
    slip = walk(w, issue(w, when=at("2026-05-12")), PATHS[S.CLOSED])
    month = timezone.localdate(slip.closed_at).replace(day=1)
    row = SlipMonthStat.objects.get(month=datetime.date(2026, 5, 1), closed_month=month)
    assert (row.lead_unit_id, row.batch_id, row.tier) == (w.unit_a.pk, w.b1.pk, 1)
    assert {name: getattr(row, name) for name in SLIP_COUNTS} == {
        "issued": 1,
        "closed": 1,
        "closed_on_time": 1,
        "replied": 1,
        "fed_back": 1,
        "rated": 1,
        "unrated": 0,
        "satisfied": 1,
        "open": 0,
        "slips": 1,
    }
    assert slip.closed_on_time is True
    withdrawn = walk(w, issue(w, when=at("2026-05-13")), PATHS[S.WITHDRAWN])
    row = SlipMonthStat.objects.get(month=datetime.date(2026, 5, 1), closed_month=NOT_CLOSED)
    assert withdrawn.status == S.WITHDRAWN
    assert [getattr(row, name) for name in SLIP_COUNTS] == [0] * 9 + [1]


def test_the_measures_kept_are_the_measures_that_do_not_depend_on_today():
    assert set(stats_measures()) == set(SlipMonthStat.COUNTS)
    assert set(measure_filters()) - set(SlipMonthStat.COUNTS) == {"overdue", "met"}


# --- 1. Writes that bypass the services ---------------------------------------------------------


def test_moving_a_slip_across_a_local_month_boundary(w):
    slip = walk(w, issue(w), PATHS[S.CLOSED])
    # 2026-03-31 20:00 UTC is 2026-04-01 04:00 in Lin'an: April.
    Slip.objects.filter(pk=slip.pk).update(issued_at=datetime.datetime(2026, 3, 31, 20, tzinfo=UTC))
    assert_exact()
    assert {k[0] for k in table_slip_stats()} == {datetime.date(2026, 4, 1)}
    # 2026-03-31 15:59 UTC is still 2026-03-31 23:59 in Lin'an: March.
    Slip.objects.filter(pk=slip.pk).update(
        issued_at=datetime.datetime(2026, 3, 31, 15, 59, tzinfo=UTC),
        closed_at=datetime.datetime(2026, 4, 30, 16, 0, tzinfo=UTC),  # 2026-05-01 00:00 local
    )
    assert_exact()
    assert set(table_slip_stats()) == {
        (datetime.date(2026, 3, 1), datetime.date(2026, 5, 1), w.unit_a.pk, w.b1.pk, 1)
    }
    Slip.objects.filter(pk=slip.pk).update(
        closed_at=datetime.datetime(2026, 4, 30, 15, 59, tzinfo=UTC)
    )
    assert_exact()
    assert {k[1] for k in table_slip_stats()} == {datetime.date(2026, 4, 1)}
    # A problem moved across the boundary the same way.
    Problem.objects.filter(pk=slip.problem_id).update(
        raised_at=datetime.datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    )
    assert_exact()
    assert {k[0] for k in table_problem_stats()} == {datetime.date(2026, 7, 1)}


def test_bulk_updates_of_slips(w):
    slips = [issue(w, when=at(f"2026-05-0{n}")) for n in range(1, 5)]
    slips[3] = walk(w, slips[3], ["sign", "reply"])
    pks = [s.pk for s in slips]
    Slip.objects.filter(pk__in=pks[:3]).update(status=S.ESCALATED, tier=2)
    assert_exact()
    Slip.objects.filter(pk__in=pks[:2]).update(
        status=S.CLOSED,
        tier=3,
        closed_at=at("2026-06-01", 0, 5),
        closed_on_time=True,
        replied_at=at("2026-05-20"),
        fed_back_at=at("2026-05-21"),
        rating=Slip.Rating.BASIC,
    )
    assert_exact()
    Slip.objects.filter(pk=pks[1]).update(rating=Slip.Rating.UNRATED, closed_on_time=False)
    Slip.objects.filter(pk=pks[2]).update(status=S.WITHDRAWN)
    Slip.objects.filter(pk__in=pks).update(batch=w.b2, lead_unit=w.unit_c)
    assert_exact()
    Slip.objects.filter(pk__in=pks).update(issued_at=F("issued_at") + 40 * DAY)
    assert_exact()
    Slip.objects.filter(pk__in=pks).update(requirement="不影响统计的字段")  # no count moves
    assert_exact()
    assert SlipMonthStat.objects.filter(tier=3, closed=2).exists()


def test_bulk_create_update_and_delete_of_problems(w):
    made = Problem.objects.bulk_create(
        [
            Problem(
                enterprise=firm,
                channel=Problem.Channel.HOTLINE,
                description="批量导入的问题",
                category=category,
                raised_at=when,
                met_face_to_face=met,
            )
            for firm, category, when, met in [
                (w.f1, Category.LAND, at("2026-04-01", 0, 10), True),
                (w.f1, Category.LAND, at("2026-03-31", 23, 50), False),
                (w.f2, Category.ENERGY, at("2026-04-15"), True),
                (w.f3, Category.FINANCING, at("2026-04-15"), False),
                (w.f3, Category.FINANCING, at("2026-04-16"), True),
            ]
        ]
    )
    assert_exact()
    assert table_problem_stats()[(datetime.date(2026, 3, 1), w.t1.pk, Category.LAND)] == (1, 0)
    assert table_problem_stats()[(datetime.date(2026, 4, 1), w.t3.pk, Category.FINANCING)] == (
        2,
        1,
    )
    Problem.objects.filter(pk=made[3].pk).update(met_face_to_face=True, category=Category.OTHER)
    assert_exact()
    Problem.objects.filter(pk=made[2].pk).update(enterprise=w.f3)  # another firm, another town
    assert_exact()
    Problem.objects.filter(pk=made[4].pk).delete()
    made[0].delete()
    assert_exact()
    Problem.objects.filter(pk__in=[p.pk for p in made]).delete()
    assert_exact()
    assert not table_problem_stats()


def _bare_slip(w, problem, *, seq, **fields) -> Slip:
    """A slip written straight to the table (no event protects it from deletion)."""
    values = {
        "number": f"测试〔2026〕{seq}号",
        "batch": w.b2,
        "seq": seq,
        "problem": problem,
        "lead_unit": w.unit_b,
        "requirement": "直接写入",
        "days": 5,
        "deadline": datetime.date(2026, 5, 20),
        "original_deadline": datetime.date(2026, 5, 20),
        "issued_at": at("2026-05-10"),
    }
    values.update(fields)
    return Slip.objects.create(**values)


def test_deleting_a_slip_and_a_problem(w):
    kept = walk(w, issue(w, when=at("2026-05-02")), PATHS[S.CLOSED])
    problem = new_problem(w.f2, w.office, category=Category.LAND, raised_at=at("2026-05-03"))
    gone = _bare_slip(
        w,
        problem,
        seq=900,
        status=S.CLOSED,
        closed_at=at("2026-06-02"),
        closed_on_time=True,
        replied_at=at("2026-05-20"),
        fed_back_at=at("2026-05-21"),
        rating=Slip.Rating.SATISFIED,
    )
    also_gone = _bare_slip(w, problem, seq=901, status=S.WITHDRAWN)
    assert_exact()
    gone.delete()
    assert_exact()
    Slip.objects.filter(pk=also_gone.pk).delete()
    assert_exact()
    Problem.objects.filter(pk=problem.pk).delete()
    assert_exact()
    assert set(table_slip_stats()) == {
        (
            datetime.date(2026, 5, 1),
            timezone.localdate(kept.closed_at).replace(day=1),
            w.unit_a.pk,
            w.b1.pk,
            1,
        )
    }
    assert {k[1] for k in table_problem_stats()} == {w.t1.pk}


def test_a_flush_in_any_order_leaves_no_stray_counts(w):
    """`flush` deletes tables in no fixed order with the triggers firing: here the count tables
    go first, so deleting the slips and problems afterwards writes negative counts. Django's
    post_migrate after a flush clears a count table whose source is empty."""
    from django.core.management.sql import emit_post_migrate_signal

    problem = new_problem(w.f2, w.office, category=Category.LAND, raised_at=at("2026-05-03"))
    _bare_slip(w, problem, seq=900, status=S.SIGNED)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM supervision_slipmonthstat")
        cursor.execute("DELETE FROM supervision_problemmonthstat")
    Slip.objects.all().delete()
    Problem.objects.all().delete()
    assert min(table_slip_stats().values())[0] < 0  # the stray counts the disorder leaves
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert table_slip_stats() == {} and table_problem_stats() == {}


def test_a_migrate_on_a_populated_database_keeps_the_counts(w):
    walk(w, issue(w, when=at("2026-05-02")), PATHS[S.CLOSED])
    before = (table_slip_stats(), table_problem_stats())
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert (table_slip_stats(), table_problem_stats()) == before != ({}, {})


@pytest.mark.parametrize("how", ["queryset_update", "save"])
def test_a_firm_moving_town(w, how):
    for n, (category, met) in enumerate(
        [(Category.ENERGY, True), (Category.ENERGY, False), (Category.LAND, True)]
    ):
        issue(w, firm=w.f1, category=category, met=met, when=at(f"2026-0{4 + n}-30", 23, 30))
    slip = issue(w, firm=w.f1, category=Category.LAND, when=at("2026-05-01"))
    slip_contact(slip=slip, actor=w.handlers[slip.lead_unit_id], met=True, text="当面沟通")
    new_problem(w.f2, w.office, raised_at=at("2026-05-02"))
    assert_exact()
    assert {k[1] for k in table_problem_stats()} == {w.t1.pk, w.t2.pk}

    if how == "save":
        firm = Enterprise.objects.get(pk=w.f1.pk)
        firm.town = w.t3
        firm.save()
    else:
        Enterprise.objects.filter(pk=w.f1.pk).update(town=w.t3)
    assert_exact()
    assert {k[1] for k in table_problem_stats()} == {w.t3.pk, w.t2.pk}
    Enterprise.objects.filter(pk=w.f1.pk).update(town=w.t2)  # and on to the other firm's town
    assert_exact()
    # May in 青山湖: f1's energy problem (not met) and land problem (met by the unit), f2's
    # energy problem (met at the visit).
    stats = table_problem_stats()
    assert stats[(datetime.date(2026, 5, 1), w.t2.pk, Category.ENERGY)] == (2, 1)
    assert stats[(datetime.date(2026, 5, 1), w.t2.pk, Category.LAND)] == (1, 1)
    Enterprise.objects.filter(pk=w.f3.pk).update(town=w.t1)  # a firm without problems
    Enterprise.objects.filter(pk=w.f1.pk).update(name="改名不改镇街有限公司")
    assert_exact()


# --- 1. Met face to face by a unit ----------------------------------------------------------


def test_a_contact_through_the_service_marks_the_problem_met_once(w):
    slip = issue(w, when=at("2026-05-05"))
    problem = slip.problem
    key = (datetime.date(2026, 5, 1), w.t1.pk, Category.ENERGY)
    assert table_problem_stats()[key] == (1, 0)
    slip_contact(slip=slip, actor=w.handlers[slip.lead_unit_id], met=False, text="电话沟通")
    problem.refresh_from_db()
    assert problem.met_by_unit is False
    assert table_problem_stats()[key] == (1, 0)

    slip_contact(slip=slip, actor=w.handlers[slip.lead_unit_id], met=True, text="当面沟通")
    problem.refresh_from_db()
    assert problem.met_by_unit is True
    assert table_problem_stats()[key] == (1, 1)
    assert_exact()

    # The slip is withdrawn, the problem issued again, and met again on the second slip (by
    # the service, then once more by a raw update): still one problem met.
    walk(w, slip, ["withdraw"])
    second = slip_issue(
        problem=problem,
        batch=w.b2,
        lead_unit=w.unit_b,
        co_units=[],
        requirement="重新交办",
        days=5,
        actor=w.office,
    )
    slip_contact(slip=second, actor=w.handlers[w.unit_b.pk], met=True, text="再次当面沟通")
    Slip.objects.filter(pk=slip.pk).update(contact_met=True)
    assert table_problem_stats()[key] == (1, 1)
    assert_exact()
    assert Slip.objects.filter(problem=problem, contact_met=True).count() == 2


def test_a_contact_written_by_a_raw_update_marks_the_problem_met(w):
    slip = issue(w, category=Category.LAND, when=at("2026-06-05"))
    met_anyway = issue(w, category=Category.LAND, when=at("2026-06-06"), met=True)
    key = (datetime.date(2026, 6, 1), w.t1.pk, Category.LAND)
    assert table_problem_stats()[key] == (2, 1)

    Slip.objects.filter(pk__in=[slip.pk, met_anyway.pk]).update(contact_met=True)
    assert met_by_units()[slip.problem_id] is True
    assert met_by_units()[met_anyway.problem_id] is True
    assert table_problem_stats()[key] == (2, 2)  # the one met at the visit is not counted twice
    assert_exact()
    # A fresh slip written met at once (an import) marks its problem too.
    problem = new_problem(w.f2, w.office, raised_at=at("2026-06-07"), met_face_to_face=False)
    _bare_slip(w, problem, seq=950, contact_met=True)
    assert met_by_units()[problem.pk] is True
    assert_exact()


def test_two_met_slips_of_one_problem_count_it_once(w):
    problem = new_problem(
        w.f3, w.office, category=Category.POLICY, raised_at=at("2026-05-09"), met_face_to_face=False
    )
    _bare_slip(w, problem, seq=960, status=S.RETURNED)
    _bare_slip(w, problem, seq=961)
    assert table_problem_stats()[(datetime.date(2026, 5, 1), w.t3.pk, Category.POLICY)] == (1, 0)
    Slip.objects.filter(problem=problem).update(contact_met=True)
    assert table_problem_stats()[(datetime.date(2026, 5, 1), w.t3.pk, Category.POLICY)] == (1, 1)
    assert_exact()


@pytest.mark.parametrize("how", ["reassigned", "deleted"])
def test_a_contact_undone_unmarks_the_problem(w, how):
    if how == "reassigned":
        slip = walk(w, issue(w, when=at("2026-05-05")), ["sign", "contact"])
        problem = slip.problem
        assert met_by_units()[problem.pk] is True
        slip = act(w, slip, "request_return")
        slip = act(w, slip, "approve_return")  # to another unit: it starts afresh
        assert slip.contact_met is False and slip.lead_unit_id == w.unit_c.pk
    else:
        problem = new_problem(w.f2, w.office, raised_at=at("2026-05-06"), met_face_to_face=False)
        slip = _bare_slip(w, problem, seq=970, contact_met=True)
        assert met_by_units()[problem.pk] is True
        slip.delete()
    assert table_slip_stats() == raw_slip_stats()
    assert table_problem_stats() == raw_problem_stats()


def test_a_met_slip_moved_to_another_problem_marks_it(w):
    first = new_problem(w.f1, w.office, raised_at=at("2026-05-06"), met_face_to_face=False)
    other = new_problem(w.f2, w.office, raised_at=at("2026-05-07"), met_face_to_face=False)
    slip = _bare_slip(w, first, seq=980, contact_met=True)
    Slip.objects.filter(pk=slip.pk).update(problem=other)
    assert met_by_units()[other.pk] is True


# --- 2. The rebuild counts what the triggers kept -------------------------------------------


def test_the_rebuild_gives_what_the_triggers_kept(world):
    # A few writes past the services on top of the world's.
    Enterprise.objects.filter(pk=world.f3.pk).update(town=world.t1)
    Problem.objects.filter(slips__isnull=True).order_by("pk").first().delete()
    Slip.objects.filter(pk=world.slips[5].pk).update(contact_met=True)
    before_slips, before_problems = table_slip_stats(), table_problem_stats()
    before_met = met_by_units()
    assert before_slips and before_problems
    assert before_slips == raw_slip_stats() and before_problems == raw_problem_stats()

    stats_rebuild(connection)
    assert table_slip_stats() == before_slips
    assert table_problem_stats() == before_problems
    assert met_by_units() == before_met
    # The rebuild leaves no emptied rows behind.
    assert SlipMonthStat.objects.count() == len(before_slips)
    assert ProblemMonthStat.objects.count() == len(before_problems)


def test_the_rebuild_repairs_tables_gone_wrong(world):
    expected_slips, expected_problems = raw_slip_stats(), raw_problem_stats()
    SlipMonthStat.objects.update(issued=F("issued") + 7, slips=0)
    ProblemMonthStat.objects.filter(pk__in=ProblemMonthStat.objects.values("pk")[:2]).delete()
    SlipMonthStat.objects.create(
        month=datetime.date(2020, 1, 1),
        closed_month=NOT_CLOSED,
        lead_unit_id=world.unit_a.pk,
        batch_id=world.b1.pk,
        tier=1,
        issued=5,
    )
    # met_by_unit lost (a restore of the problems without it): the rebuild sets it again.
    Problem.objects.update(met_by_unit=False)
    assert table_slip_stats() != expected_slips

    stats_rebuild(connection)
    assert table_slip_stats() == expected_slips
    assert table_problem_stats() == expected_problems
    assert_exact()


# --- 3. The dashboard from the tables equals the dashboard from the rows --------------------


@pytest.fixture
def world(w):
    """Three units, three towns, four categories, two batches, tiers 1 to 3, slips from
    2025-Q4 to 2026-Q3 with boundary moments, some overdue, some met, some closed in a later
    month than they were issued."""
    A, B, C = w.unit_a, w.unit_b, w.unit_c
    E, L, F_, P = Category.ENERGY, Category.LAND, Category.FINANCING, Category.POLICY
    past = timezone.localdate() - 5 * DAY
    rows = [
        # unit, firm, category, batch, issued (local), actions, closed at (local), extra
        (A, w.f1, E, w.b1, at("2025-12-31", 23, 50), PATHS[S.CLOSED], at("2026-01-05"), ""),
        (B, w.f2, L, w.b2, at("2026-01-01", 0, 10), PATHS[S.SIGNED], None, "overdue"),
        (
            A,
            w.f1,
            E,
            w.b1,
            at("2026-02-14"),
            PATHS[S.CLOSED],
            at("2026-04-02"),
            "met",
        ),
        (C, w.f3, F_, w.b2, at("2026-03-31", 23, 59), PATHS[S.ESCALATED], None, "overdue"),
        (
            A,
            w.f2,
            L,
            w.b1,
            at("2026-04-01", 0, 1),
            PATHS[S.CLOSED],
            at("2026-04-30", 23, 59),
            "contact",
        ),
        (B, w.f1, E, w.b2, at("2026-04-10"), PATHS[S.REOPENED], None, "overdue"),
        (
            A,
            w.f3,
            P,
            w.b2,
            at("2026-04-20"),
            ["sign", "late", "reply", "feed_back", "rate_basic"],
            at("2026-05-01", 0, 1),
            "",
        ),
        (A, w.f1, E, w.b1, at("2026-05-05"), PATHS[S.WITHDRAWN], None, ""),
        (A, w.f2, E, w.b1, at("2026-05-06"), PATHS[S.RETURNED], None, "met"),
        (A, w.f2, F_, w.b1, at("2026-05-20"), PATHS[S.FED_BACK], None, "overdue"),
        (C, w.f3, L, w.b2, at("2026-06-01"), PATHS[S.EXTENSION_REQUESTED], None, "overdue"),
        (B, w.f3, P, w.b1, at("2026-06-15"), PATHS[S.CLOSED], at("2026-07-03"), "met"),
        (A, w.f1, L, w.b2, at("2026-06-30", 23, 50), PATHS[S.REPLIED], None, "overdue"),
        (C, w.f2, E, w.b1, at("2026-07-01", 0, 30), PATHS[S.CLOSED], at("2026-07-20"), "contact"),
        (A, w.f1, E, w.b1, at("2026-07-08"), [*PATHS[S.ESCALATED], "send_down"], None, "overdue"),
        (B, w.f3, F_, w.b2, at("2026-08-08"), PATHS[S.ISSUED], None, ""),
        (C, w.f2, L, w.b2, at("2026-08-18"), PATHS[S.IN_PROGRESS], None, "overdue,contact"),
        (
            A,
            w.f3,
            P,
            w.b1,
            at("2026-09-30", 23, 59),
            ["sign", "reply", "feed_back", "close_unrated"],
            at("2026-10-01", 8),
            "",
        ),
        (B, w.f1, E, w.b1, at("2026-09-10"), PATHS[S.RETURN_REQUESTED], None, ""),
    ]
    slips = []
    for unit, firm, category, batch, when, actions, closed_at, extra in rows:
        slip = issue(
            w,
            unit=unit,
            firm=firm,
            category=category,
            batch=batch,
            when=when,
            met="met" in extra,
        )
        if "contact" in extra:
            slip_contact(slip=slip, actor=w.handlers[unit.pk], met=True, text="当面沟通")
        slip = _steps(w, slip, actions)
        if closed_at is not None:
            Slip.objects.filter(pk=slip.pk).update(closed_at=closed_at)
        if "overdue" in extra:
            Slip.objects.filter(pk=slip.pk).update(deadline=past)
        slips.append(slip)
    # A third tier, by a bulk update, and problems with no slip.
    Slip.objects.filter(pk=slips[3].pk).update(tier=3)
    for firm, category, when, met in [
        (w.f1, E, at("2026-05-31", 23, 30), True),
        (w.f2, P, at("2026-08-01", 0, 5), False),
        (w.f3, L, at("2026-02-01"), True),
    ]:
        new_problem(firm, w.office, category=category, raised_at=when, met_face_to_face=met)
    w.slips = [Slip.objects.get(pk=s.pk) for s in slips]
    return w


def _steps(w, slip, actions):
    for action in actions:
        slip = act(w, slip, action)
    return slip


def snapshot(board) -> dict:
    """Every figure, the charts and the overdue count, in comparable form."""

    def keyed(counts: dict) -> dict:
        return {
            (timezone.localdate(k) if isinstance(k, datetime.datetime) else k): n
            for k, n in counts.items()
        }

    charts = board.charts
    return {
        "figures": {k: (f.value, f.previous, f.part, f.whole) for k, f in board.figures.items()},
        "category": sorted((r["category"], r["n"]) for r in charts["category"]),
        "town": sorted(
            (r["enterprise__town"], r["enterprise__town__name"], r["n"]) for r in charts["town"]
        ),
        "batch": [
            (r["batch"], r["batch__year"], r["batch__number"], r["issued"], r["closed"])
            for r in charts["batch"]
        ],
        "timeline": {
            "raised": keyed(charts["timeline"]["raised"]),
            "closed": keyed(charts["timeline"]["closed"]),
            "by": charts["timeline"]["by"],
        },
        "units": charts.get("units"),
        "overdue_total": board.overdue_total,
        "overdue": [s.pk for s in board.overdue],
    }


def both_ways(monkeypatch, f: Filters, *, whole=True) -> tuple[dict, dict]:
    """The board built as the product builds it, then from the rows only."""

    def build():
        return snapshot(
            board_build(
                slips_base=Slip.objects.all(),
                problems_base=Problem.objects.all(),
                f=f,
                whole=whole,
            )
        )

    normal = build()
    with monkeypatch.context() as m:
        m.setattr("supervision.dashboard.stats_for_slips", lambda f: False)
        m.setattr("supervision.dashboard.stats_for_problems", lambda f: False)
        from_rows = build()
    return normal, from_rows


PERIODS = ["2026", "2026-Q2", "2026-Q3", "2026-04", "2026-05", "2026-07"]
FILTER_SETS = [
    "none",
    "unit_a",
    "unit_c",
    "batch_b2",
    "tier_2",
    "unit_a_batch_b1",
    "town_t2",
    "category_land",
    "town_t3_category_policy",
]


def filters_of(world, period: str, name: str) -> Filters:
    values = {
        "none": {},
        "unit_a": {"unit": world.unit_a},
        "unit_c": {"unit": world.unit_c},
        "batch_b2": {"batch": world.b2},
        "tier_2": {"tier": 2},
        "unit_a_batch_b1": {"unit": world.unit_a, "batch": world.b1, "tier": 1},
        "town_t2": {"town": world.t2},
        "category_land": {"category": Category.LAND},
        "town_t3_category_policy": {"town": world.t3, "category": Category.POLICY},
    }[name]
    return Filters(period=period_parse(period), **values)


@pytest.mark.parametrize("period", PERIODS)
def test_the_dashboard_from_the_tables_equals_the_dashboard_from_the_rows(
    world, monkeypatch, period
):
    assert_exact()
    seen = []
    for name in FILTER_SETS:
        f = filters_of(world, period, name)
        normal, from_rows = both_ways(monkeypatch, f)
        assert normal == from_rows, name
        seen.append(normal["figures"]["issued"][0])
    assert any(seen), "the world has slips in the period"


def test_the_unit_board_from_the_tables_equals_the_rows(world, monkeypatch):
    """A unit's own board (whole=False, the filters carry its unit)."""
    for period in ["2026", "2026-Q2"]:
        f = Filters(period=period_parse(period), unit=world.unit_a)
        normal, from_rows = both_ways(monkeypatch, f, whole=False)
        assert normal == from_rows


def test_the_world_is_varied_enough(world, monkeypatch):
    """The comparison above compares something: each figure, chart and month is non-trivial
    in the year, and the previous period has slips too."""
    normal, _rows = both_ways(monkeypatch, filters_of(world, "2026-Q2", "none"))
    figures = normal["figures"]
    del figures["coverage"]  # no campaign: read from the targets either way
    for key, (value, previous, _part, _whole) in figures.items():
        assert value not in (None, 0), (key, figures)
        if key != "overdue":  # the backlog today: no previous figure
            assert previous not in (None, 0), (key, figures)
    assert len(normal["category"]) >= 3 and len(normal["town"]) == 3
    assert len(normal["batch"]) == 2 and normal["overdue_total"] >= 2
    year, _rows = both_ways(monkeypatch, filters_of(world, "2026", "none"))
    assert len(year["timeline"]["raised"]) >= 6 and len(year["timeline"]["closed"]) >= 3
    assert {s.tier for s in world.slips} == {1, 2, 3}


def test_the_board_reads_the_tables(world, monkeypatch):
    """Not just the rows twice: figures change when only the tables do."""
    f = filters_of(world, "2026-Q2", "none")
    normal, from_rows = both_ways(monkeypatch, f)
    assert normal == from_rows
    SlipMonthStat.objects.update(issued=F("issued") + 1)
    ProblemMonthStat.objects.update(raised=F("raised") + 1)
    tampered, from_rows_again = both_ways(monkeypatch, f)
    assert from_rows_again == from_rows
    assert tampered["figures"]["issued"] != normal["figures"]["issued"]
    assert tampered["figures"]["meeting_rate"] != normal["figures"]["meeting_rate"]
    assert tampered["category"] != normal["category"]


def test_a_batch_of_withdrawn_slips_only(world, monkeypatch):
    b3 = batch_open(actor=world.office)
    walk(world, issue(world, batch=b3, when=at("2026-05-07")), PATHS[S.WITHDRAWN])
    normal, from_rows = both_ways(monkeypatch, filters_of(world, "2026-Q2", "none"))
    assert normal == from_rows


@pytest.mark.parametrize("week", ["2026-W27", "2026-W20"])
def test_a_week_from_the_tables_equals_the_rows(world, monkeypatch, week):
    normal, from_rows = both_ways(monkeypatch, Filters(period=period_parse(week)))
    assert normal == from_rows
