"""The slip's state table (``issues.workflow.MOVES``), move by move, through the services.

For every move: the allowed path from each source state, with the ``SlipEvent`` row it writes;
the refused paths (a state the table does not list, an actor it does not name); every service's
bad input; and the facts stored along the way that the measures rest on."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from core.models import AuditEvent, Unit
from core.roles import Role
from core.tests.factories import UnitFactory
from core.workdays import deadline_compute
from issues.measures import slip_measures
from issues.models import Batch, Problem, Slip, SlipEvent
from issues.services import (
    batch_open,
    problem_answer,
    problem_decline,
    problem_merge,
    slip_co_input,
    slip_contact,
    slip_escalation_decide,
    slip_extension_decide,
    slip_feed_back,
    slip_issue,
    slip_note,
    slip_rate,
    slip_reject_reply,
    slip_reply,
    slip_request_escalation,
    slip_request_extension,
    slip_request_return,
    slip_return_decide,
    slip_send_down,
    slip_sign,
    slip_withdraw,
)
from issues.tests.conftest import new_problem
from issues.tests.helpers import ALL_STATES, TEXTS, reach, take
from issues.workflow import (
    CO,
    DELEGATE,
    LEAD,
    MOVES,
    OFFICE,
    RESUME,
    STAY,
    SYSTEM,
    TRANSITIONS,
    TransitionRefused,
    actions_for,
    actor_roles,
)

pytestmark = pytest.mark.django_db

S = Slip.Status
DAY = datetime.timedelta(days=1)
REQUIREMENT = "请于规定时限内协调解决变压器增容。"

# What each test actor is to the fixture slip (lead unit 经信局, co-unit 供电公司).
ROLES_OF = {
    "office": {OFFICE, DELEGATE},
    "lead": {LEAD},
    "co": {CO},
    "other_unit_handler": set(),
    "paired_cadre": {DELEGATE},
    "unpaired_cadre": set(),
}
# Moves people take; the deadline sweep's own (escalate, notice, close unrated) are tested with
# the sweep, and the coordinating body's (a coordinator, a meeting), whose services live in
# supervision, with them, in supervision/tests.
SYSTEM_MOVES = {name for name, move in MOVES.items() if move.who == {SYSTEM}}
UPPER_MOVES = {"assign_coordinator", "coordination_meeting"}
SLIP_MOVES = [name for name in MOVES if name != "issue" and name not in SYSTEM_MOVES | UPPER_MOVES]


def takers(action: str) -> list[str]:
    """The test actors the table lets take ``action``."""
    return [who for who, roles in ROLES_OF.items() if roles & MOVES[action].who]


def first_source(action: str) -> str:
    return min(MOVES[action].sources, key=ALL_STATES.index)


def today() -> datetime.date:
    return timezone.localdate()


def events(slip) -> int:
    """The steps on the slip's history (not the notices that went out about them)."""
    return SlipEvent.objects.filter(slip=slip).exclude(action="notice").count()


@pytest.fixture
def actors(office, lead, co, other_unit_handler, paired_cadre, unpaired_cadre):
    return {
        "office": office,
        "lead": lead,
        "co": co,
        "other_unit_handler": other_unit_handler,
        "paired_cadre": paired_cadre,
        "unpaired_cadre": unpaired_cadre,
    }


def issue(problem, batch, lead_unit, actor, *, co_units=(), days=5, requirement=REQUIREMENT):
    return slip_issue(
        problem=problem,
        batch=batch,
        lead_unit=lead_unit,
        co_units=list(co_units),
        requirement=requirement,
        days=days,
        actor=actor,
    )


# --- The table itself ------------------------------------------------------------------------


def test_the_state_table_lists_every_status_and_only_real_ones():
    sources = {s for move in MOVES.values() for s in move.sources}
    assert sources | {S.CLOSED, S.WITHDRAWN, S.RETURNED} == set(S.values)
    for name, move in MOVES.items():
        assert move.target in {*S.values, STAY, RESUME}, name
    # Nothing leaves a final state.
    assert not {S.CLOSED, S.WITHDRAWN, S.RETURNED} & set(TRANSITIONS)
    assert TRANSITIONS[S.ISSUED] >= {S.SIGNED, S.RETURN_REQUESTED, S.WITHDRAWN}
    assert TRANSITIONS[S.FED_BACK] == {S.CLOSED, S.REOPENED, S.FED_BACK}  # notice: stays
    # A withdrawn slip leaves the figures: only one issued in error, before any answer.
    assert {s for s, moves in TRANSITIONS.items() if S.WITHDRAWN in moves} == {
        S.ISSUED,
        S.SIGNED,
        S.IN_PROGRESS,
        S.RETURN_REQUESTED,
    }


def test_actor_roles_name_what_each_user_is_to_the_slip(slip, actors):
    for who, roles in ROLES_OF.items():
        assert actor_roles(actors[who], slip) == roles, who


# --- Issuing ---------------------------------------------------------------------------------


