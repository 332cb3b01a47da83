"""How a firm reads its problem's state: the status in plain words, who handles it and by
when, and the steps of its handling meant for the firm.

The history is a whitelist: from a slip's steps only those that concern the firm (assigned,
signed for, the reply the office fed back, the rating, reopened, closed) and never what the
units and the office write to each other (progress notes, co-units' input, requests for
return, extension or escalation, the escalation itself, notices)."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..models import Problem, Slip, SlipEvent
from .selectors import problem_live_slip

S = Slip.Status
P = Problem.Status

# Slip states in which the unit is at work on it (as the firm sees it).
HANDLING = {
    S.SIGNED,
    S.IN_PROGRESS,
    S.RETURN_REQUESTED,
    S.EXTENSION_REQUESTED,
    S.ESCALATION_REQUESTED,
    S.ESCALATED,
    S.REPLIED,
}


@dataclass
class Progress:
    label: str
    tone: str  # a Bootstrap colour for the badge
    unit: str = ""
    deadline: datetime.date | None = None
    slip: Slip | None = None  # the live slip handling it (a merged problem's: the other's)
    rating_due: bool = False
    reply_shown: bool = False  # the reply the office fed back may be read
    merged: bool = False  # handled as the same problem raised by others: theirs to rate
    decided: Problem | None = None  # the problem whose direct answer or refusal is shown


def problem_progress(problem: Problem) -> Progress:
    """待梳理 / 已交办 经信局 办理期限 … / 已答复，请评价 / 已办结 / 已直接答复 / 不予受理 …"""
    if problem.status == P.NEW:
        return Progress(_("Received, awaiting sorting"), "secondary")
    if problem.status == P.ANSWERED:
        return Progress(_("Answered directly"), "success", decided=problem)
    if problem.status == P.DECLINED:
        return Progress(_("Not accepted"), "dark", decided=problem)
    if problem.status == P.MERGED:
        return _merged_progress(problem.duplicate_of)
    slip = problem_live_slip(problem)
    if slip is None:
        return Progress(_("Assigned"), "primary")
    unit = slip.lead_unit.name
    if slip.status == S.FED_BACK:
        return Progress(
            _("Replied, please rate"),
            "warning",
            unit,
            None,
            slip,
            rating_due=True,
            reply_shown=True,
        )
    if slip.status == S.CLOSED:
        return Progress(
            pgettext("slip status", "Closed"), "success", unit, None, slip, reply_shown=True
        )
    if slip.status == S.REOPENED:
        return Progress(_("Reopened, being handled again"), "danger", unit, slip.deadline, slip)
    if slip.status in HANDLING:
        return Progress(_("Being handled"), "primary", unit, slip.deadline, slip)
    return Progress(_("Assigned"), "primary", unit, slip.deadline, slip)


def _merged_progress(canonical: Problem | None) -> Progress:
    """A problem merged into the same one raised by others reads as that one's handling: its
    unit and deadline, its reply once fed back, its direct answer. Never a rating: that is the
    other firm's."""
    progress = Progress(
        _("Handled together with the same problem raised by others"), "info", merged=True
    )
    if canonical is None:
        return progress
    if canonical.status in {P.ANSWERED, P.DECLINED}:
        progress.decided = canonical
        return progress
    slip = problem_live_slip(canonical)
    if slip is None:
        return progress
    progress.unit, progress.slip = slip.lead_unit.name, slip
    if slip.status in {S.FED_BACK, S.CLOSED}:
        progress.label = _("Replied, handled together with the same problem raised by others")
        progress.tone = "success"
        progress.reply_shown = True
    else:
        progress.deadline = slip.deadline
    return progress


@dataclass
class Step:
    when: datetime.datetime
    title: str
    text: str = ""
    note: str = ""  # a short label shown beside the title (the reply's outcome, the rating)


# The slip steps a firm reads, and "reply", read only to show the text a later feed-back told.
FIRM_STEPS = {
    "issue",
    "approve_return",
    "close_returned",
    "withdraw",
    "sign",
    "feed_back",
    "rate_close",
    "rate_reopen",
    "close_unrated",
}


