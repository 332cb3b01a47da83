"""What a firm's own users are told about their problems, in the notification centre (with a
link to the portal page) and by text message to their mobiles: received, assigned, answered
directly or declined, replied (the rating is due), reopened or closed after the rating.

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


def _tell(problem: Problem, kind: str, title: str, body: str = "", *, exclude=None) -> int:
    """Notify the firm's users (but ``exclude``, who did it) and text their mobiles. Returns
    how many people were told."""
    people = [
        user
        for user in firm_users(problem.enterprise_id)
        if exclude is None or user.pk != exclude.pk
    ]
    if not people:
        return 0
    notify(recipients=people, kind=kind, title=title, body=body, url=_portal_url(problem))
    text = _("[Lin'an enterprise service] %(title)s") % {"title": title}
    for mobile in sorted({user.mobile for user in people if user.mobile}):
        sms_send(mobile=mobile, text=text)
    return len(people)


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


def _assigned_body(slip: Slip) -> str:
    return _("Reference %(ref)s: “%(problem)s”.") % {
        "ref": slip.problem.reference,
        "problem": _excerpt(slip.problem),
    }


def slip_issued(slip: Slip) -> int:
    return _tell(
        slip.problem,
        "firm_assigned",
        _("Your problem is assigned to %(unit)s, to be handled by %(deadline)s")
        % {"unit": slip.lead_unit.name, "deadline": slip.deadline.isoformat()},
        _assigned_body(slip),
    )


def slip_reassigned(slip: Slip) -> int:
    return _tell(
        slip.problem,
        "firm_assigned",
        _("Your problem is now handled by %(unit)s, to be handled by %(deadline)s")
        % {"unit": slip.lead_unit.name, "deadline": slip.deadline.isoformat()},
        _assigned_body(slip),
    )


def problem_decided(problem: Problem) -> int:
    """Answered directly, or declined, by the office: with its words."""
    if problem.status == Problem.Status.ANSWERED:
        title = _("The activity office has answered your problem, reference %(ref)s")
    else:
        title = _("Your problem is not accepted, reference %(ref)s")
    return _tell(problem, "firm_decided", title % {"ref": problem.reference}, problem.decision_note)


def slip_fed_back(slip: Slip) -> int:
    """The reply has been told to the firm: its rating is due."""
    return _tell(
        slip.problem,
        "firm_replied",
        _("Your problem has been answered: please rate the result, reference %(ref)s")
        % {"ref": slip.problem.reference},
        _(
            "%(unit)s replied: %(reply)s\n\nOpen the page to rate it: satisfied, basically "
            "satisfied or dissatisfied. If you are dissatisfied, it is handled again."
        )
        % {"unit": slip.lead_unit.name, "reply": slip.reply_text},
    )


def slip_rated(slip: Slip, actor: User | None) -> int:
    """Closed (satisfied) or reopened (dissatisfied) after the rating; the person who rated
    knows already."""
    if slip.status == Slip.Status.REOPENED:
        title = _(
            "Your problem is reopened and handled again by %(unit)s, by %(deadline)s, "
            "reference %(ref)s"
        ) % {
            "unit": slip.lead_unit.name,
            "deadline": slip.deadline.isoformat(),
            "ref": slip.problem.reference,
        }
    else:
        title = _("Your problem is closed, reference %(ref)s") % {"ref": slip.problem.reference}
    body = _("Rating: %(rating)s.") % {"rating": slip.get_rating_display()}
    if slip.rating_comment:
        body = f"{body} {slip.rating_comment}"
    return _tell(slip.problem, "firm_rated", title, body, exclude=actor)


def slip_closed_unrated(slip: Slip) -> int:
    return _tell(
        slip.problem,
        "firm_closed",
        _("Your problem is closed without your rating, reference %(ref)s")
        % {"ref": slip.problem.reference},
    )