def test_issuing_numbers_the_slip_assigns_the_problem_and_writes_the_issue_event(
    problem, batch, lead_unit, co_unit, office
):
    slip = issue(problem, batch, lead_unit, office, co_units=[co_unit], days=5)

    due = deadline_compute(today(), 5)
    assert slip.number == f"临访交〔{batch.year}〕第{batch.number}批-001"
    assert (slip.status, slip.seq, slip.days, slip.tier) == (S.ISSUED, 1, 5, 1)
    assert slip.deadline == slip.original_deadline == due.date
    assert slip.deadline_provisional == due.provisional
    assert list(slip.co_units.all()) == [co_unit]
    problem.refresh_from_db()
    assert (problem.status, problem.decided_by) == (Problem.Status.ASSIGNED, office)
    event = SlipEvent.objects.get(slip=slip)
    assert (
        event.action,
        event.from_status,
        event.to_status,
        event.actor,
        event.unit,
        event.text,
    ) == ("issue", "", S.ISSUED, office, office.unit, REQUIREMENT)
    assert event.data == {
        "lead_unit": "经信局",
        "co_units": ["供电公司"],
        "days": 5,
        "deadline": due.date.isoformat(),
        "provisional": due.provisional,
    }
    assert AuditEvent.objects.filter(action="slip.issue", object_id=str(slip.pk)).count() == 1


def test_a_handler_cannot_issue_a_slip(problem, batch, lead_unit, lead):
    with pytest.raises(TransitionRefused) as caught:
        issue(problem, batch, lead_unit, lead)

    assert str(MOVES["issue"].label) in caught.value.messages[0]
    assert not Slip.objects.exists()
    problem.refresh_from_db()
    assert problem.status == Problem.Status.NEW


def test_slips_are_numbered_in_order_within_their_batch(firm, batch, lead_unit, office):
    first = issue(new_problem(firm, office), batch, lead_unit, office)
    second = issue(new_problem(firm, office), batch, lead_unit, office)
    next_batch = batch_open(actor=office)
    third = issue(new_problem(firm, office), next_batch, lead_unit, office)

    year = today().year
    assert first.number == f"临访交〔{year}〕第1批-001"
    assert second.number == f"临访交〔{year}〕第1批-002"
    assert third.number == f"临访交〔{year}〕第2批-001"
    assert [first.seq, second.seq, third.seq] == [1, 2, 1]
    batch.refresh_from_db()
    assert batch.last_seq == 2


def test_batches_are_numbered_within_a_year(office):
    year = today().year
    first, second = batch_open(actor=office), batch_open(actor=office, title="  第二批  ")
    next_year = batch_open(actor=office, year=year + 1)

    assert (first.year, first.number) == (year, 1)
    assert (second.year, second.number, second.title) == (year, 2, "第二批")
    assert (next_year.year, next_year.number) == (year + 1, 1)
    assert batch_open(actor=office, year=year + 1).number == 2
    assert AuditEvent.objects.filter(action="batch.open").count() == 4


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "The deadline must be at least one working day."),
        (-3, "The deadline must be at least one working day."),
        (None, "The deadline must be at least one working day."),
        (251, "The deadline cannot be more than 250 working days."),
    ],
)
def test_issuing_refuses_a_deadline_outside_1_to_250_working_days(
    problem, batch, lead_unit, office, days, message
):
    with pytest.raises(ValidationError) as caught:
        issue(problem, batch, lead_unit, office, days=days)

    assert caught.value.messages == [gettext(message)]
    assert not Slip.objects.exists()
    batch.refresh_from_db()
    assert batch.last_seq == 0


@pytest.mark.parametrize("days", [1, 250])
def test_issuing_accepts_1_and_250_working_days(problem, batch, lead_unit, office, days):
    slip = issue(problem, batch, lead_unit, office, days=days)

    assert slip.days == days
    assert slip.deadline == deadline_compute(today(), days).date


@pytest.mark.parametrize("requirement", ["", "   \n"])
def test_issuing_needs_a_requirement(problem, batch, lead_unit, office, requirement):
    with pytest.raises(ValidationError) as caught:
        issue(problem, batch, lead_unit, office, requirement=requirement)

    assert caught.value.messages == [gettext("Write what the unit is required to do.")]
    assert not Slip.objects.exists()


def test_issuing_needs_an_active_department_or_town_as_lead(problem, batch, office):
    office_unit = UnitFactory(name="活动办", kind=Unit.Kind.OFFICE)
    closed = UnitFactory(name="已撤并单位", kind=Unit.Kind.DEPARTMENT, is_active=False)
    message = gettext("The lead unit must be an active department or town.")
    for unit in (office_unit, closed):
        with pytest.raises(ValidationError) as caught:
            issue(problem, batch, unit, office)
        assert caught.value.messages == [message]
    firm_unit = UnitFactory(name="某企业", kind=Unit.Kind.ENTERPRISE)
    with pytest.raises(ValidationError):
        issue(problem, batch, UnitFactory(name="农业局"), office, co_units=[firm_unit])
    assert not Slip.objects.exists()


def test_the_lead_unit_is_dropped_from_the_co_units(problem, batch, lead_unit, co_unit, office):
    slip = issue(problem, batch, lead_unit, office, co_units=[lead_unit, co_unit])

    assert list(slip.co_units.all()) == [co_unit]


