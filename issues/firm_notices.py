"""What a firm's own users are told about their problems, in the notification centre (with a
link to the portal page) and by text message to their mobiles: received, assigned, answered
directly or declined, replied (the rating is due), reopened or closed after the rating. A
problem merged into another (``problem_merge``) is told when it is merged, and then of the
other's handling, as its own.

The services call these right after the change, inside their transaction: the notices are
rows of that transaction, and e-mails and texts go out only once it commits. A firm's users
are the active accounts linked to it (``enterprises.models.FirmUser``)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from core.models import User
from core.notifications import notify
from core.sms import sms_send

from .models import Problem, Slip

EXCERPT = 40


def firm_users(enterprise_id: int) -> list[User]:
    return list(
        User.objects.filter(firm_link__enterprise_id=enterprise_id, is_active=True).order_by("pk")
    )


def _excerpt(problem: Problem) -> str:
    text = problem.description.strip()
    return text if len(text) <= EXCERPT else f"{text[:EXCERPT]}…"


def _portal_url(problem: Problem) -> str:
    try:
        return reverse("portal:problem_detail", args=[problem.pk])
    except NoReverseMatch:  # the portal is not mounted: the notice still goes out
        return ""


class _Told:
    """Who has been told in one round, so that nobody is told twice (a firm whose problem was
    merged into its own other problem)."""

    def __init__(self):
        self.users: set[int] = set()
        self.mobiles: set[str] = set()


def _tell(
    problem: Problem, kind: str, title: str, body: str = "", *, exclude=None, told=None
) -> int:
    """Notify the firm's users (but ``exclude``, who did it, and those already ``told``) and
    text their mobiles. Returns how many people were told."""
    told = told if told is not None else _Told()
    people = [
        user
        for user in firm_users(problem.enterprise_id)
        if (exclude is None or user.pk != exclude.pk) and user.pk not in told.users
    ]
    if not people:
        return 0
    told.users.update(user.pk for user in people)
    notify(recipients=people, kind=kind, title=title, body=body, url=_portal_url(problem))
    text = _("[Lin'an enterprise service] %(title)s") % {"title": title}
    for mobile in sorted({user.mobile for user in people if user.mobile} - told.mobiles):
        told.mobiles.add(mobile)
        sms_send(mobile=mobile, text=text)
    return len(people)


def _merged_into(problem: Problem) -> list[Problem]:
    """The problems merged into ``problem`` (``problem_merge``): handled with it, so their firms
    are told of its handling too."""
    return list(problem.duplicates.order_by("pk"))


def _tell_handling(slip: Slip, kind: str, message, *, exclude=None) -> int:
    """Tell the firm of the slip's problem, and the firms of the problems merged into it, each
    about its own problem (its reference, its words, its page): ``message(problem, own)``
    gives the title and body, ``own`` being whether it is the slip's problem itself."""
    told = _Told()
    count = 0
    for problem in [slip.problem, *_merged_into(slip.problem)]:
        title, body = message(problem, problem.pk == slip.problem_id)
        count += _tell(problem, kind, title, body, exclude=exclude, told=told)
    return count


def problem_received(problem: Problem) -> int:
    """Received into the office's sorting: an acknowledgement with the reference."""
    return _tell(
        problem,
        "firm_received",
        _("Your problem is received, reference %(ref)s") % {"ref": problem.reference},
        _(
            "“%(problem)s” (%(channel)s, %(date)s) awaits sorting by the activity office. You "
            "will be told which unit handles it."
        )
        % {
            "problem": _excerpt(problem),
            "channel": problem.get_channel_display(),
            "date": problem.raised_at.date().isoformat(),
        },
    )


def _assigned_body(problem: Problem) -> str:
    return _("Reference %(ref)s: “%(problem)s”.") % {
        "ref": problem.reference,
        "problem": _excerpt(problem),
    }


