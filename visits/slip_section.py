"""On a slip's page: the meeting its problem was raised at, if any."""

from issues.slip_sections import SlipSection

from .selectors_meetings import meeting_of_problem


def meeting_slip_section(request, slip):
    meeting = meeting_of_problem(slip.problem_id)
    if meeting is None:
        return None
    return SlipSection(
        "visits/_slip_meeting.html",
        {"meeting": meeting, "is_office": request.user.has_perm("core.assign_problems")},
    )