@pytest.mark.parametrize("decide", ["answer", "decline", "merge"])
def test_only_a_problem_awaiting_sorting_can_be_issued(firm, batch, lead_unit, office, decide):
    problem = new_problem(firm, office)
    if decide == "answer":
        problem_answer(problem=problem, actor=office, answer="按政策解释")
    elif decide == "decline":
        problem_decline(problem=problem, actor=office, reason="不属于企业困难")
    else:
        problem_merge(problem=problem, into=new_problem(firm, office), actor=office)
    problem.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        issue(problem, batch, lead_unit, office)

    assert problem.get_status_display() in caught.value.messages[0]
    assert not Slip.objects.filter(problem=problem).exists()


def test_issuing_a_problem_twice_is_refused_by_its_status(slip, problem, batch, lead_unit, office):
    # ``problem`` is the stale object the first issue was given: in memory it is still new.
    assert problem.status == Problem.Status.NEW

    with pytest.raises(ValidationError) as caught:
        issue(problem, batch, lead_unit, office)

    assert caught.value.messages == [
        gettext("This problem is already “%(status)s”; someone may have issued it a moment ago.")
        % {"status": Problem.Status.ASSIGNED.label}
    ]
    assert Slip.objects.filter(problem=problem).count() == 1


def test_issuing_a_problem_twice_is_refused_by_the_database(
    slip, problem, batch, lead_unit, office
):
    # Past the status check (as when two office staff read it new at once): the constraint
    # "one live slip per problem" answers, with the same kind of clear message.
    Problem.objects.filter(pk=problem.pk).update(status=Problem.Status.NEW)

    with pytest.raises(ValidationError) as caught:
        issue(problem, batch, lead_unit, office)

    assert caught.value.messages == [
        gettext("This problem already has a slip; someone may have issued it a moment ago.")
    ]
    assert Slip.objects.filter(problem=problem).count() == 1
    batch.refresh_from_db()
    assert batch.last_seq == 1  # the number taken for the refused slip is given back


# --- Every move: the allowed path and the row it writes --------------------------------------

ALLOWED = [
    (action, source, who)
    for action in SLIP_MOVES
    for source in sorted(MOVES[action].sources, key=ALL_STATES.index)
    for who in takers(action)
]


@pytest.mark.parametrize(
    ("action", "source", "who"), ALLOWED, ids=[f"{a}-from-{s}-by-{w}" for a, s, w in ALLOWED]
)
def test_every_move_from_every_source_writes_its_event(
    action, source, who, slip, actors, third_unit
):
    slip = reach(slip, source, lead=actors["lead"], office=actors["office"])
    actor = actors[who]
    resume = slip.resume_status
    assert action in actions_for(actor, slip)
    count = events(slip)
    audits = AuditEvent.objects.filter(action="slip.step", object_id=str(slip.pk)).count()

    take(slip, action, actor, reassign_to=third_unit)

    target = MOVES[action].target
    if target == STAY:
        expected = source
    elif target == RESUME:
        assert resume, "a request remembers the state it came from"
        expected = resume
    else:
        expected = target
    slip.refresh_from_db()
    assert slip.status == expected
    assert events(slip) == count + 1
    event = SlipEvent.objects.filter(slip=slip).exclude(action="notice").order_by("-pk").first()
    assert (
        event.action,
        event.from_status,
        event.to_status,
        event.actor,
        event.unit,
        event.text,
    ) == (action, source, expected, actor, actor.unit, TEXTS[action])
    assert (
        AuditEvent.objects.filter(action="slip.step", object_id=str(slip.pk)).count() == audits + 1
    )
    if target == STAY:
        assert slip.resume_status == resume  # a note leaves a pending request as it was
    elif expected in {S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.ESCALATION_REQUESTED}:
        assert slip.resume_status == source
    elif source in {S.RETURN_REQUESTED, S.EXTENSION_REQUESTED, S.ESCALATION_REQUESTED}:
        assert slip.resume_status == ""


# --- Every move: refused from a state the table does not list --------------------------------

WRONG_STATE = [
    (action, state)
    for action in SLIP_MOVES
    for state in ALL_STATES
    if state not in MOVES[action].sources
]


@pytest.mark.parametrize(
    ("action", "state"), WRONG_STATE, ids=[f"{a}-from-{s}" for a, s in WRONG_STATE]
)
def test_a_move_from_a_state_the_table_does_not_list_is_refused(
    action, state, slip, actors, third_unit
):
    slip = reach(slip, state, lead=actors["lead"], office=actors["office"])
    actor = actors[takers(action)[0]]
    assert action not in actions_for(actor, slip)
    count = events(slip)

    with pytest.raises(TransitionRefused) as caught:
        take(slip, action, actor, reassign_to=third_unit)

    assert caught.value.messages == [
        gettext(
            "This slip is now “%(status)s”, so “%(action)s” cannot be done. Someone may "
            "have acted on it a moment ago; reload the page."
        )
        % {"status": S(state).label, "action": MOVES[action].label}
    ]
    slip.refresh_from_db()
    assert slip.status == state
    assert events(slip) == count


# --- Every move: refused to an actor the table does not name ---------------------------------

WRONG_ACTOR = [
    (action, who)
    for action in SLIP_MOVES
    for who, roles in ROLES_OF.items()
    if not roles & MOVES[action].who
]