def problem_merged(problem: Problem) -> int:
    """Merged into the same problem raised by others (``problem.duplicate_of``): handled, and
    told of, with it."""
    from .portal.selectors import problem_live_slip

    slip = problem_live_slip(problem.duplicate_of)
    if slip is None:
        where = _("You will be told which unit handles it.")
    elif slip.status in {Slip.Status.FED_BACK, Slip.Status.CLOSED}:
        where = _("%(unit)s has replied: the reply is on your problem's page.") % {
            "unit": slip.lead_unit.name
        }
    else:
        where = _("%(unit)s handles it, by %(deadline)s.") % {
            "unit": slip.lead_unit.name,
            "deadline": slip.deadline.isoformat(),
        }
    return _tell(
        problem,
        "firm_merged",
        _(
            "Your problem is handled together with the same problem raised by others, reference %(ref)s"
        )
        % {"ref": problem.reference},
        f"{_assigned_body(problem)} {where}",
    )


def slip_issued(slip: Slip) -> int:
    title = _("Your problem is assigned to %(unit)s, to be handled by %(deadline)s") % {
        "unit": slip.lead_unit.name,
        "deadline": slip.deadline.isoformat(),
    }
    return _tell_handling(
        slip, "firm_assigned", lambda problem, own: (title, _assigned_body(problem))
    )


def slip_reassigned(slip: Slip) -> int:
    title = _("Your problem is now handled by %(unit)s, to be handled by %(deadline)s") % {
        "unit": slip.lead_unit.name,
        "deadline": slip.deadline.isoformat(),
    }
    return _tell_handling(
        slip, "firm_assigned", lambda problem, own: (title, _assigned_body(problem))
    )


def problem_decided(problem: Problem) -> int:
    """Answered directly, or declined, by the office: with its words. The firms whose problems
    were merged into it are told too."""
    if problem.status == Problem.Status.ANSWERED:
        title = _("The activity office has answered your problem, reference %(ref)s")
    else:
        title = _("Your problem is not accepted, reference %(ref)s")
    told = _Told()
    return sum(
        _tell(
            each,
            "firm_decided",
            title % {"ref": each.reference},
            problem.decision_note,
            told=told,
        )
        for each in [problem, *_merged_into(problem)]
    )


def slip_fed_back(slip: Slip) -> int:
    """The reply has been told to the firm: its rating is due. The firms whose problems were
    merged into it read the reply too; the rating is not theirs."""
    replied = {"unit": slip.lead_unit.name, "reply": slip.reply_text}

    def message(problem, own):
        if own:
            return (
                _("Your problem has been answered: please rate the result, reference %(ref)s")
                % {"ref": problem.reference},
                _(
                    "%(unit)s replied: %(reply)s\n\nOpen the page to rate it: satisfied, "
                    "basically satisfied or dissatisfied. If you are dissatisfied, it is handled "
                    "again."
                )
                % replied,
            )
        return (
            _("Your problem has been answered, reference %(ref)s") % {"ref": problem.reference},
            _(
                "%(unit)s replied: %(reply)s\n\nYour problem was handled together with the same "
                "problem raised by another firm, which rates the result."
            )
            % replied,
        )

    return _tell_handling(slip, "firm_replied", message)


def slip_rated(slip: Slip, actor: User | None) -> int:
    """Closed (satisfied) or reopened (dissatisfied) after the rating; the person who rated
    knows already. The firms whose problems were merged into it are told the outcome, not the
    other firm's rating and words."""
    body = _("Rating: %(rating)s.") % {"rating": slip.get_rating_display()}
    if slip.rating_comment:
        body = f"{body} {slip.rating_comment}"

    def message(problem, own):
        if slip.status == Slip.Status.REOPENED:
            title = _(
                "Your problem is reopened and handled again by %(unit)s, by %(deadline)s, "
                "reference %(ref)s"
            ) % {
                "unit": slip.lead_unit.name,
                "deadline": slip.deadline.isoformat(),
                "ref": problem.reference,
            }
        else:
            title = _("Your problem is closed, reference %(ref)s") % {"ref": problem.reference}
        return title, body if own else ""

    return _tell_handling(slip, "firm_rated", message, exclude=actor)


def slip_closed_unrated(slip: Slip) -> int:
    def message(problem, own):
        if own:
            title = _("Your problem is closed without your rating, reference %(ref)s")
        else:
            title = _("Your problem is closed, reference %(ref)s")
        return title % {"ref": problem.reference}, ""

    return _tell_handling(slip, "firm_closed", message)
