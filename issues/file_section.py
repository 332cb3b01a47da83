"""What the issues app adds to a firm's file (一企一档): its problems and their slips; and which
firms a handling unit may open (those of the slips sent to it)."""

from django.db.models import Q

from enterprises.file_sections import FileSection

from .models import Slip


def enterprise_ids_of_unit_slips(user):
    """A handling unit reads the files of the firms whose slips it leads or helps with."""
    if not user.is_authenticated or not user.has_perm("core.handle_slips"):
        return None
    return Slip.objects.filter(Q(lead_unit=user.unit_id) | Q(co_units=user.unit_id)).values(
        "problem__enterprise_id"
    )


def issues_file_section(request, firm) -> FileSection | None:
    from .selectors import problems_visible_to, slips_days_left, slips_visible_to

    user = request.user
    slips = slips_days_left(
        list(
            slips_visible_to(user)
            .filter(problem__enterprise=firm)
            .select_related("problem", "lead_unit", "batch")
            .order_by("-issued_at")[:50]
        )
    )
    slip_problem_ids = {s.problem_id for s in slips}
    problems = list(
        problems_visible_to(user)
        .filter(enterprise=firm)
        .exclude(pk__in=slip_problem_ids)
        .order_by("-raised_at")[:50]
    )
    if not slips and not problems and not user.has_perm("core.assign_problems"):
        return None
    return FileSection(
        "issues/_file_section.html",
        {"firm": firm, "slips": slips, "problems": problems},
    )