@pytest.mark.parametrize(
    ("action", "who"), WRONG_ACTOR, ids=[f"{a}-by-{w}" for a, w in WRONG_ACTOR]
)
def test_a_move_by_an_actor_the_table_does_not_name_is_refused(
    action, who, slip, actors, third_unit
):
    source = first_source(action)
    slip = reach(slip, source, lead=actors["lead"], office=actors["office"])
    actor = actors[who]
    assert action not in actions_for(actor, slip)
    count = events(slip)

    with pytest.raises(TransitionRefused) as caught:
        take(slip, action, actor, reassign_to=third_unit)

    assert caught.value.messages == [
        gettext("You may not do “%(action)s” on this slip.") % {"action": MOVES[action].label}
    ]
    slip.refresh_from_db()
    assert slip.status == source
    assert events(slip) == count


def test_co_unit_cannot_reply_for_the_lead_unit(slip, lead, co):
    slip = slip_sign(slip=slip, actor=lead)

    with pytest.raises(TransitionRefused):
        slip_reply(slip=slip, actor=co, outcome=Slip.Outcome.SOLVED, text="已解决")

    slip.refresh_from_db()
    assert slip.status == S.SIGNED and slip.replied_at is None


def test_another_units_handler_can_neither_sign_nor_add_input(slip, other_unit_handler):
    with pytest.raises(TransitionRefused):
        slip_sign(slip=slip, actor=other_unit_handler)
    with pytest.raises(TransitionRefused):
        slip_co_input(slip=slip, actor=other_unit_handler, text="我们也能帮忙")

    slip.refresh_from_db()
    assert slip.status == S.ISSUED and slip.signed_at is None


def test_a_cadre_not_paired_with_the_firm_cannot_rate_for_it(slip, lead, office, unpaired_cadre):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    with pytest.raises(TransitionRefused):
        slip_rate(slip=slip, actor=unpaired_cadre, rating=Slip.Rating.SATISFIED)

    slip.refresh_from_db()
    assert slip.status == S.FED_BACK and slip.rating == ""


def test_a_cadre_paired_with_the_firm_rates_for_it(slip, lead, office, paired_cadre):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)

    slip = slip_rate(slip=slip, actor=paired_cadre, rating=Slip.Rating.BASIC, comment="基本满意")

    assert (slip.status, slip.rating, slip.rated_by) == (S.CLOSED, "basic", paired_cadre)
    assert slip.rated_by_firm is False


def test_the_lead_unit_cannot_approve_its_own_extension(slip, lead, office):
    slip = reach(slip, S.EXTENSION_REQUESTED, lead=lead, office=office)
    deadline = slip.deadline

    with pytest.raises(TransitionRefused):
        slip_extension_decide(slip=slip, actor=lead, approve=True)

    slip.refresh_from_db()
    assert (slip.status, slip.deadline) == (S.EXTENSION_REQUESTED, deadline)


def test_the_system_acts_as_the_office_and_its_event_has_no_actor(slip):
    slip = slip_withdraw(slip=slip, actor=None, reason="系统撤回测试")

    event = SlipEvent.objects.filter(slip=slip).last()
    assert (event.action, event.actor, event.unit) == ("withdraw", None, None)


# --- Every service's bad input ---------------------------------------------------------------


def _extension_to(days_after_deadline):
    def run(slip, lead):
        return slip_request_extension(
            slip=slip,
            actor=lead,
            reason="设备到货需要时间",
            new_deadline=slip.deadline + days_after_deadline * DAY,
        )

    return run


def _return_reassign(days=None, to_lead=False, to_office=False):
    def run(slip, office):
        if to_lead:
            unit = slip.lead_unit
        elif to_office:
            unit = UnitFactory(name="活动办", kind=Unit.Kind.OFFICE)
        else:
            unit = UnitFactory(name="住建局")
        return slip_return_decide(
            slip=slip, actor=office, approve=True, reassign_to=unit, days=days
        )

    return run


DAYS_MESSAGE = "The deadline must be at least one working day."
DAYS_MAX_MESSAGE = "The deadline cannot be more than 250 working days."