def problem_history(problem: Problem) -> list[Step]:
    """The steps meant for the firm. A merged problem's are, after its own receipt, those of
    the problem it joined (without that firm's receipt or the words of its rating)."""
    steps = [_received(problem)]
    canonical = problem.duplicate_of if problem.status == P.MERGED else None
    steps += _slip_steps(canonical or problem, others=canonical is not None)
    for decided in [problem, canonical]:
        if (
            decided is not None
            and decided.decided_at
            and decided.status in {P.ANSWERED, P.DECLINED}
        ):
            steps.append(
                Step(
                    decided.decided_at,
                    _("Answered directly by the activity office")
                    if decided.status == P.ANSWERED
                    else _("Not accepted by the activity office"),
                    text=decided.decision_note,
                )
            )
    if problem.decided_at and problem.status == P.MERGED:
        steps.append(
            Step(problem.decided_at, _("Handled together with the same problem raised by others"))
        )
    steps.sort(key=lambda step: step.when)
    return steps


def _slip_steps(problem: Problem, *, others: bool) -> list[Step]:
    """The firm's steps of the problem's slips; ``others``: the problem is another firm's (one
    merged problem joined it), so its rating is told without that firm's words."""
    steps = []
    outcomes = dict(Slip.Outcome.choices)
    ratings = dict(Slip.Rating.choices)
    replies: dict[int, SlipEvent] = {}
    events = (
        SlipEvent.objects.filter(slip__problem=problem, action__in=FIRM_STEPS | {"reply"})
        .select_related("slip__lead_unit", "unit")
        .order_by("created_at", "pk")
    )
    for event in events:
        data = event.data or {}
        lead = event.slip.lead_unit.name
        if event.action == "reply":
            replies[event.slip_id] = event  # shown only once the office feeds it back
        elif event.action == "issue":
            steps.append(
                Step(
                    event.created_at,
                    _("Assigned to %(unit)s, to be handled by %(deadline)s")
                    % {"unit": data.get("lead_unit") or lead, "deadline": data.get("deadline", "")},
                )
            )
        elif event.action == "approve_return":
            steps.append(
                Step(
                    event.created_at,
                    _("Transferred to %(unit)s") % {"unit": data.get("to_unit") or lead},
                )
            )
        elif event.action in {"close_returned", "withdraw"}:
            steps.append(
                Step(event.created_at, _("Taken back by the activity office to assign again"))
            )
        elif event.action == "sign":
            unit = event.unit.name if event.unit else lead
            steps.append(
                Step(
                    event.created_at,
                    _("%(unit)s signed for it and is handling it") % {"unit": unit},
                )
            )
        elif event.action == "feed_back":
            reply = replies.pop(event.slip_id, None)
            unit = reply.unit.name if reply is not None and reply.unit else lead
            steps.append(
                Step(
                    event.created_at,
                    _("Reply from %(unit)s, told to you by the activity office") % {"unit": unit},
                    text=reply.text if reply is not None else "",
                    note=outcomes.get((reply.data or {}).get("outcome"), "") if reply else "",
                )
            )
        elif event.action == "rate_close":
            steps.append(
                Step(
                    event.created_at,
                    _("Rated by the other firm, and closed") if others else _("Rated, and closed"),
                    text="" if others else event.text,
                    note=ratings.get(data.get("rating"), ""),
                )
            )
        elif event.action == "rate_reopen":
            title = (
                _("Rated dissatisfied by the other firm: reopened, %(unit)s handles it again")
                if others
                else _("Rated dissatisfied: reopened, %(unit)s handles it again")
            )
            steps.append(
                Step(
                    event.created_at,
                    title % {"unit": lead},
                    text="" if others else event.text,
                    note=ratings[Slip.Rating.DISSATISFIED],
                )
            )
        elif event.action == "close_unrated":
            steps.append(Step(event.created_at, _("Closed without a rating")))
    return steps


def _received(problem: Problem) -> Step:
    if problem.channel == Problem.Channel.WEB:
        title = _("You sent it online; reference %(ref)s")
    else:
        title = _("Received through %(channel)s; reference %(ref)s")
    return Step(
        problem.raised_at,
        title % {"ref": problem.reference, "channel": problem.get_channel_display()},
    )
