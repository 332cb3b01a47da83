"""The demo's slips tell the article's story: six batches, three in four closed, every state,
and every slip's steps a path the state table allows, with the facts its services store."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import User
from issues.measures import slip_measures
from issues.models import Batch, Problem, Slip, SlipEvent
from issues.selectors import unit_inbox
from issues.workflow import MOVES, RESUME, STAY

S = Slip.Status


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_demo_slips_in_batches_and_in_many_states(demo):
    assert Batch.objects.count() == 6
    states = set(Slip.objects.values_list("status", flat=True))
    assert {S.CLOSED, S.WITHDRAWN}.issubset(states)
    assert len(states) >= 4
    for slip in Slip.objects.select_related("batch"):
        assert slip.number == f"临访交〔{slip.batch.year}〕第{slip.batch.number}批-{slip.seq:03d}"
    for batch in Batch.objects.all():
        assert batch.last_seq == batch.slips.count()
    # Issued problems are assigned; a withdrawn slip's problem is back in sorting.
    live = Slip.objects.exclude(status=S.WITHDRAWN)
    assert not live.exclude(problem__status=Problem.Status.ASSIGNED).exists()
    assert not Slip.objects.filter(status=S.WITHDRAWN).exclude(problem__status="new").exists()
    assert Problem.objects.filter(status=Problem.Status.NEW).exists()


def test_every_slips_steps_chain_from_issue_to_its_status(demo):
    now = timezone.now()
    events: dict[int, list[SlipEvent]] = {}
    for event in SlipEvent.objects.order_by("created_at", "id"):
        events.setdefault(event.slip_id, []).append(event)
    for slip in Slip.objects.all():
        steps = events[slip.pk]
        assert steps[0].action == "issue" and steps[0].from_status == ""
        assert steps[0].created_at == slip.issued_at
        previous = ""
        for step in steps:
            assert step.action in MOVES
            assert step.from_status == previous
            move = MOVES[step.action]
            if step.action != "issue":
                assert step.from_status in move.sources
            if move.target == STAY:
                assert step.to_status == step.from_status
            elif move.target != RESUME:
                assert step.to_status == move.target
            assert step.created_at < now
            if step.actor_id is not None:
                assert step.unit_id is not None
            previous = step.to_status
        assert previous == slip.status
        times = [step.created_at for step in steps]
        assert times == sorted(times) and len(set(times)) == len(times)


def test_closed_slips_store_their_facts(demo):
    closed = Slip.objects.filter(status=S.CLOSED)
    assert closed.exists()
    for slip in closed:
        assert slip.closed_at is not None and slip.replied_at is not None
        assert slip.fed_back_at is not None and slip.rating in {"satisfied", "basic"}
        assert slip.closed_on_time == (slip.replied_on_time and not slip.late_reply)
        assert slip.replied_on_time == (timezone.localdate(slip.replied_at) <= slip.deadline)
        assert slip.original_deadline <= slip.deadline or slip.reopen_count or slip.tier > 1
    # Extensions move the deadline and keep the original; escalations climb a tier.
    for event in SlipEvent.objects.filter(action="approve_extension"):
        assert set(event.data) == {"from", "to"}
    assert not Slip.objects.filter(tier=1, events__action="approve_escalation").exists()


def test_measures_look_like_the_article(demo):
    measures = slip_measures(Slip.objects.all())
    assert 60 <= measures.closure_rate <= 90
    assert measures.issued == Slip.objects.exclude(status=S.WITHDRAWN).count()


def test_unit_login_has_an_inbox(demo):
    user = User.objects.get(username="unit")
    inbox = unit_inbox(user)
    assert inbox
    assert any(user.unit_id in [u.pk for u in slip.co_units.all()] for slip in inbox)


def test_seeding_again_adds_nothing(demo):
    counts = (Slip.objects.count(), SlipEvent.objects.count(), Batch.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Slip.objects.count(), SlipEvent.objects.count(), Batch.objects.count()) == counts


def test_a_database_with_problems_but_no_slips_gets_them(db, settings, monkeypatch):
    from issues import demo as issues_demo

    settings.DEBUG = True
    with monkeypatch.context() as patch:
        patch.setattr(issues_demo._Demo, "run", lambda self: None)
        call_command("seed_demo", stdout=StringIO())
    assert Problem.objects.exists() and not Slip.objects.exists()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert Slip.objects.exists()
    assert "交办单：6 批" in out.getvalue()