# (id, state, who, call, message) — the message the user reads; None: any message.
BAD_INPUT = [
    ("note-empty", S.SIGNED, "lead", lambda s, a: slip_note(slip=s, actor=a, text="  "),
     "Write the progress note."),
    ("contact-empty", S.SIGNED, "lead",
     lambda s, a: slip_contact(slip=s, actor=a, met=True, text=""),
     "Write what was discussed with the firm."),
    ("co-input-empty", S.ISSUED, "co", lambda s, a: slip_co_input(slip=s, actor=a, text=""),
     "Write your unit's input."),
    ("return-no-reason", S.ISSUED, "lead",
     lambda s, a: slip_request_return(slip=s, actor=a, reason=" "),
     "Say why this slip is not your unit's business."),
    ("extension-no-reason", S.SIGNED, "lead",
     lambda s, a: slip_request_extension(
         slip=s, actor=a, reason="", new_deadline=s.deadline + 5 * DAY),
     "Say why more time is needed."),
    ("extension-no-date", S.SIGNED, "lead",
     lambda s, a: slip_request_extension(slip=s, actor=a, reason="需要时间", new_deadline=None),
     "Propose the new deadline."),
    ("extension-same-day", S.SIGNED, "lead", _extension_to(0), None),
    ("extension-earlier", S.SIGNED, "lead", _extension_to(-2), None),
    ("escalation-no-reason", S.SIGNED, "lead",
     lambda s, a: slip_request_escalation(slip=s, actor=a, reason=""),
     "Say why the problem is beyond your unit."),
    ("reply-no-text", S.SIGNED, "lead",
     lambda s, a: slip_reply(slip=s, actor=a, outcome=Slip.Outcome.SOLVED, text="  "),
     "Write the reply."),
    ("reply-no-outcome", S.SIGNED, "lead",
     lambda s, a: slip_reply(slip=s, actor=a, outcome="", text="已解决"),
     "Choose the outcome."),
    ("reply-in-hand-no-plan-date", S.SIGNED, "lead",
     lambda s, a: slip_reply(slip=s, actor=a, outcome=Slip.Outcome.IN_HAND, text="列入计划"),
     "Give the date by which it will be solved."),
    ("reply-explained-no-basis", S.SIGNED, "lead",
     lambda s, a: slip_reply(
         slip=s, actor=a, outcome=Slip.Outcome.EXPLAINED, text="不予支持", basis="  "),
     "Give the policy basis for the explanation."),
    ("return-reassign-0-days", S.RETURN_REQUESTED, "office", _return_reassign(days=0),
     DAYS_MESSAGE),
    ("return-reassign-negative-days", S.RETURN_REQUESTED, "office", _return_reassign(days=-1),
     DAYS_MESSAGE),
    ("return-reassign-251-days", S.RETURN_REQUESTED, "office", _return_reassign(days=251),
     DAYS_MAX_MESSAGE),
    ("return-reassign-same-unit", S.RETURN_REQUESTED, "office", _return_reassign(to_lead=True),
     "Re-assign the slip to another unit."),
    ("return-reassign-office", S.RETURN_REQUESTED, "office", _return_reassign(to_office=True),
     "The lead unit must be an active department or town."),
    ("send-down-no-instructions", S.ESCALATED, "office",
     lambda s, a: slip_send_down(slip=s, actor=a, instructions="", days=3),
     "Write the instructions for the unit."),
    ("send-down-0-days", S.ESCALATED, "office",
     lambda s, a: slip_send_down(slip=s, actor=a, instructions="请落实", days=0), DAYS_MESSAGE),
    ("send-down-negative-days", S.ESCALATED, "office",
     lambda s, a: slip_send_down(slip=s, actor=a, instructions="请落实", days=-5), DAYS_MESSAGE),
    ("send-down-251-days", S.ESCALATED, "office",
     lambda s, a: slip_send_down(slip=s, actor=a, instructions="请落实", days=251),
     DAYS_MAX_MESSAGE),
    ("reject-reply-no-reason", S.REPLIED, "office",
     lambda s, a: slip_reject_reply(slip=s, actor=a, reason=""), "Say what the reply lacks."),
    ("feed-back-no-method", S.REPLIED, "office",
     lambda s, a: slip_feed_back(slip=s, actor=a, method="pigeon"),
     "Choose how the firm was told."),
    ("rate-no-rating", S.FED_BACK, "office", lambda s, a: slip_rate(slip=s, actor=a, rating=""),
     "Choose the firm's rating."),
    ("rate-dissatisfied-no-comment", S.FED_BACK, "office",
     lambda s, a: slip_rate(slip=s, actor=a, rating=Slip.Rating.DISSATISFIED, comment="  "),
     "Write what the firm is dissatisfied with: the unit works on it."),
    ("withdraw-no-reason", S.IN_PROGRESS, "office",
     lambda s, a: slip_withdraw(slip=s, actor=a, reason=""), "Say why the slip is withdrawn."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("state", "who", "call", "message"),
    [row[1:] for row in BAD_INPUT],
    ids=[row[0] for row in BAD_INPUT],
)
def test_bad_input_is_refused_and_changes_nothing(state, who, call, message, slip, actors):
    slip = reach(slip, state, lead=actors["lead"], office=actors["office"])
    before = Slip.objects.filter(pk=slip.pk).values().get()
    count = events(slip)

    with pytest.raises(ValidationError) as caught:
        call(slip, actors[who])

    assert not isinstance(caught.value, TransitionRefused)
    if message is not None:
        assert caught.value.messages == [gettext(message)]
    assert Slip.objects.filter(pk=slip.pk).values().get() == before
    assert events(slip) == count


def test_an_extension_date_must_be_after_the_current_deadline(slip, lead):
    slip = slip_sign(slip=slip, actor=lead)

    with pytest.raises(ValidationError) as caught:
        _extension_to(0)(slip, lead)

    assert slip.deadline.isoformat() in caught.value.messages[0]
    _extension_to(1)(slip, lead)
    slip.refresh_from_db()
    assert slip.requested_deadline == slip.deadline + DAY


def test_rating_a_slip_not_yet_fed_back_is_refused(slip, lead, office):
    slip = reach(slip, S.REPLIED, lead=lead, office=office)

    with pytest.raises(TransitionRefused):
        slip_rate(slip=slip, actor=office, rating=Slip.Rating.SATISFIED)

    slip.refresh_from_db()
    assert (slip.status, slip.rating, slip.closed_at) == (S.REPLIED, "", None)


# --- The facts stored on the way -------------------------------------------------------------


def test_a_reply_by_the_deadline_is_stored_on_time(slip, lead):
    slip = slip_sign(slip=slip, actor=lead)
    Slip.objects.filter(pk=slip.pk).update(deadline=today())  # due today still counts

    slip = slip_reply(
        slip=slip,
        actor=lead,
        outcome=Slip.Outcome.IN_HAND,
        text="已列入明年电网改造计划",
        plan_date=today() + 60 * DAY,
        basis="",
    )

    assert slip.replied_on_time is True
    assert (slip.reply_outcome, slip.reply_plan_date) == ("in_hand", today() + 60 * DAY)
    assert slip.replied_by == lead and slip.replied_at is not None


def test_a_reply_after_the_deadline_is_stored_late_and_closing_copies_it(slip, lead, office):
    slip = slip_sign(slip=slip, actor=lead)
    Slip.objects.filter(pk=slip.pk).update(deadline=today() - DAY)

    slip = slip_reply(
        slip=slip, actor=lead, outcome=Slip.Outcome.EXPLAINED, text="不予支持", basis="三改一拆"
    )
    assert slip.replied_on_time is False
    assert (slip.reply_basis, slip.reply_plan_date) == ("三改一拆", None)
    slip = slip_feed_back(slip=slip, actor=office, method=Slip.FeedbackMethod.VISIT)
    slip = slip_rate(slip=slip, actor=office, rating=Slip.Rating.SATISFIED)

    assert (slip.status, slip.closed_on_time) == (S.CLOSED, False)
    assert slip.closed_at is not None


def test_closed_on_time_is_copied_at_closing_and_not_recomputed(slip, lead, office):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)
    assert slip.replied_on_time is True
    # The deadline passes between the reply and the rating: the reply was on time.
    Slip.objects.filter(pk=slip.pk).update(deadline=today() - 10 * DAY)

    slip = slip_rate(slip=slip, actor=office, rating=Slip.Rating.SATISFIED)

    assert slip.closed_on_time is True
    Slip.objects.filter(pk=slip.pk).update(deadline=today() - 30 * DAY)
    slip.refresh_from_db()
    assert slip.closed_on_time is True


