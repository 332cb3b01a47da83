"""Two workers sweeping at the same moment, on PostgreSQL.

Each sweep runs in its own thread and connection, released together by a barrier. The slip's
row lock (``skip_locked``) and the unique key of ``DeadlineAction`` must leave every due action
done exactly once between them. SQLite serialises whole-database writes and ignores row locks,
so this only means something on PostgreSQL."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection

from core.models import Notification
from issues.models import Slip, SlipEvent
from supervision import sweep as sweep_module
from supervision.models import DeadlineAction
from supervision.sweep import deadlines_sweep

from .helpers import at

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update skip_locked) are only real on PostgreSQL; "
        "run with DATABASE_URL=postgres://...",
    ),
    # No serialized_rollback: the rows migrations add come back through post_migrate handlers.
    pytest.mark.django_db(transaction=True),
]

S = Slip.Status
K = DeadlineAction.Kind


@pytest.fixture(autouse=True)
def slow_notices(monkeypatch):
    """Hold each chunk's transaction a little longer while its notices go out, so the two
    sweeps certainly meet on the same slips."""
    real = sweep_module.notify_many

    def slowly(messages):
        time.sleep(0.2)
        return real(messages)

    monkeypatch.setattr(sweep_module, "notify_many", slowly)


def test_two_sweeps_at_once_do_every_action_exactly_once(
    make_slip, people, tiers, calendar_2026, rules
):
    due = [make_slip("2026-06-12") for _ in range(3)]  # reminders
    late = [make_slip("2026-06-10") for _ in range(3)]  # chase-ups
    climbing = [make_slip("2026-06-01") for _ in range(2)]  # chase-up and tier 2 (8 overdue)
    stale = [
        make_slip("2026-05-20", state=S.FED_BACK, fed_back_at=at("2026-05-27", 10))
        for _ in range(2)
    ]  # 未评价
    barrier = threading.Barrier(2)
    reports, errors = [None, None], []

    def run(index):
        try:
            barrier.wait(timeout=10)
            reports[index] = deadlines_sweep(now=at("2026-06-11")).as_dict()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads), "a sweep hung on a lock"
    assert errors == []
    total = Counter()
    for report in reports:
        total.update(report)
    assert (total["reminders"], total["overdue"], total["escalations"], total["unrated"]) == (
        3,
        5,
        2,
        2,
    )
    made = Counter(DeadlineAction.objects.values_list("slip_id", "kind", "tier"))
    assert made == Counter(
        [(s.pk, K.REMINDER, 0) for s in due]
        + [(s.pk, K.OVERDUE, 0) for s in late + climbing]
        + [(s.pk, K.ESCALATION, 2) for s in climbing]
        + [(s.pk, K.UNRATED, 0) for s in stale]
    )
    # Reminders: 3 × 2 handlers; chase-ups: 5 × (2 handlers, the leader, the office);
    # escalations: 2 × (the leadership group's member + those 4); 未评价 closings: 2 × the
    # office. Nobody told anything twice.
    sent = Counter(Notification.objects.values_list("recipient_id", "kind", "url"))
    assert sum(sent.values()) == 3 * 2 + 5 * 4 + 2 * 5 + 2 * 1
    assert max(sent.values()) == 1
    events = Counter(SlipEvent.objects.values_list("slip_id", "action"))
    assert all(events[(s.pk, "notice")] == 1 for s in due + late)
    assert all(events[(s.pk, "notice")] == 2 for s in climbing)  # chase-up, escalation
    assert all(events[(s.pk, "escalate")] == 1 for s in climbing)
    assert all(events[(s.pk, "close_unrated")] == 1 for s in stale)
    assert all(events[(s.pk, "notice")] == 1 for s in stale)  # the office told of the closing
    for slip in climbing:
        slip.refresh_from_db()
        assert (slip.tier, slip.tier_unit) == (2, tiers[2][0])
