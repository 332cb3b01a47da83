"""Two people acting on the same problem or slip at the same moment, on PostgreSQL.

Each side runs in its own thread with its own database connection, lined up on a barrier, so
both reach the row lock (``select_for_update``) together. SQLite ignores row locks and
serialises whole-database writes instead, so these tests only mean something on PostgreSQL."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.roles import Role
from issues.models import Problem, Slip, SlipEvent
from issues.services import (
    slip_extension_decide,
    slip_issue,
    slip_reply,
    slip_request_extension,
    slip_sign,
)
from issues.services import slips as slip_services
from issues.tests.helpers import reach
from issues.workflow import TransitionRefused

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) are only real on PostgreSQL; "
        "run with DATABASE_URL=postgres://...",
    ),
    # No serialized_rollback: the rows migrations add come back through post_migrate handlers.
    pytest.mark.django_db(transaction=True),
]

S = Slip.Status
DAY = datetime.timedelta(days=1)
PAUSE = 0.3  # seconds each side spends between reading the row and writing it


@pytest.fixture(autouse=True)
def slow_critical_sections(monkeypatch):
    """Widen the window between the read of the state and the write, so that without the row
    lock both sides would certainly read the old state (and the tests would fail every time,
    not now and then). With the lock, the second side simply waits."""
    from issues import workflow

    def slowly(function):
        def slowed(*args, **kwargs):
            time.sleep(PAUSE)
            return function(*args, **kwargs)

        return slowed

    # Called after the state check, before the save: in slip_transition and in slip_issue.
    monkeypatch.setattr(workflow, "actor_roles", slowly(workflow.actor_roles))
    monkeypatch.setattr(slip_services, "deadline_compute", slowly(slip_services.deadline_compute))


def race(*calls):
    """Run each call in its own thread (and connection), all released at once. Returns, in
    order, ("ok", result) or ("refused", exception) for each."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except ValidationError as exc:  # TransitionRefused is one too
            results[index] = ("refused", exc)
        except Exception as exc:
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung on a lock"
    assert all(r is not None and r[0] != "error" for r in results), results
    return results


def test_two_office_staff_issuing_the_same_problem_get_one_slip(
    make_user, problem, batch, lead_unit, third_unit
):
    first = make_user(Role.OFFICE, username="office_a")
    second = make_user(Role.OFFICE, username="office_b")

    def issue(actor, unit):
        return lambda: slip_issue(
            problem=problem,  # both hold the problem as they read it: awaiting sorting
            batch=batch,
            lead_unit=unit,
            co_units=[],
            requirement="请协调解决",
            days=5,
            actor=actor,
        )

    results = race(issue(first, lead_unit), issue(second, third_unit))

    assert sorted(kind for kind, _value in results) == ["ok", "refused"]
    refused = next(value for kind, value in results if kind == "refused")
    assert not isinstance(refused, TransitionRefused)
    assert Slip.objects.filter(problem=problem).count() == 1
    assert SlipEvent.objects.filter(action="issue").count() == 1
    batch.refresh_from_db()
    assert batch.last_seq == 1
    assert Problem.objects.get(pk=problem.pk).status == Problem.Status.ASSIGNED


def test_a_unit_signing_twice_at_once_signs_once(make_user, slip, lead, lead_unit):
    colleague = make_user(Role.HANDLER, username="lead2", unit=lead_unit)

    results = race(
        lambda: slip_sign(slip=slip, actor=lead), lambda: slip_sign(slip=slip, actor=colleague)
    )

    assert sorted(kind for kind, _value in results) == ["ok", "refused"]
    assert isinstance(next(v for k, v in results if k == "refused"), TransitionRefused)
    assert SlipEvent.objects.filter(slip=slip, action="sign").count() == 1
    slip.refresh_from_db()
    assert slip.status == S.SIGNED


def test_a_reply_racing_an_extension_request_ends_replied_either_way(
    make_user, slip, lead, lead_unit
):
    # The reply always lands: first, the request is refused (nothing left to extend); second,
    # it settles the request. Either way the slip ends replied with no pending request.
    slip = slip_sign(slip=slip, actor=lead)
    colleague = make_user(Role.HANDLER, username="lead2", unit=lead_unit)

    results = race(
        lambda: slip_reply(slip=slip, actor=lead, outcome=Slip.Outcome.SOLVED, text="已解决"),
        lambda: slip_request_extension(
            slip=slip, actor=colleague, reason="还需时间", new_deadline=slip.deadline + 9 * DAY
        ),
    )

    assert results[0][0] == "ok"
    slip.refresh_from_db()
    steps = list(SlipEvent.objects.filter(slip=slip).values_list("action", flat=True))
    assert slip.status == S.REPLIED and slip.requested_deadline is None
    assert slip.resume_status == "" and steps.count("reply") == 1
    if results[1][0] == "ok":
        assert steps[-2:] == ["request_extension", "reply"]
    else:
        assert isinstance(results[1][1], TransitionRefused) and "request_extension" not in steps


def test_a_reply_racing_an_extension_approval_is_judged_by_the_deadline_it_finds(
    slip, lead, office
):
    # A reply may land while the request waits (it settles the request). Whichever reaches the
    # lock first wins cleanly: approval first, then the reply is judged against the extended
    # deadline; reply first, then the approval is refused and the deadline stays.
    slip = reach(slip, S.SIGNED, lead=lead, office=office)
    Slip.objects.filter(pk=slip.pk).update(deadline=timezone.localdate())
    slip.refresh_from_db()
    old_deadline = slip.deadline
    slip = slip_request_extension(
        slip=slip, actor=lead, reason="设备到货", new_deadline=timezone.localdate() + 5 * DAY
    )

    results = race(
        lambda: slip_extension_decide(slip=slip, actor=office, approve=True),
        lambda: slip_reply(slip=slip, actor=lead, outcome=Slip.Outcome.SOLVED, text="已解决"),
    )

    assert results[1][0] == "ok"  # the reply always lands
    slip.refresh_from_db()
    steps = list(SlipEvent.objects.filter(slip=slip).values_list("action", flat=True))
    assert steps.count("reply") == 1 and slip.status == S.REPLIED
    assert slip.requested_deadline is None and slip.replied_on_time is True
    if results[0][0] == "ok":
        assert steps[-2:] == ["approve_extension", "reply"]
        assert slip.deadline == timezone.localdate() + 5 * DAY
    else:
        assert isinstance(results[0][1], TransitionRefused)
        assert "approve_extension" not in steps and slip.deadline == old_deadline


def test_two_office_staff_deciding_one_extension_at_once_decide_it_once(
    make_user, slip, lead, office
):
    slip = reach(slip, S.EXTENSION_REQUESTED, lead=lead, office=office)
    asked = slip.requested_deadline
    colleague = make_user(Role.OFFICE, username="office_b")

    results = race(
        lambda: slip_extension_decide(slip=slip, actor=office, approve=True),
        lambda: slip_extension_decide(slip=slip, actor=colleague, approve=False),
    )

    assert sorted(kind for kind, _value in results) == ["ok", "refused"]
    slip.refresh_from_db()
    decisions = list(
        SlipEvent.objects.filter(
            slip=slip, action__in=["approve_extension", "refuse_extension"]
        ).values_list("action", flat=True)
    )
    assert len(decisions) == 1
    assert slip.status == S.SIGNED and slip.requested_deadline is None
    assert (slip.deadline == asked) == (decisions == ["approve_extension"])