def test_an_approved_extension_moves_the_deadline_and_keeps_the_original(slip, lead, office):
    slip = slip_sign(slip=slip, actor=lead)
    original = slip.deadline
    asked = original + 7 * DAY

    slip = slip_request_extension(slip=slip, actor=lead, reason="设备到货", new_deadline=asked)
    assert (slip.status, slip.resume_status, slip.requested_deadline) == (
        S.EXTENSION_REQUESTED,
        S.SIGNED,
        asked,
    )
    assert slip.deadline == original
    slip = slip_extension_decide(slip=slip, actor=office, approve=True, note="同意")

    assert (slip.status, slip.deadline, slip.original_deadline) == (S.SIGNED, asked, original)
    assert slip.requested_deadline is None and slip.resume_status == ""
    event = SlipEvent.objects.filter(slip=slip).last()
    assert event.data == {"from": original.isoformat(), "to": asked.isoformat()}


def test_a_refused_extension_keeps_the_deadline(slip, lead, office):
    slip = reach(slip, S.EXTENSION_REQUESTED, lead=lead, office=office)
    deadline = slip.deadline

    slip = slip_extension_decide(slip=slip, actor=office, approve=False, note="不同意")

    assert (slip.status, slip.deadline, slip.requested_deadline) == (S.SIGNED, deadline, None)


def test_on_time_is_judged_against_the_extended_deadline(slip, lead, office):
    slip = slip_sign(slip=slip, actor=lead)
    Slip.objects.filter(pk=slip.pk).update(deadline=today())
    slip.refresh_from_db()
    slip = slip_request_extension(
        slip=slip, actor=lead, reason="设备到货", new_deadline=today() + 5 * DAY
    )
    slip = slip_extension_decide(slip=slip, actor=office, approve=True)
    # The original deadline has since passed; the extended one has not.
    Slip.objects.filter(pk=slip.pk).update(original_deadline=today() - DAY)
    slip.refresh_from_db()

    slip = slip_reply(slip=slip, actor=lead, outcome=Slip.Outcome.SOLVED, text="已通电")

    assert slip.replied_on_time is True
    assert slip.deadline == today() + 5 * DAY


def test_an_extension_is_asked_before_the_deadline_not_after(slip, lead):
    slip = slip_sign(slip=slip, actor=lead)
    Slip.objects.filter(pk=slip.pk).update(deadline=today() - DAY)
    slip.refresh_from_db()
    with pytest.raises(ValidationError):
        slip_request_extension(
            slip=slip, actor=lead, reason="设备到货", new_deadline=today() + 5 * DAY
        )
    slip.refresh_from_db()
    assert slip.status == S.SIGNED and slip.requested_deadline is None


def test_a_reply_sent_back_no_longer_counts_as_replied(slip, lead, office):
    slip = reach(slip, S.REPLIED, lead=lead, office=office)
    slip = slip_reject_reply(slip=slip, actor=office, reason="答复过于简单")
    assert slip.status == S.IN_PROGRESS and slip.replied_at is None
    assert slip_measures(Slip.objects.filter(pk=slip.pk)).replied == 0


def test_an_urgent_problem_gets_the_shorter_of_its_category_and_urgency_rules(db):
    from issues.models import Category, DeadlineRule, Urgency
    from issues.services import deadline_days_default

    DeadlineRule.objects.all().delete()
    DeadlineRule.objects.create(category=Category.LAND, urgency="", days=20)
    DeadlineRule.objects.create(category="", urgency=Urgency.URGENT, days=3)
    DeadlineRule.objects.create(category="", urgency="", days=10)
    assert deadline_days_default(category=Category.LAND, urgency=Urgency.URGENT) == 3
    assert deadline_days_default(category=Category.LAND, urgency=Urgency.NORMAL) == 20
    assert deadline_days_default(category=Category.POLICY, urgency=Urgency.NORMAL) == 10
    DeadlineRule.objects.create(category=Category.LAND, urgency=Urgency.URGENT, days=8)
    assert deadline_days_default(category=Category.LAND, urgency=Urgency.URGENT) == 8


def test_dissatisfied_reopens_with_a_new_deadline_and_counts_the_reopening(slip, lead, office):
    slip = reach(slip, S.FED_BACK, lead=lead, office=office)
    original = slip.original_deadline
    Slip.objects.filter(pk=slip.pk).update(deadline=today() - 3 * DAY)

    slip = slip_rate(slip=slip, actor=office, rating=Slip.Rating.DISSATISFIED, comment="仍未通电")

    assert (slip.status, slip.reopen_count, slip.rating) == (S.REOPENED, 1, "dissatisfied")
    assert slip.rating_comment == "仍未通电" and slip.closed_at is None
    assert slip.deadline == deadline_compute(today(), slip.days).date
    assert slip.original_deadline == original and slip.signed_at is None
    # The same unit works on it again: signs, replies, and a second dissatisfaction counts.
    slip = slip_sign(slip=slip, actor=lead)
    assert slip.signed_at is not None
    slip = slip_reply(slip=slip, actor=lead, outcome=Slip.Outcome.SOLVED, text="已通电")
    slip = slip_feed_back(slip=slip, actor=office, method=Slip.FeedbackMethod.PHONE)
    slip = slip_rate(slip=slip, actor=office, rating=Slip.Rating.DISSATISFIED, comment="电压不稳")
    assert slip.reopen_count == 2


def test_escalation_climbs_one_tier_at_a_time_up_to_the_fourth(slip, lead, office):
    slip = slip_sign(slip=slip, actor=lead)
    for tier in (2, 3, 4):
        slip = slip_request_escalation(slip=slip, actor=lead, reason="本单位无法协调")
        slip = slip_escalation_decide(slip=slip, actor=office, approve=True)
        assert (slip.status, slip.tier) == (S.ESCALATED, tier)
        assert SlipEvent.objects.filter(slip=slip).last().data == {"tier": tier}
        slip = slip_send_down(slip=slip, actor=office, instructions="按协调意见落实", days=4)
        assert slip.status == S.IN_PROGRESS
        assert slip.deadline == deadline_compute(today(), 4).date

    # Tier 4 is the province / Hangzhou: nowhere higher to go.
    with pytest.raises(ValidationError) as caught:
        slip_request_escalation(slip=slip, actor=lead, reason="还要再提级")
    assert not isinstance(caught.value, TransitionRefused)
    slip.refresh_from_db()
    assert (slip.status, slip.tier) == (S.IN_PROGRESS, 4)


def test_a_refused_escalation_keeps_the_tier(slip, lead, office):
    slip = reach(slip, S.ESCALATION_REQUESTED, lead=lead, office=office)

    slip = slip_escalation_decide(slip=slip, actor=office, approve=False, note="继续协调")

    assert (slip.status, slip.tier) == (S.SIGNED, 1)


def test_return_approved_with_reassignment_moves_the_slip_to_the_new_unit(
    slip, lead, co, co_unit, lead_unit, office
):
    slip = slip_sign(slip=slip, actor=lead)
    slip = slip_request_return(slip=slip, actor=lead, reason="属于供电公司职责")

    slip = slip_return_decide(
        slip=slip, actor=office, approve=True, note="改派供电公司", reassign_to=co_unit, days=8
    )

    slip.refresh_from_db()
    assert (slip.status, slip.lead_unit, slip.days, slip.signed_at) == (
        S.ISSUED,
        co_unit,
        8,
        None,
    )
    assert list(slip.co_units.all()) == []  # the new lead is no longer its own co-unit
    assert slip.deadline == deadline_compute(today(), 8).date
    assert slip.problem.status == Problem.Status.ASSIGNED
    event = SlipEvent.objects.filter(slip=slip).last()
    assert event.data == {"from_unit": lead_unit.name, "to_unit": co_unit.name, "days": 8}
    # The new unit signs; the old one no longer can.
    with pytest.raises(TransitionRefused):
        slip_sign(slip=slip, actor=lead)
    assert slip_sign(slip=slip, actor=co).status == S.SIGNED


def test_return_approved_without_reassignment_sends_the_problem_back_to_sorting(
    slip, problem, batch, lead, lead_unit, office, third_unit
):
    slip = slip_request_return(slip=slip, actor=lead, reason="不属于本单位")

    slip = slip_return_decide(slip=slip, actor=office, approve=True, note="重新梳理")

    assert slip.status == S.RETURNED and not slip.is_open
    problem.refresh_from_db()
    assert problem.status == Problem.Status.NEW
    again = issue(problem, batch, third_unit, office)
    assert again.number.endswith("-002") and again.lead_unit == third_unit
    slip.refresh_from_db()
    assert slip.status == S.RETURNED  # the returned slip stays, as history


@pytest.mark.parametrize("state", [S.ISSUED, S.SIGNED, S.IN_PROGRESS, S.RETURN_REQUESTED])
def test_withdrawing_sends_the_problem_back_and_it_can_be_issued_again(
    state, slip, problem, batch, lead, lead_unit, office
):
    slip = reach(slip, state, lead=lead, office=office)

    slip = slip_withdraw(slip=slip, actor=office, reason="交办有误")

    assert slip.status == S.WITHDRAWN
    problem.refresh_from_db()
    assert problem.status == Problem.Status.NEW
    again = issue(problem, batch, lead_unit, office)
    assert again.status == S.ISSUED
    assert set(Slip.objects.filter(problem=problem).values_list("status", flat=True)) == {
        S.WITHDRAWN,
        S.ISSUED,
    }


REQUEST_REFUSALS = [
    ("request_return", "refuse_return", S.ISSUED),
    ("request_return", "refuse_return", S.SIGNED),
    ("request_return", "refuse_return", S.IN_PROGRESS),
    ("request_return", "refuse_return", S.REOPENED),
    ("request_extension", "refuse_extension", S.SIGNED),
    ("request_extension", "refuse_extension", S.IN_PROGRESS),
    ("request_extension", "refuse_extension", S.REOPENED),
    ("request_extension", "approve_extension", S.IN_PROGRESS),
    ("request_extension", "approve_extension", S.REOPENED),
    ("request_escalation", "refuse_escalation", S.SIGNED),
    ("request_escalation", "refuse_escalation", S.IN_PROGRESS),
    ("request_escalation", "refuse_escalation", S.REOPENED),
]


@pytest.mark.parametrize(
    ("request_action", "decision", "state"),
    REQUEST_REFUSALS,
    ids=[f"{d}-back-to-{s}" for _r, d, s in REQUEST_REFUSALS],
)
def test_a_decided_request_returns_the_slip_to_where_it_was(
    request_action, decision, state, slip, lead, office
):
    slip = reach(slip, state, lead=lead, office=office)
    slip = take(slip, request_action, lead)
    assert slip.resume_status == state

    slip = take(slip, decision, office)

    assert (slip.status, slip.resume_status) == (state, "")
    event = SlipEvent.objects.filter(slip=slip).last()
    assert (event.from_status, event.to_status) == (MOVES[request_action].target, state)


def test_the_whole_path_to_closed_leaves_the_complete_history(slip, lead, co, office):
    slip = slip_sign(slip=slip, actor=lead)
    slip = slip_contact(slip=slip, actor=lead, met=True, text="到企业现场了解情况")
    slip = slip_co_input(slip=slip, actor=co, text="已安排勘查")
    slip = slip_note(slip=slip, actor=lead, text="正在施工")
    slip = slip_reply(slip=slip, actor=lead, outcome=Slip.Outcome.SOLVED, text="已完成增容")
    slip = slip_reject_reply(slip=slip, actor=office, reason="未写通电日期")
    slip = slip_reply(slip=slip, actor=lead, outcome=Slip.Outcome.SOLVED, text="已于今日通电")
    slip = slip_feed_back(slip=slip, actor=office, method=Slip.FeedbackMethod.PHONE, note="好")
    slip = slip_rate(slip=slip, actor=office, rating=Slip.Rating.SATISFIED)

    assert slip.status == S.CLOSED and slip.closed_on_time is True
    assert slip.contact_met is True and slip.first_contact_at is not None
    assert slip.reply_text == "已于今日通电" and slip.feedback_method == "phone"
    steps = list(
        SlipEvent.objects.filter(slip=slip).values_list("action", "from_status", "to_status")
    )
    assert steps == [
        ("issue", "", "issued"),
        ("sign", "issued", "signed"),
        ("contact", "signed", "signed"),
        ("co_input", "signed", "signed"),
        ("note", "signed", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("reject_reply", "replied", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("feed_back", "replied", "fed_back"),
        ("rate_close", "fed_back", "closed"),
    ]


def test_the_first_contact_is_kept_and_a_phone_call_does_not_count_as_a_meeting(slip, lead, co):
    slip = slip_contact(slip=slip, actor=co, met=False, text="电话联系企业")
    first = slip.first_contact_at
    assert slip.contact_met is False
    slip = slip_contact(slip=slip, actor=lead, met=True, text="上门走访")

    assert slip.first_contact_at == first and slip.contact_met is True
    assert SlipEvent.objects.filter(slip=slip, action="contact").count() == 2


def test_a_batch_object_is_locked_and_numbered_even_when_stale(firm, lead_unit, office):
    batch = batch_open(actor=office)
    stale = Batch.objects.get(pk=batch.pk)
    issue(new_problem(firm, office), batch, lead_unit, office)

    second = issue(new_problem(firm, office), stale, lead_unit, office)  # last_seq 0 in memory

    assert second.seq == 2


def test_a_leader_who_only_reads_cannot_issue_a_slip(make_user, problem, batch, lead_unit):
    leader = make_user(Role.LEADER, username="leader1")

    with pytest.raises(TransitionRefused):
        issue(problem, batch, lead_unit, leader)
